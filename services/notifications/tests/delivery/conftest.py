"""Delivery tests: the folders their helper modules are imported from, and shared fixtures."""

from __future__ import annotations

import gc
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from aiosmtpd.controller import Controller

# --import-mode=importlib puts no test folder on sys.path; the helpers are imported by name.
_HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(_HERE), str(_HERE.parent), str(_HERE.parent / "rendering")]

# mypy resolves the module from the repository root; at run time it comes from sys.path.
if TYPE_CHECKING:
    from services.notifications.tests.delivery.notifications_delivery_helpers import (
        TlsFiles,
        free_port,
        make_tls_files,
    )
    from services.notifications.tests.delivery.notifications_smtp_helpers import (
        Sink,
        server_tls_context,
    )
else:
    from notifications_delivery_helpers import TlsFiles, free_port, make_tls_files
    from notifications_smtp_helpers import Sink, server_tls_context


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls_files(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def sink() -> Sink:
    return Sink()


@pytest.fixture
def plain_server(sink: Sink) -> Iterator[Controller]:
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def starttls_server(sink: Sink, tls_files: TlsFiles) -> Iterator[Controller]:
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=server_tls_context(tls_files),
        require_starttls=True,
        authenticator=sink.authenticate,
        auth_require_tls=True,
    )
    controller.start()
    yield controller
    controller.stop()
    # An aborted TLS handshake leaves its socket to the garbage collector (asyncio/aiosmtpd, not
    # our code); collect it here so the ResourceWarning cannot land in whichever test runs next.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
