"""Entry point for Phusion Passenger (o2switch / cPanel "Setup Python App"): ``application``."""

import sys
from pathlib import Path

# Passenger loads this file by path: make the application's folder importable whatever its cwd.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from app import create_app  # noqa: E402

application = create_app()
