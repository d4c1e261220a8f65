"""Household links (RELIABILITY.md 3.1): minted per offer for notifications, opened by the household page."""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from matching import snapshot as snap
from matching.errors import OfferNotFound
from matching.models import OPEN_STATES, LinkToken, Offer
from matching.repository import links as link_repo
from matching.repository import offers as offer_repo
from matching.repository import rounds as round_repo
from matching.schemas import LinkView, OfferResponse
from matching.service import offers
from matching.times import aware
from shared.auth import LinkPurpose, mint_link, verify_link
from shared.db import UnitOfWork
from shared.errors import Unauthenticated
from shared.policy import Policy


@dataclass(frozen=True)
class LinkKeys:
    keys: dict[int, bytes]

    @property
    def current(self) -> int:
        return max(self.keys)

    def token(self, row: LinkToken) -> str:
        return mint_link(
            keys=self.keys,
            kid=row.kid,
            jti=bytes.fromhex(row.jti),
            purpose=row.purpose,  # type: ignore[arg-type]
        )


async def issue_link(
    uow: UnitOfWork, *, offer_id: uuid.UUID, keys: LinkKeys, base_url: str, now: datetime
) -> LinkView:
    """The offer's view link (the same one while it lives); the offer counts as sent from here."""
    offer = await offer_repo.get_offer(uow.session, offer_id=offer_id)
    if offer is None or offer.status not in OPEN_STATES or aware(offer.respond_by) <= now:
        raise OfferNotFound()
    view = await link_repo.live_view_token(uow.session, offer_id=offer_id, now=now)
    if view is None or view.kid not in keys.keys:
        respond = _row(offer, purpose="offer.respond", kid=keys.current, now=now)
        view = _row(offer, purpose="offer.view", kid=keys.current, now=now, pair=respond.jti)
        await link_repo.add_tokens(uow.session, tokens=[respond, view])
    await offer_repo.transition(
        uow.session,
        offer_id=offer_id,
        expected=("approved",),
        now=now,
        deadline="respond_by",
        values={"status": "sent"},
    )
    return LinkView(
        offer_id=offer_id,
        url=f"{base_url.rstrip('/')}/h/{keys.token(view)}",
        expires_at=aware(view.expires_at),
    )


def _row(
    offer: Offer, *, purpose: str, kid: int, now: datetime, pair: str | None = None
) -> LinkToken:
    # A link lives until the offer's response deadline; the policy sets no grace beyond it.
    return LinkToken(
        jti=secrets.token_bytes(16).hex(),
        kid=kid,
        purpose=purpose,
        offer_id=offer.id,
        household_id=offer.household_id,
        pair_jti=pair,
        expires_at=offer.respond_by,
        created_at=now,
    )


async def _claims(
    uow: UnitOfWork, *, token: str, purpose: LinkPurpose, keys: LinkKeys, now: datetime
) -> LinkToken:
    """MAC first (no database read for a forged link), then the claims row; every failure is one 401."""
    jti = verify_link(token, keys=keys.keys, purpose=purpose)
    if jti is None:
        raise Unauthenticated()
    row = await link_repo.get_token(uow.session, jti=jti.hex())
    if row is None or row.purpose != purpose or aware(row.expires_at) <= now:
        raise Unauthenticated()
    return row


@dataclass(frozen=True)
class PageData:
    offer: dict[str, Any]
    unit: dict[str, Any]
    respond_token: str | None


async def open_page(uow: UnitOfWork, *, token: str, keys: LinkKeys, now: datetime) -> PageData:
    row = await _claims(uow, token=token, purpose="offer.view", keys=keys, now=now)
    offer = await offer_repo.get_offer(uow.session, offer_id=row.offer_id)
    if offer is None:
        raise Unauthenticated()
    round_ = await round_repo.get_round(uow.session, round_id=offer.round_id)
    units = snap.decode(round_.snapshot)["units"] if round_ is not None else []
    unit: dict[str, Any] = next((u for u in units if u["id"] == str(offer.unit_id)), {})
    respond = await link_repo.get_token(uow.session, jti=row.pair_jti or "")
    can_answer = (
        respond is not None
        and respond.used_at is None
        and offer.status in offers.BEFORE_HOUSEHOLD_ANSWER
        and aware(offer.respond_by) > now
    )
    return PageData(
        offer=json.loads(offers.offer_view(offer).model_dump_json()),
        unit=unit,
        respond_token=keys.token(respond) if can_answer and respond is not None else None,
    )


async def respond_by_link(
    uow: UnitOfWork,
    *,
    token: str,
    response: OfferResponse,
    keys: LinkKeys,
    policy: Policy,
    now: datetime,
) -> None:
    """An answer link works once: `used_at` is set in the same transaction as the answer."""
    row = await _claims(uow, token=token, purpose="offer.respond", keys=keys, now=now)
    if not await link_repo.use_token(uow.session, jti=row.jti, now=now):
        raise Unauthenticated()
    await offers.respond(
        uow,
        offer_id=row.offer_id,
        response=response,
        by="household",
        actor=f"household:{row.household_id}",
        policy=policy,
        now=now,
    )
