"""Entry point of the ``buildrace`` command.

Each sub-command lives in its own module of this package and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a callable
``func(args) -> int``. Errors meant for the user (:class:`buildrace.errors.BuildraceError`)
become one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from buildrace.errors import BuildraceError

# Sub-command modules, in the order `buildrace --help` lists them.
COMMAND_MODULES = (
    "buildrace.cli.run",
    "buildrace.cli.identifiers",
    "buildrace.cli.site",
    "buildrace.cli.compare",
    "buildrace.cli.explain",
    "buildrace.cli.calibrate",
    "buildrace.cli.backtest",
    "buildrace.cli.sensitivity",
    "buildrace.cli.serve",
    "buildrace.cli.ensemble",
    "buildrace.cli.query",
    "buildrace.cli.discover",
    "buildrace.cli.robust",
)


class _Parser(argparse.ArgumentParser):
    """argparse exits with 2 on bad arguments already; keep its one-line style."""

    def error(self, message: str) -> NoReturn:  # pragma: no cover - argparse contract
        self.print_usage(sys.stderr)
        self.exit(2, f"buildrace: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every available sub-command."""
    parser = _Parser(
        prog="buildrace",
        description="Simulate and plan industrial policy in strategic supply chains.",
    )
    from buildrace import __version__

    parser.add_argument("--version", action="version", version=f"buildrace {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # command not shipped in this build
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        # `buildrace` alone runs the main job, as the README promises.
        args = parser.parse_args(["run", *(argv or [])])
    try:
        return int(args.func(args) or 0)
    except BuildraceError as exc:
        print(f"buildrace: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover - interactive
        print("buildrace: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
