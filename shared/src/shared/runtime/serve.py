"""run(create_app, settings): uvicorn without access log or server header, JSON logs."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import uvicorn
from fastapi import FastAPI

from shared.logs import configure_logging
from shared.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


def run(create_app: Callable[[S], FastAPI], settings: S) -> None:
    configure_logging(
        service=settings.service_name, level=settings.log_level, log_file=settings.log_file
    )
    app = create_app(settings)
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        access_log=False,
        server_header=False,
        log_config=None,
        timeout_graceful_shutdown=5,
    )
