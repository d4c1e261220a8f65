"""The demo's HTTP client: staff tokens from the embedded stack's dev key, bounded waits."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import httpx

from agency.stack import ISSUER, StackPaths
from shared.auth import Signer

T = TypeVar("T")


class DemoError(Exception):
    """A one-line reason the demo cannot go on (what did not arrive, where to look)."""


class DemoApi:
    """Calls the four services as a caseworker, a supervisor, a landlord or a household would."""

    def __init__(
        self,
        *,
        paths: StackPaths,
        urls: dict[str, str],
        check: Callable[[], None] = lambda: None,
    ) -> None:
        self.paths = paths
        self.urls = urls
        self.check = check  # raises when a process of the stack has stopped
        self._signer = Signer.from_file(paths.private_key, issuer=ISSUER)
        self.client = httpx.Client(timeout=30)

    def close(self) -> None:
        self.client.close()

    def staff(self, role: str = "caseworker", *, keyed: bool = False) -> dict[str, str]:
        token = self._signer.mint(
            sub=f"demo-{role}", audience="agency-api", roles=[role], ttl_s=900
        )
        headers = {"Authorization": f"Bearer {token}"}
        return {**headers, "Idempotency-Key": uuid.uuid4().hex} if keyed else headers

    def call(
        self,
        method: str,
        service: str,
        path: str,
        *,
        headers: dict[str, str],
        expect: tuple[int, ...] = (200,),
        **kwargs: Any,
    ) -> httpx.Response:
        url = f"{self.urls[service]}{path}"
        try:
            response = self.client.request(method, url, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise DemoError(
                f"{service} did not answer {method} {path} ({type(exc).__name__})"
            ) from exc
        if response.status_code not in expect:
            title = _title(response)
            raise DemoError(
                f"{service} answered {method} {path} with {response.status_code}: {title}"
            )
        return response

    def get(self, service: str, path: str, **params: Any) -> Any:
        return self.call("GET", service, path, headers=self.staff(), params=params).json()

    def pages(self, service: str, path: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a cursor-paginated list."""
        cursor: str | None = None
        while True:
            query = {**params, "limit": 100, **({"cursor": cursor} if cursor else {})}
            page = self.get(service, path, **query)
            yield from page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def wait_for(
        self, probe: Callable[[], T | None], *, within_s: float, what: str, hint: str
    ) -> T:
        """Poll `probe` until it returns something; a clear DemoError after `within_s`."""
        deadline = time.monotonic() + within_s
        while True:
            self.check()
            got = probe()
            if got is not None:
                return got
            if time.monotonic() > deadline:
                raise DemoError(f"{what} did not happen within {within_s:.0f} s; {hint}")
            time.sleep(0.3)


def _title(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:120]
    return (
        str(body.get("title") or body.get("detail") or body)[:160]
        if isinstance(body, dict)
        else str(body)[:160]
    )
