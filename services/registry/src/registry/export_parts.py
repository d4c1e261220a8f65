"""Gathering the other services' parts of a household's export over their internal endpoints."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from registry.service.privacy import PartsFetcher

logger = logging.getLogger(__name__)

EXPORT_PATH = "/internal/v1/households/{household_id}/export"
TIMEOUT_S = 5.0
RETRIES = 3


async def _fetch(client: httpx.AsyncClient, *, url: str, token: str) -> dict[str, Any] | None:
    delay = 0.2
    for attempt in range(RETRIES + 1):
        try:
            response = await client.get(url, headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError:
            response = None
        if response is not None and response.status_code == 200:
            part: dict[str, Any] = response.json()
            return part
        if response is not None and response.status_code < 500:
            return None  # 404 and friends: no retry helps
        if attempt < RETRIES:
            await asyncio.sleep(delay)
            delay = min(2.0, delay * 2)
    return None


def fetcher(
    *, services: list[str], urls: dict[str, str], token_for: Callable[[str], str]
) -> PartsFetcher:
    """A PartsFetcher calling each service with a client-credentials token for that service."""

    async def fetch(household_id: uuid.UUID) -> tuple[dict[str, Any], list[str]]:
        parts: dict[str, Any] = {}
        missing: list[str] = []
        reachable = [s for s in services if s in urls]
        missing += [s for s in services if s not in urls]
        async with httpx.AsyncClient(timeout=TIMEOUT_S) as client:
            answers = await asyncio.gather(
                *(
                    _fetch(
                        client,
                        url=urls[s].rstrip("/") + EXPORT_PATH.format(household_id=household_id),
                        token=token_for(s),
                    )
                    for s in reachable
                )
            )
        for service, answer in zip(reachable, answers, strict=True):
            if answer is None:
                logger.warning("export part missing", extra={"error_code": service})
                missing.append(service)
            else:
                parts[service] = answer
        return parts, sorted(missing)

    return fetch
