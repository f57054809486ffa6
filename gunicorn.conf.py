"""The production server settings the README recommends: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be overridden on the command line or through GUNICORN_CMD_ARGS.
"""

import os

from feedback.logs import ACCESS_LOG_FORMAT, PrivateLogger

bind = os.environ.get("FEEDBACK_BIND", "127.0.0.1:8000")
# Sync workers: a request is short, and a killed or stuck worker loses only its own request.
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
# A request that takes longer is stuck; the database gives up waiting for a lock well before.
timeout = 30
graceful_timeout = 20
# Each worker is recycled now and then, so a slow leak never takes the service down.
max_requests = 2000
max_requests_jitter = 200
# gunicorn's control socket is one path per user: a second instance (a test beside the
# service) would take it over. The service manager signals the master instead.
control_socket_disable = True

# Access and error logs on stdout/stderr for the service manager, with no client address.
accesslog = "-"
errorlog = "-"
access_log_format = ACCESS_LOG_FORMAT
logger_class = PrivateLogger
