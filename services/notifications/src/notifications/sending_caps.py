"""Sending caps (RELIABILITY.md R8, 3.5): per household SMS a day, per channel a day. Over a cap a
message waits for the next day; nothing is dropped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from notifications import repository
from notifications.models import Message


@dataclass(frozen=True, kw_only=True)
class CapPolicy:
    sms_per_household_per_day: int = 3
    sms_per_day: int = 1_000
    email_per_day: int = 10_000
    timezone: str = "Europe/Rome"


def day_bounds(now: datetime, *, timezone: str) -> tuple[datetime, datetime]:
    """The start of the agency's local day containing `now` and the start of the next, in UTC."""
    tz = ZoneInfo(timezone)
    local = now.astimezone(tz).date()
    start = datetime.combine(local, time(), tzinfo=tz)
    reset = datetime.combine(local + timedelta(days=1), time(), tzinfo=tz)
    return start.astimezone(UTC), reset.astimezone(UTC)


async def check_caps(
    session: AsyncSession, *, row: Message, policy: CapPolicy, now: datetime
) -> datetime | None:
    """None if `row` may go now; otherwise when the caps reset. Messages being sent count, so two
    senders cannot both take the last place, nor outrun one a dead sender may have sent."""
    start, reset = day_bounds(now, timezone=policy.timezone)
    per_channel = policy.sms_per_day if row.channel == "sms" else policy.email_per_day
    sent = await repository.count_sent(session, channel=row.channel, since=start, besides=row.id)
    if sent >= per_channel:
        return reset
    if row.channel == "sms" and row.recipient_kind == "household":
        mine = await repository.count_sent(
            session,
            channel="sms",
            since=start,
            recipient_key=row.recipient_key,
            besides=row.id,
        )
        if mine >= policy.sms_per_household_per_day:
            return reset
    return None
