"""Fixtures of the whole-system privacy suite (T20-T24): the four services in process, served on
loopback, with the demo mail and SMS sinks as the providers' records."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))

from privacy_stack import Stack, running_stack  # noqa: E402

from shared.testing.databases import DatabaseUrls  # noqa: E402
from shared.testing.services import DevKeys, ServiceStarter  # noqa: E402

StackStarter = Callable[..., AbstractAsyncContextManager[Stack]]


@pytest.fixture
def stack(
    start_service: ServiceStarter,
    dev_keys: DevKeys,
    database_urls: DatabaseUrls,
    tmp_path: Path,
) -> StackStarter:
    """`async with stack() as s:` inside the test, so the lifespans run in the test's own task."""

    def start(**extra: dict[str, Any]) -> AbstractAsyncContextManager[Stack]:
        return running_stack(start_service, dev_keys, database_urls, tmp_path, **extra)

    return start
