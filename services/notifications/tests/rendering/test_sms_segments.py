"""SMS encoding and segment counting at the GSM-7 and UCS-2 boundaries."""

from __future__ import annotations

import pytest

from notifications.sms_segments import SmsEncodingLimits, count_segments, is_gsm7


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "gsm7", 0, 1),
        ("a" * 160, "gsm7", 160, 1),
        ("a" * 161, "gsm7", 161, 2),
        ("a" * 306, "gsm7", 306, 2),
        ("a" * 307, "gsm7", 307, 3),
        ("€" * 80, "gsm7", 160, 1),  # extension chars take two septets
        ("€" * 81, "gsm7", 162, 2),
        ("àèéìòù ÄÖÑÜ Ç" * 10, "gsm7", 130, 1),
        ("ș" * 70, "ucs2", 70, 1),
        ("ș" * 71, "ucs2", 71, 2),
        ("ș" * 134, "ucs2", 134, 2),
        ("ș" * 135, "ucs2", 135, 3),
        ("مرحبا" * 14, "ucs2", 70, 1),
        ("ਸਤਿ ਸ੍ਰੀ ਅਕਾਲ", "ucs2", 13, 1),
        ("😀" * 35, "ucs2", 70, 1),  # outside the BMP: a surrogate pair each
    ],
)
def test_counts(text: str, encoding: str, units: int, segments: int) -> None:
    result = count_segments(text)
    assert (result.encoding, result.units, result.segments) == (encoding, units, segments)


def test_an_escape_pair_is_never_split_across_parts() -> None:
    # 306 septets would fit two parts of 153, but the euro sign cannot straddle them.
    text = "a" * 152 + "€" + "a" * 152
    assert count_segments(text).units == 306
    assert count_segments(text).segments == 3


def test_a_surrogate_pair_is_never_split_across_parts() -> None:
    text = "ș" * 66 + "😀" + "ș" * 66
    assert count_segments(text).units == 134
    assert count_segments(text).segments == 3


def test_one_non_gsm_char_switches_the_whole_text_to_ucs2() -> None:
    text = "a" * 100 + "ç"  # lower-case c cedilla is not in the default alphabet
    assert not is_gsm7(text)
    assert count_segments(text).segments == 2
    assert is_gsm7("Corte de' Cortesi con Cignone")


def test_limits_are_configuration() -> None:
    limits = SmsEncodingLimits(gsm7_single=10, gsm7_part=5)
    assert count_segments("a" * 11, limits=limits).segments == 3
