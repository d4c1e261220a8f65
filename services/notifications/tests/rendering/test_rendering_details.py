"""Rendering details: language fallback, money and time formats, links, audiences, channels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from notifications.catalog import CATALOG, LANGUAGES, MessageKind, language_chain
from notifications.rendering import (
    AgencyContact,
    ChannelNotAvailable,
    LinkError,
    RenderConfig,
    render,
)

# conftest.py puts this folder on sys.path at run time; mypy resolves the module from the root.
if TYPE_CHECKING:
    from services.notifications.tests.rendering.notifications_samples import (
        DEADLINE,
        LINK,
        MAX_LINK,
        samples,
    )
else:
    from notifications_samples import DEADLINE, LINK, MAX_LINK, samples


@pytest.mark.parametrize(
    ("language", "expected"),
    [("ro", "it"), ("fr", "it"), ("ar", "it"), ("pa", "en"), ("hi", "en")],
)
def test_missing_translation_falls_back(language: Any, expected: str) -> None:
    msg = render(
        MessageKind.APPLICATION_RECEIVED,
        language=language,
        params={"programme": "agency"},
        channel="email",
    )
    assert (msg.requested_language, msg.language) == (language, expected)
    assert msg.html is not None
    assert f'<html lang="{expected}" dir="ltr">' in msg.html


def test_every_language_chain_ends_on_a_complete_language() -> None:
    for language in LANGUAGES:
        assert language_chain(language)[0] == language
        assert language_chain(language)[-1] in ("it", "en")
    assert LANGUAGES["ar"].direction == "rtl"


def test_money_and_time_follow_the_language_and_rome_time() -> None:
    params = {
        **samples(MessageKind.OFFER_MADE)[0],
        "rent_cents": 123450,
        "charges_cents": 7000,
        "respond_by": datetime(2027, 7, 1, 21, 59, tzinfo=UTC),  # summer time: 23:59 in Rome
    }
    it = render(MessageKind.OFFER_MADE, language="it", params=params, channel="email", link=LINK)
    en = render(MessageKind.OFFER_MADE, language="en", params=params, channel="email", link=LINK)
    assert "1.234,50 €" in it.text
    assert "70 €" in it.text
    assert "01/07/2027 alle ore 23:59" in it.text
    assert "€1,234.50" in en.text
    assert "€1,304.50" in en.text
    assert "01/07/2027 at 23:59" in en.text
    assert (
        "05/12/2026"
        in render(
            MessageKind.OFFER_REMINDER,
            language="it",
            params={"comune": "Cremona", "respond_by": DEADLINE},
            channel="sms",
            link=LINK,
        ).text
    )


def test_links_are_required_checked_and_only_where_expected() -> None:
    params = samples(MessageKind.OFFER_REMINDER)[0]
    kind = MessageKind.OFFER_REMINDER
    with pytest.raises(LinkError):
        render(kind, language="it", params=params, channel="sms")
    for bad in (
        "javascript:alert(1)",
        "http://casa.example.org/o/x",
        "https://a b",
        MAX_LINK + "x",
    ):
        with pytest.raises(LinkError):
            render(kind, language="it", params=params, channel="sms", link=bad)
    dev = RenderConfig(link_schemes=("http", "https"))
    msg = render(
        kind,
        language="it",
        params=params,
        channel="sms",
        link="http://127.0.0.1:8003/o/x",
        config=dev,
    )
    assert msg.text.endswith("http://127.0.0.1:8003/o/x")
    with pytest.raises(LinkError):
        render(
            MessageKind.OFFER_EXPIRED,
            language="it",
            params={"comune": "Cremona"},
            channel="sms",
            link=LINK,
        )


def test_landlord_offer_tells_household_size_only() -> None:
    params = samples(MessageKind.OFFER_ON_UNIT)[0]
    msg = render(MessageKind.OFFER_ON_UNIT, language="it", params=params, channel="email")
    assert "nucleo familiare di 1 persona" in msg.text
    assert set(CATALOG[MessageKind.OFFER_ON_UNIT].params.model_fields) == {
        "unit_ref",
        "comune",
        "programme",
        "household_size",
        "respond_by",
        "decide_by",
    }


def test_landlord_offer_gives_the_households_deadline_and_its_own() -> None:
    household_by = datetime(2026, 12, 14, 22, 59, tzinfo=UTC)
    params = {
        **samples(MessageKind.OFFER_ON_UNIT)[0],
        "respond_by": household_by,
        "decide_by": household_by + timedelta(days=5),
    }
    msg = render(MessageKind.OFFER_ON_UNIT, language="it", params=params, channel="email")
    assert "Il nucleo ha tempo fino al 14/12/2026" in msg.text
    assert "confermare entro il 19/12/2026" in msg.text


def test_agency_contact_comes_from_configuration() -> None:
    contact = AgencyContact(website="https://abitare.example.org/docs", phone="0372 1")
    msg = render(
        MessageKind.LANDLORD_WELCOME,
        language="en",
        params={},
        channel="email",
        config=RenderConfig(contact=contact),
    )
    assert msg.html is not None
    assert "https://abitare.example.org/docs" in msg.text
    assert "https://abitare.example.org/docs" in msg.html
    assert "on 0372 1." in msg.text


def test_channel_availability_is_enforced() -> None:
    with pytest.raises(ChannelNotAvailable):
        render(
            MessageKind.UNIT_RECEIVED,
            language="it",
            params=samples(MessageKind.UNIT_RECEIVED)[0],
            channel="sms",
        )
