"""gunicorn settings for the production path (`make serve-prod`, `gunicorn -c ...`).

One worker per instance with threads: Flask-SocketIO in "threading" mode keeps a client's
Socket.IO session in one process, so scale by starting several instances (each on its own
port, sharing PostgreSQL and Redis) behind a proxy with sticky sessions.
"""

from __future__ import annotations

import os

bind = [f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"]
wsgi_app = "wsgi:app"
worker_class = "gthread"
workers = 1
# Each open room connection (WebSocket) holds one thread for as long as it stays open:
# size this to the room members expected per instance plus some for page requests.
threads = int(os.environ.get("COP_THREADS", "200"))
# Several instances on one host would collide on ~/.gunicorn/gunicorn.ctl.
control_socket_disable = True
timeout = 60
graceful_timeout = 20
keepalive = 5
accesslog = os.environ.get("COP_ACCESS_LOG") or None
errorlog = "-"
proc_name = f"cop-{os.environ.get('PORT', '8000')}"
