"""The forms of the newsletters area."""

from __future__ import annotations

from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from models.newsletter import BODY_MAX, SUBJECT_MAX
from services.i18n import lazy_gettext as _l
from web.forms import CleanForm


class NewsletterForm(CleanForm):
    """A newsletter: its subject, its HTML (cleaned on save) and its text version."""

    subject = StringField(
        _l("Objet"),
        validators=[
            DataRequired(_l("Indiquez l'objet de la lettre.")),
            Length(max=SUBJECT_MAX, message=_l("%(max)d caractères au plus.", max=SUBJECT_MAX)),
        ],
    )
    body_html = TextAreaField(
        _l("Contenu mis en forme (HTML)"),
        validators=[
            DataRequired(_l("Écrivez le contenu de la lettre.")),
            Length(max=BODY_MAX, message=_l("%(max)d caractères au plus.", max=BODY_MAX)),
        ],
        description=_l(
            "Titres, paragraphes, listes, gras, italique et liens. Le reste (scripts, styles, "
            "images externes) est retiré à l'enregistrement."
        ),
        render_kw={"rows": 14},
    )
    body_text = TextAreaField(
        _l("Version texte"),
        validators=[
            DataRequired(_l("Écrivez la version texte, lue par les messageries sans HTML.")),
            Length(max=BODY_MAX, message=_l("%(max)d caractères au plus.", max=BODY_MAX)),
        ],
        render_kw={"rows": 10},
    )
