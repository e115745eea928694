"""Gunicorn settings for Espace Client on its own servers (several app servers behind nginx).

    gunicorn -c deploy/gunicorn.conf.py "app:create_app()"

Every process of every server must share: the database (MariaDB), the rate-limit storage
(RATELIMIT_STORAGE_URI=redis://...), the file store (FILE_STORE on shared storage), the
SECRET_KEY and the other keys, and the activity seal's state files (ACTIVITY_SEAL_STATE_FILE on
shared storage). Nothing is scheduled inside the processes: cron runs the `flask --app app ...`
commands on one machine only (see the README).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 60
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle a worker now and then: memory stays flat
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# nginx on the same machine is the one proxy: the app reads X-Forwarded-* through ProxyFix
# (FLASK_PROXY_FIX_X_FOR=1, FLASK_PROXY_FIX_X_PROTO=1), not through gunicorn.
forwarded_allow_ips = "127.0.0.1"
