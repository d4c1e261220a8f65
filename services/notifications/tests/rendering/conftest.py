"""Rendering tests import their parameter samples from this folder."""

from __future__ import annotations

import sys
from pathlib import Path

# --import-mode=importlib puts no test folder on sys.path; the samples module is imported by name.
sys.path.insert(0, str(Path(__file__).resolve().parent))
