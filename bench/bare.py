"""The yardstick: a bare Flask app with one route returning a short string."""

from flask import Flask

application = Flask(__name__)


@application.get("/")
def index():
    """A short string, nothing else."""
    return "Bonjour"
