"""Command-line interface: parse, call one :mod:`buildrace.api` function, render."""
