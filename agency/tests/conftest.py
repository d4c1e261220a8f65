"""Collection fix for the launcher's own tests.

pytest's importlib mode names these files `agency.tests.*` from the repository root and, if the
real `agency` package is not imported yet, registers the directory `agency/` as a namespace
package under that name, hiding the installed package (agency/src/agency). Put the real one
back before any test module imports from it.
"""

from __future__ import annotations

import importlib
import sys

_current = sys.modules.get("agency")
if _current is not None and getattr(_current, "__file__", None) is None:
    _stand_in = sys.modules.pop("agency")
    _real = importlib.import_module("agency")
    for _name in ("tests",):
        if hasattr(_stand_in, _name):
            setattr(_real, _name, getattr(_stand_in, _name))
