"""Public helpers for tests of buildrace and of code built on it."""

from buildrace.testing.toy import toy_world

__all__ = ["toy_world"]
