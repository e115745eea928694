"""Espace Client as the benchmark serves it: production settings from the environment
(``FLASK_*``), instance folder made by the benchmark (``BENCH_INSTANCE_PATH``), and the
benchmark's floor routes (``bench/floors.py``)."""

import os

from app import create_app
from bench.floors import add_floor_routes

application = create_app({"INSTANCE_PATH": os.environ["BENCH_INSTANCE_PATH"]})
add_floor_routes(application)
