"""Calls between services: client-credentials tokens, a 5 s timeout, bounded retries with backoff (R11)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import httpx

from shared.messaging.backoff import full_jitter

logger = logging.getLogger(__name__)


class ServiceUnreachable(Exception):
    """The other service did not answer after the retries; the caller retries later."""


class ServiceClient:
    """GETs (and keyed POSTs) to another service's internal endpoints, retried only when safe."""

    def __init__(
        self,
        *,
        urls: dict[str, str],
        token_for: Callable[[str], str],
        timeout_s: float = 5.0,
        retries: int = 3,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.urls = urls
        self.token_for = token_for
        self.retries = retries
        self.retry_count = 0
        self._client = httpx.AsyncClient(timeout=timeout_s, transport=transport)

    async def get_json(self, service: str, path: str) -> dict[str, Any] | None:
        """The JSON body, None on 404, ServiceUnreachable after retries on errors and 5xx."""
        base = self.urls.get(service)
        if base is None:
            raise ServiceUnreachable(f"no URL configured for {service}")
        for attempt in range(self.retries + 1):
            try:
                response = await self._client.get(
                    base.rstrip("/") + path,
                    headers={"Authorization": f"Bearer {self.token_for(service)}"},
                )
                if response.status_code == 404:
                    return None
                if response.status_code < 500:
                    response.raise_for_status()
                    body: dict[str, Any] = response.json()
                    return body
            except httpx.HTTPStatusError:
                raise
            except httpx.HTTPError as exc:
                logger.warning(
                    "service call failed",
                    extra={"error_type": type(exc).__name__, "attempt": attempt},
                )
            if attempt < self.retries:
                self.retry_count += 1
                await asyncio.sleep(full_jitter(attempt, base=0.2, cap=2.0))
        raise ServiceUnreachable(service)

    async def aclose(self) -> None:
        await self._client.aclose()
