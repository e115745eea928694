"""encrypted mail bodies and encrypted columns sized for 4-byte characters

The outbox's bodies (live reset, verification and invitation links) move to encrypted columns:
the bodies of waiting mails are encrypted with the field keys (FIELD_ENCRYPTION_KEYS must be set
when such mails exist), those of sent and failed mails are dropped. On SQLite the dropped clear
text may stay in free pages until they are reused: run ``VACUUM`` once after this upgrade.

Encrypted columns are widened so that the longest allowed value in 4-byte characters fits.

Revision ID: 2483153e5ded
Revises: 3421681e4925
Create Date: 2026-12-02 17:06:50.783663

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

# revision identifiers, used by Alembic.
revision = '2483153e5ded'
down_revision = '3421681e4925'
branch_labels = None
depends_on = None

WAITING = ('pending', 'sending')
BODY = sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mariadb').with_variant(mysql.MEDIUMTEXT(), 'mysql')
outbox = sa.table(
    'outbox_mail',
    sa.column('id', sa.Integer),
    sa.column('status', sa.String),
    sa.column('body_text', sa.Text),
    sa.column('body_html', sa.Text),
    sa.column('body_text_encrypted', sa.Text),
    sa.column('body_html_encrypted', sa.Text),
)


def _convert_waiting_bodies(read, write, convert):
    """Rewrite the bodies of the waiting mails through ``convert`` (no-op without such mails)."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(outbox.c.id, outbox.c[f'body_text{read}'], outbox.c[f'body_html{read}'])
        .where(outbox.c.status.in_(WAITING))
    ).all()
    for mail_id, text, html in rows:
        connection.execute(
            outbox.update().where(outbox.c.id == mail_id).values({
                f'body_text{write}': convert(text),
                f'body_html{write}': convert(html),
            })
        )


def upgrade():
    from services.crypto import encrypt

    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.alter_column('serial_number_encrypted',
               existing_type=sa.VARCHAR(length=512),
               type_=sa.String(length=632),
               existing_nullable=True)

    with op.batch_alter_table('licence', schema=None) as batch_op:
        batch_op.alter_column('licence_key_encrypted',
               existing_type=sa.VARCHAR(length=1024),
               type_=sa.String(length=1444),
               existing_nullable=True)

    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_text_encrypted', BODY, nullable=True))
        batch_op.add_column(sa.Column('body_html_encrypted', BODY, nullable=True))

    _convert_waiting_bodies('', '_encrypted', encrypt)

    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.drop_column('body_html')
        batch_op.drop_column('body_text')

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('totp_secret_encrypted',
               existing_type=sa.VARCHAR(length=512),
               type_=sa.String(length=440),
               existing_nullable=True)


def downgrade():
    from services.crypto import decrypt

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('totp_secret_encrypted',
               existing_type=sa.String(length=440),
               type_=sa.VARCHAR(length=512),
               existing_nullable=True)

    # Sent and failed mails have no body left: they come back with an empty text.
    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_text', sa.TEXT(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('body_html', sa.TEXT(), nullable=True))

    _convert_waiting_bodies('_encrypted', '', decrypt)

    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.alter_column('body_text', existing_type=sa.TEXT(), server_default=None)
        batch_op.drop_column('body_html_encrypted')
        batch_op.drop_column('body_text_encrypted')

    with op.batch_alter_table('licence', schema=None) as batch_op:
        batch_op.alter_column('licence_key_encrypted',
               existing_type=sa.String(length=1444),
               type_=sa.VARCHAR(length=1024),
               existing_nullable=True)

    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.alter_column('serial_number_encrypted',
               existing_type=sa.String(length=632),
               type_=sa.VARCHAR(length=512),
               existing_nullable=True)
