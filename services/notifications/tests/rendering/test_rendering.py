"""Every kind renders in Italian and English on each of its channels, safely and within caps."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, get_args

import pytest

from notifications.catalog import CATALOG, LANGUAGES, MessageKind, NotificationLimits
from notifications.reasons import (
    EligibilityReason,
    NotMatchedReason,
    StatusReason,
    UnitRejectedReason,
    WithdrawnReason,
)
from notifications.rendering import (
    AgencyContact,
    ParamsError,
    RenderConfig,
    SmsTooLong,
    render,
    validate_params,
)

# conftest.py puts this folder on sys.path at run time; mypy resolves the module from the root.
if TYPE_CHECKING:
    from services.notifications.tests.rendering.notifications_samples import (
        LINK,
        LONGEST_COMUNE,
        MAX_COMUNE,
        MAX_LINK,
        samples,
    )
else:
    from notifications_samples import LINK, LONGEST_COMUNE, MAX_COMUNE, MAX_LINK, samples

CONFIG = RenderConfig(
    contact=AgencyContact(phone="+39 0372 407 111", email="agenzia.casa@comune.cremona.it")
)
CASES = [
    (kind, language, channel)
    for kind, spec in CATALOG.items()
    for language in ("it", "en")
    for channel in sorted(spec.channels)
]


def _link(kind: MessageKind, link: str = LINK) -> str | None:
    return link if CATALOG[kind].needs_link else None


@pytest.mark.parametrize(("kind", "language", "channel"), CASES)
def test_every_kind_renders_every_variant(kind: MessageKind, language: Any, channel: Any) -> None:
    for params in samples(kind):
        msg = render(
            kind, language=language, params=params, channel=channel, link=_link(kind), config=CONFIG
        )
        assert msg.language == language
        bodies = [msg.text] + [b for b in (msg.subject, msg.html) if b is not None]
        for body in bodies:
            assert "{{" not in body
            assert "{%" not in body
            assert "None" not in body
            assert "Undefined" not in body
        if channel == "email":
            assert msg.subject
            assert "\n" not in msg.subject
            assert msg.html is not None
            assert msg.html.startswith("<!DOCTYPE html>")
            assert f'<html lang="{language}" dir="ltr">' in msg.html
            assert msg.sms is None
        else:
            assert msg.subject is None
            assert msg.html is None
            assert msg.sms is not None
            assert "\n" not in msg.text
        if "comune" in params:
            assert params["comune"] in msg.text


SMS_KINDS = [kind for kind, spec in CATALOG.items() if "sms" in spec.channels]


@pytest.mark.parametrize("kind", SMS_KINDS)
@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("comune", [LONGEST_COMUNE, MAX_COMUNE])
def test_sms_fits_the_segment_cap_with_the_longest_values(
    kind: MessageKind, language: Any, comune: str
) -> None:
    """Every language, so a new translation is held to the cap as soon as it lands."""
    for params in samples(kind, comune=comune):
        msg = render(
            kind,
            language=language,
            params=params,
            channel="sms",
            link=_link(kind, MAX_LINK),
            config=CONFIG,
        )
        assert msg.sms is not None
        assert msg.sms.segments <= NotificationLimits().sms_max_segments
        if msg.language in ("it", "en"):
            assert msg.sms.encoding == "gsm7"


def test_sms_over_the_cap_raises() -> None:
    config = RenderConfig(limits=NotificationLimits(sms_max_segments=1))
    with pytest.raises(SmsTooLong) as info:
        render(
            MessageKind.OFFER_MADE,
            language="it",
            params=samples(MessageKind.OFFER_MADE)[0],
            channel="sms",
            link=LINK,
            config=config,
        )
    assert info.value.sms.segments == 2


def test_html_escapes_parameters_and_text_keeps_them() -> None:
    comune = '<b>Sesto & "Uniti"</b>'
    msg = render(
        MessageKind.OFFER_EXPIRED, language="it", params={"comune": comune}, channel="email"
    )
    assert msg.html is not None
    assert "<b>Sesto" not in msg.html
    assert "&lt;b&gt;Sesto &amp; &#34;Uniti&#34;&lt;/b&gt;" in msg.html
    assert comune in msg.text
    assert msg.subject is not None
    assert comune in msg.subject


def test_control_characters_are_refused() -> None:
    with pytest.raises(ParamsError) as info:
        render(
            MessageKind.OFFER_EXPIRED,
            language="it",
            params={"comune": "Cremona\r\nBcc: x@example.org"},
            channel="email",
        )
    assert info.value.invalid == ("comune",)


WITH_PARAMS = [
    k for k in MessageKind if any(f.is_required() for f in CATALOG[k].params.model_fields.values())
]


@pytest.mark.parametrize("kind", WITH_PARAMS)
def test_missing_params_raise_naming_the_fields(kind: MessageKind) -> None:
    required = [n for n, f in CATALOG[kind].params.model_fields.items() if f.is_required()]
    with pytest.raises(ParamsError) as info:
        render(kind, language="it", params={}, channel="email", link=_link(kind))
    assert set(info.value.missing) == set(required)


@pytest.mark.parametrize("kind", list(MessageKind))
@pytest.mark.parametrize("name", ["isee", "isee_eur", "income_cents", "disability", "name"])
def test_personal_figures_are_not_accepted(kind: MessageKind, name: str) -> None:
    params = {**samples(kind)[0], name: 12345}
    with pytest.raises(ParamsError) as info:
        render(kind, language="it", params=params, channel="email", link=_link(kind))
    assert info.value.unknown == (name,)
    assert "12345" not in str(info.value)


@pytest.mark.parametrize(
    "kind",
    [MessageKind.ELIGIBILITY_OUTCOME, MessageKind.ROUND_NOT_MATCHED, MessageKind.STATUS_CHANGED],
)
@pytest.mark.parametrize("language", ["it", "en"])
def test_outcome_messages_carry_no_figures(kind: MessageKind, language: Any) -> None:
    """Without a phone number in the config, nothing numeric remains but the dates we passed."""
    for params in samples(kind):
        for channel in ("email", "sms"):
            msg = render(kind, language=language, params=params, channel=channel)
            bodies = [msg.text, msg.subject or "", msg.html or ""]
            for body in bodies:
                no_dates = re.sub(r"\d{2}/\d{2}/\d{4}", "", body)
                no_markup = re.sub(r"<[^>]*>|&#?\w+;", "", no_dates)
                assert not re.search(r"\d", no_markup), body


def test_ineligible_needs_reasons_and_eligible_takes_none() -> None:
    with pytest.raises(ParamsError) as info:
        validate_params(
            MessageKind.ELIGIBILITY_OUTCOME, params={"programme": "sap", "outcome": "ineligible"}
        )
    assert info.value.invalid == ("__root__",)
    with pytest.raises(ParamsError):
        validate_params(
            MessageKind.ELIGIBILITY_OUTCOME,
            params={"programme": "sap", "outcome": "eligible", "reasons": ["OTHER"]},
        )


def test_every_reason_code_is_exercised_by_the_samples() -> None:
    seen: set[str] = set()
    for kind in MessageKind:
        for params in samples(kind):
            seen.update(params.get("reasons", []))
            if "reason" in params:
                seen.add(params["reason"])
    for literal in (
        EligibilityReason,
        NotMatchedReason,
        WithdrawnReason,
        StatusReason,
        UnitRejectedReason,
    ):
        assert set(get_args(literal)) <= seen


def test_stored_params_render_the_same_message() -> None:
    kind = MessageKind.OFFER_MADE
    params = samples(kind)[0]
    stored = validate_params(kind, params=params).model_dump(mode="json")
    first = render(kind, language="en", params=params, channel="email", link=LINK)
    again = render(kind, language="en", params=stored, channel="email", link=LINK)
    assert first == again
