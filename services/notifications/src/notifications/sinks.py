"""Demo sinks for the embedded stack: a local SMTP server that writes each email to a folder, and
(through `sms_delivery.FileSmsSink`) SMS as JSON lines, so a new user sees messages with no account.

In the service: `DEMO_SMTP_SINK_DIR=var/mail` starts the SMTP sink on `SMTP_HOST:SMTP_PORT` with
the service, and `SMS_FILE_PATH=var/sms.jsonl` (with no `SMS_PROVIDER_URL`) sends SMS to the file.
Standalone: `python -m notifications.sinks --port 2525 --mail-dir var/mail`."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

logger = logging.getLogger(__name__)


class MailFolder:
    """An aiosmtpd handler keeping each accepted message as `<n>.eml` (synthetic data only)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()

    def _next_path(self) -> Path:
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            taken = len(list(self.directory.glob("*.eml")))
            return self.directory / f"{taken + 1:06d}.eml"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        self._next_path().write_bytes(raw)
        return "250 Message accepted for delivery"


def start_smtp_sink(*, directory: Path, host: str = "127.0.0.1", port: int = 2525) -> Controller:
    """Start the sink in its own thread; call `.stop()` on the result to end it."""
    controller = Controller(MailFolder(directory), hostname=host, port=port)
    controller.start()
    logger.info("demo smtp sink started")
    return controller


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m notifications.sinks")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--mail-dir", type=Path, default=Path("var/mail"))
    args = parser.parse_args(argv)
    controller = start_smtp_sink(directory=args.mail_dir, host=args.host, port=args.port)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
