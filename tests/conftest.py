"""Test-suite settings shared by every test.

Property tests run with derandomised examples and no example database when ``CI`` is
set, so a CI run explores the same cases every time and its result is reproducible;
locally, hypothesis keeps exploring new cases.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
