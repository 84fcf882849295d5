"""``buildrace serve [--host 127.0.0.1] [--port 8765] [--workers 2]``: the dashboard and its API.

Parse, build the FastAPI application (:func:`buildrace.web.app.create_app`) and serve it
with uvicorn until Ctrl-C. The API is described at ``/openapi.json`` and ``/docs``.
"""

from __future__ import annotations

import argparse
import socket
import sys


def register(subparsers) -> None:
    """Add the ``serve`` sub-command."""
    p = subparsers.add_parser(
        "serve",
        help="serve the dashboard and its HTTP API (move policy levers, see the race)",
        description="Serve the interactive dashboard and its JSON API (FastAPI on uvicorn; "
        "the API is described at /openapi.json and /docs). Open the printed address in a browser.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    p.add_argument("--workers", type=int, default=2,
                   help="simulations run at once (default 2); further requests queue")
    p.add_argument("--quiet", action="store_true", help="do not log requests to stderr")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; return the exit code."""
    from buildrace.errors import InputError

    if not 0 <= args.port <= 65535:
        raise InputError(f"--port {args.port} is out of range; give a port from 0 to 65535")
    if not 1 <= args.workers <= 64:
        raise InputError(f"--workers {args.workers} is out of range; give 1 to 64")
    try:
        import uvicorn

        from buildrace.web.app import create_app
    except ImportError:
        raise InputError("the web server needs the 'web' extra; run: pip install 'buildrace[web]'") from None
    # Bind here so a busy port is one clear line, and port 0 can print the port it got.
    sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as exc:
        sock.close()
        raise InputError(f"cannot listen on {args.host}:{args.port} ({exc.strerror}); try another --port") from None
    port = sock.getsockname()[1]
    print(f"buildrace dashboard on http://{args.host}:{port}/ (API docs at /docs; Ctrl-C to stop)",
          file=sys.stderr, flush=True)
    config = uvicorn.Config(create_app(runs=args.workers), log_level="warning" if args.quiet else "info")
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    print("buildrace: stopped", file=sys.stderr)
    return 0
