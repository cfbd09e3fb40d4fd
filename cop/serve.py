"""`python -m cop.serve`: the embedded server of `make run` (WebSocket support included)."""

from __future__ import annotations

import os

from cop import create_app
from cop.extensions import socketio


def main() -> None:
    app = create_app()
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    print(f"cop is serving on http://{host}:{port}", flush=True)
    socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, use_reloader=False)


if __name__ == "__main__":
    main()
