"""SMS length accounting: GSM-7 (basic + extension table) or UCS-2, and concatenated segments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SmsEncoding = Literal["gsm7", "ucs2"]

# 3GPP TS 23.038 default alphabet. ESC (0x1B) is left out: it only introduces extension chars.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table: each costs two septets (ESC + the char).
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")


@dataclass(frozen=True)
class SmsEncodingLimits:
    """Units per segment: a lone SMS, and a part of a concatenated one (UDH takes the difference)."""

    gsm7_single: int = 160
    gsm7_part: int = 153
    ucs2_single: int = 70
    ucs2_part: int = 67


@dataclass(frozen=True)
class SmsSegmentation:
    encoding: SmsEncoding
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _pack(widths: list[int], *, single: int, part: int) -> int:
    total = sum(widths)
    if total <= single:
        return 1
    # An escape pair or a surrogate pair is never split across parts, so pack greedily.
    segments, used = 1, 0
    for width in widths:
        if used + width > part:
            segments += 1
            used = 0
        used += width
    return segments


def count_segments(text: str, *, limits: SmsEncodingLimits | None = None) -> SmsSegmentation:
    """How the text travels: GSM-7 when every char is in the default alphabet, UCS-2 otherwise."""
    lim = limits or SmsEncodingLimits()
    if is_gsm7(text):
        widths = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
        return SmsSegmentation(
            encoding="gsm7",
            units=sum(widths),
            segments=_pack(widths, single=lim.gsm7_single, part=lim.gsm7_part),
        )
    widths = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return SmsSegmentation(
        encoding="ucs2",
        units=sum(widths),
        segments=_pack(widths, single=lim.ucs2_single, part=lim.ucs2_part),
    )
