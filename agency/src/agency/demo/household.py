"""A household answers as a real one does: the link in the message it received, the page, the form."""

from __future__ import annotations

import email
import json
import re
from email.message import Message
from pathlib import Path
from urllib.parse import urlsplit

from agency.demo.api import DemoApi, DemoError

LINK = re.compile(r"https?://[^\s\"'<>]+/h/[A-Za-z0-9_\-=]+")
FORM_ACTION = re.compile(r'<form[^>]*action="(/h/[^"]+)"')
SENT = ("sent", "delivered")
MESSAGE_WITHIN_S = 15.0


class Inbox:
    """The demo sinks: SMS lines in var/sms.jsonl, email files in var/mail/, read by message id."""

    def __init__(self, var: Path) -> None:
        self.sms = var / "sms.jsonl"
        self.mail = var / "mail"
        self._mail_seen: set[Path] = set()
        self._mail: dict[str, str] = {}

    def text_of(self, message_id: str) -> str | None:
        if self.sms.exists():
            for line in self.sms.read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                if row.get("message_id") == message_id:
                    return str(row.get("text", ""))
        self._read_new_mail()
        return self._mail.get(message_id)

    def _read_new_mail(self) -> None:
        if not self.mail.is_dir():
            return
        for path in sorted(self.mail.glob("*.eml")):
            if path in self._mail_seen:
                continue
            self._mail_seen.add(path)
            parsed = email.message_from_bytes(path.read_bytes())
            header = str(parsed.get("Message-ID", "")).strip("<>")
            self._mail[header.split("@", 1)[0]] = _plain_text(parsed)


def _plain_text(parsed: Message) -> str:
    for part in parsed.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
    return ""


def offer_link(api: DemoApi, inbox: Inbox, *, offer: dict[str, str]) -> str | None:
    """The signed link in the household's `offer_made` message for this offer, once it arrived;
    None if no such message reaches the household in time (no contact or consent)."""

    def arrived() -> str | None:
        messages = api.get(
            "notifications",
            "/v1/messages",
            recipient_key=offer["household_id"],
            template="household.offer_made",
            limit=100,
        )["items"]
        for message in messages:
            if message["offer_id"] != offer["id"] or message["state"] not in SENT:
                continue
            found = LINK.search(inbox.text_of(str(message["id"])) or "")
            if found:
                return found.group(0)
        return None

    try:
        return api.wait_for(arrived, within_s=MESSAGE_WITHIN_S, what="", hint="")
    except DemoError:
        return None


def answer_by_link(api: DemoApi, link: str, *, answer: str, reason_code: str | None = None) -> None:
    """Open the offer page, then post its form: accept, or decline with a reason code."""
    path = urlsplit(link).path
    page = api.call("GET", "matching", path, headers={})
    action = FORM_ACTION.search(page.text)
    if action is None:
        raise DemoError("a household offer page has no answer form")
    form = {"answer": answer, **({"reason_code": reason_code} if reason_code else {})}
    api.call("POST", "matching", action.group(1).replace("&amp;", "&"), headers={}, data=form)
