"""Every event-bus test starts and ends with no fault armed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared import faults


@pytest.fixture(autouse=True)
def _disarm() -> Iterator[None]:
    faults.disarm()
    yield
    faults.disarm()
