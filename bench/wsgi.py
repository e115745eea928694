"""Espace Client as the benchmark serves it: production settings from the environment
(``FLASK_*``), instance folder made by the benchmark (``BENCH_INSTANCE_PATH``)."""

import os

from app import create_app

application = create_app({"INSTANCE_PATH": os.environ["BENCH_INSTANCE_PATH"]})
