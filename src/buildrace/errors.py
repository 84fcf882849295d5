"""Exceptions that carry a message meant for the user.

The CLI and the web layer turn :class:`InputError` into exit code 2 (or HTTP 422)
with the message alone: no traceback. The message names the file, line or field
and says how to fix it.
"""

from __future__ import annotations


class BuildraceError(Exception):
    """Base class of every error buildrace raises on purpose."""


class InputError(BuildraceError, ValueError):
    """Bad user input: a scenario file, an identifier, a CLI argument.

    Parameters
    ----------
    message
        What is wrong, where (file:line, key), and how to fix it.
    """


class InfeasibleError(BuildraceError):
    """A request that is well formed but cannot be satisfied (an optimisation
    with no feasible solution, a budget below the cheapest option)."""


__all__ = ["BuildraceError", "InfeasibleError", "InputError"]
