"""Chaos: 200 concurrent unit submissions from 20 landlords with duplicate keys (issue 9 burst)."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from shared.testing.chaos import ServiceProcess, sql_rows, sql_scalar, write_report
from shared.testing.databases import PostgresDatabases
from shared.testing.payloads import landlord_onboarding, unit_submission
from shared.testing.services import DevKeys

Stack = Callable[..., Awaitable[ServiceProcess]]
LANDLORDS = 20
SUBMISSIONS = 200
# A write budget small enough that the skewed share of some landlords goes past it.
WRITES_PER_MIN = 15
DUPLICATE_KEY_SHARE = 0.25  # posts repeated with the same Idempotency-Key and body
RESUBMIT_SHARE = 0.05  # the same unit again under a fresh key: caught by the natural key
IN_FLIGHT = 50


@dataclass(frozen=True)
class Post:
    landlord: int
    key: str
    unit: int


@dataclass
class Answer:
    post: Post
    status: int
    retry_after: str | None
    unit_id: str | None
    seconds: float


def plan(rng: random.Random) -> list[Post]:
    """Skewed shares: every landlord submits a few units, some far more than their budget."""
    weights = [rng.random() ** 3 for _ in range(LANDLORDS)]
    owners = list(range(LANDLORDS)) * 3
    owners += rng.choices(range(LANDLORDS), weights=weights, k=SUBMISSIONS - len(owners))
    posts = [Post(owner, f"burst-{i}-{uuid.uuid4().hex[:8]}", i) for i, owner in enumerate(owners)]
    duplicates = [p for p in posts if rng.random() < DUPLICATE_KEY_SHARE]
    resubmits = [
        Post(p.landlord, f"again-{p.unit}-{uuid.uuid4().hex[:8]}", p.unit)
        for p in posts
        if rng.random() < RESUBMIT_SHARE
    ]
    everything = posts + duplicates + resubmits
    rng.shuffle(everything)
    return everything


async def test_burst_of_unit_submissions_with_duplicate_keys(
    stack: Stack, chaos_databases: PostgresDatabases, dev_keys: DevKeys, chaos_seed: int
) -> None:
    rng = random.Random(chaos_seed)
    landlords = await stack("landlords", LANDLORD_WRITES_PER_MIN=str(WRITES_PER_MIN))
    staff = dev_keys.headers("caseworker")
    async with httpx.AsyncClient(base_url=landlords.url, timeout=30) as client:
        tokens: list[str] = []
        for n in range(LANDLORDS):
            onboarded = await client.post(
                "/v1/landlords",
                json=landlord_onboarding(n),
                headers={**staff, "Idempotency-Key": f"onboard-{n}"},
            )
            assert onboarded.status_code == 201, onboarded.text
            tokens.append(onboarded.json()["api_key"])
        posts = plan(rng)
        gate = asyncio.Semaphore(IN_FLIGHT)

        async def send(post: Post) -> Answer:
            async with gate:
                started = time.monotonic()
                response = await client.post(
                    "/v1/units",
                    json=unit_submission(post.unit),
                    headers={
                        "Authorization": f"Bearer {tokens[post.landlord]}",
                        "Idempotency-Key": post.key,
                    },
                )
                body = response.json() if response.status_code == 201 else {}
                return Answer(
                    post,
                    response.status_code,
                    response.headers.get("retry-after"),
                    body.get("id"),
                    time.monotonic() - started,
                )

        burst_started = time.monotonic()
        answers = await asyncio.gather(*(send(p) for p in posts))
        burst_s = time.monotonic() - burst_started

    url = chaos_databases.urls["landlords"]
    stored = await sql_scalar(url, "SELECT count(*) FROM unit")
    natural_keys = await sql_scalar(url, "SELECT count(DISTINCT natural_key) FROM unit")
    stored_ids = set(map(str, await sql_rows(url, "SELECT id FROM unit")))
    statuses = Counter(a.status for a in answers)
    posts_of: Counter[int] = Counter(a.post.landlord for a in answers)
    limited_of: Counter[int] = Counter(a.post.landlord for a in answers if a.status == 429)
    # Each unit (landlord, reference) must be stored once, under the id every 201 for it showed.
    ids_of_unit: dict[int, set[str]] = defaultdict(set)
    for a in answers:
        if a.unit_id is not None:
            ids_of_unit[a.post.unit].add(a.unit_id)
    units_created = {u for u, ids in ids_of_unit.items() if ids}
    posts_of_unit: Counter[int] = Counter(a.post.unit for a in answers)
    stray_409 = sum(1 for a in answers if a.status == 409 and posts_of_unit[a.post.unit] == 1)
    wrong_429 = sum(limited_of[n] != max(0, posts_of[n] - WRITES_PER_MIN) for n in range(LANDLORDS))
    figures = {
        "posts": len(answers),
        "landlords": LANDLORDS,
        "distinct_units": len({p.unit for p in posts}),
        "statuses": dict(sorted(statuses.items())),
        "stored_units": stored,
        "duplicate_units": (stored - natural_keys)
        + sum(len(ids) - 1 for ids in ids_of_unit.values()),
        "units_answered_201": len(units_created),
        "acknowledged_missing": len(set().union(*ids_of_unit.values()) - stored_ids),
        "5xx": sum(n for s, n in statuses.items() if s >= 500),
        "over_limit_landlords": sum(posts_of[n] > WRITES_PER_MIN for n in range(LANDLORDS)),
        "429": statuses.get(429, 0),
        "429_wrong_landlord_or_count": wrong_429,
        "409_without_a_twin": stray_409,
        "429_without_retry_after": sum(1 for a in answers if a.status == 429 and not a.retry_after),
        "unexpected_status": sum(n for s, n in statuses.items() if s not in (201, 409, 429)),
        "slowest_s": round(max(a.seconds for a in answers), 2),
        "burst_s": round(burst_s, 2),
        "writes_per_min": WRITES_PER_MIN,
    }
    passed = (
        figures["5xx"] == 0
        and figures["unexpected_status"] == 0
        and figures["duplicate_units"] == 0
        and stored == len(units_created)
        and figures["acknowledged_missing"] == 0
        and wrong_429 == 0
        and stray_409 == 0
        and figures["429_without_retry_after"] == 0
        and figures["over_limit_landlords"] > 0
        and burst_s < 60  # the whole burst inside one rate window, so the counts above are exact
    )
    write_report(
        "burst 200 unit submissions",
        seed=chaos_seed,
        figures=figures,
        passed=passed,
        headline=[
            "posts",
            "stored_units",
            "duplicate_units",
            "5xx",
            "429",
            "429_wrong_landlord_or_count",
        ],
    )
    assert passed, figures
