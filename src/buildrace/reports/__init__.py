"""Reports of a race: one self-contained HTML page with figures, in English or Vietnamese.

Plotting needs the ``viz`` extra (matplotlib), imported only when a report is built:
importing this package costs nothing and changes no global state.
"""

from __future__ import annotations

from buildrace.reports.i18n import LANGUAGES
from buildrace.reports.page import build_report, render_report

__all__ = ["LANGUAGES", "build_report", "render_report"]
