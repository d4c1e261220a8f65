"""Opaque list cursors: the last id of a page, base64url-encoded, so clients never build them."""

from __future__ import annotations

import base64
import binascii
import uuid

from shared.errors import FieldError, Invalid


def encode_cursor(last_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(last_id.bytes).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> uuid.UUID | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return uuid.UUID(bytes=raw)
    except (ValueError, binascii.Error):
        raise Invalid(
            [
                FieldError(
                    "/query/cursor", "invalid_cursor", "Use the next_cursor of a previous page."
                )
            ]
        ) from None


def next_cursor(ids: list[uuid.UUID], *, limit: int) -> str | None:
    return encode_cursor(ids[-1]) if len(ids) == limit else None
