"""``buildrace serve [--host 127.0.0.1] [--port 8765]``: the dashboard and its HTTP API.

Parse, make the server (:func:`buildrace.web.server.make_server`), serve until Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers) -> None:
    """Add the ``serve`` sub-command."""
    p = subparsers.add_parser(
        "serve",
        help="serve the dashboard and its HTTP API (move policy levers, see the race)",
        description="Serve the interactive dashboard and its JSON API on the standard library's "
        "HTTP server. Open the printed address in a browser.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    p.add_argument("--quiet", action="store_true", help="do not log requests to stderr")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; return the exit code."""
    from buildrace.errors import InputError
    from buildrace.web.server import make_server

    if not 0 <= args.port <= 65535:
        raise InputError(f"--port {args.port} is out of range; give a port from 0 to 65535")
    try:
        server = make_server(args.host, args.port, log=not args.quiet)
    except OSError as exc:
        raise InputError(f"cannot listen on {args.host}:{args.port} ({exc.strerror}); try another --port") from None
    print(f"buildrace dashboard on {server.url}/ (Ctrl-C to stop)", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("buildrace: stopped", file=sys.stderr)
    finally:
        server.server_close()
    return 0
