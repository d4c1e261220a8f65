"""Structured JSON logs with an allow-list of keys: ids and route templates, never PII."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

ALLOWED_KEYS = frozenset(
    {
        "request_id",
        "method",
        "route",
        "status",
        "duration_ms",
        "principal_kind",
        "principal_id",
        "event_id",
        "subject",
        "stream_seq",
        "error_type",
        "error_code",
        "durable",
        "peer",  # another service's name
        "backlog",
        "port",
        "url",
        "job",
        "count",
        "attempt",
        "delay_s",
        "state",
    }
)

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line; extra keys outside the allow-list are dropped, never printed."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            # The message is a constant template: arguments are not interpolated, so no value leaks;
            # a library that logs a formatted traceback as its message keeps only the first line.
            "msg": str(record.msg).split("\n", 1)[0],
        }
        rid = request_id_var.get()
        if rid:
            out["request_id"] = rid
        for key, value in record.__dict__.items():
            if key in ALLOWED_KEYS:
                out[key] = (
                    value if isinstance(value, int | float | bool) or value is None else str(value)
                )
        if record.exc_info and record.exc_info[0] is not None:
            out["error_type"] = record.exc_info[0].__name__
            out["trace"] = _frames(record.exc_info[2])
        return json.dumps(out, separators=(",", ":"))


TRACE_FRAMES = 12


def _frames(tb: TracebackType | None) -> list[str]:
    """Where an exception came from, innermost last: `module/file.py:line in function` only.

    The exception's message and the source lines are left out: either may quote data.
    """
    frames = traceback.extract_tb(tb)[-TRACE_FRAMES:]
    return [f"{_short(f.filename)}:{f.lineno} in {f.name}" for f in frames]


def _short(filename: str) -> str:
    for marker in ("site-packages/", "/src/", "/lib/python"):
        if marker in filename:
            return filename.rsplit(marker, 1)[1]
    return Path(filename).name


def configure_logging(*, service: str, level: str = "INFO", log_file: Path | None = None) -> None:
    handler: logging.Handler = (
        logging.FileHandler(log_file, encoding="utf-8")
        if log_file
        else logging.StreamHandler(sys.stderr)
    )
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "nats", "aiosqlite", "sqlalchemy", "alembic", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("uvicorn.access").disabled = True
