"""The household's page behind a signed link: view the offer, accept, or decline with a reason."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from pydantic import ValidationError

from matching import page
from matching.deps import HouseholdLink, Keys
from matching.schemas import OfferResponse
from matching.service import links
from shared.errors import DomainError, OfferNotOpen
from shared.runtime.deps import Runtime, UoW
from shared.runtime.problems import problem_responses, render_domain_error

PRIVATE_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
Token = str


class PrivateRoute(APIRoute):
    """Every answer of a link page, errors included, is neither cached nor referred."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def private(request: Request) -> Response:
            try:
                response = await handler(request)
            except DomainError as exc:
                response = render_domain_error(request, exc)
            response.headers.update(PRIVATE_HEADERS)
            return response

        return private


router = APIRouter(prefix="/h", tags=["household page"], route_class=PrivateRoute)

_HTML = {"text/html": {"schema": {"type": "string"}}}
# An invalid or late answer gets a page the household can read, not a problem document (T16).
_ANSWER_RESPONSES: dict[int | str, dict[str, Any]] = {
    **problem_responses(401, 413, 415, 422, 429),
    409: {"description": "The offer is no longer open", "content": _HTML},
}
_ANSWER_RESPONSES[422]["content"] = {**_ANSWER_RESPONSES[422]["content"], **_HTML}


@router.get(
    "/{token}",
    response_class=HTMLResponse,
    summary="The household's offer page (signed link)",
    responses=problem_responses(401, 429),
)
async def view_offer(
    token: Token, request: Request, uow: UoW, runtime: Runtime, keys: Keys, _link: HouseholdLink
) -> HTMLResponse:
    data = await links.open_page(uow, token=token[:64], keys=keys, now=runtime.db.clock())
    zone = str(runtime.policy.value("meta.timezone"))
    return HTMLResponse(page.offer_page(data, lang=page.language(request), timezone=zone))


@router.post(
    "/{token}/response",
    response_class=HTMLResponse,
    summary="The household's answer through its single-use link (a form post)",
    responses=_ANSWER_RESPONSES,
)
async def answer_offer(
    token: Token, request: Request, uow: UoW, runtime: Runtime, keys: Keys, _link: HouseholdLink
) -> HTMLResponse:
    lang = page.language(request)
    form = await request.form()
    try:
        response = OfferResponse(
            answer=str(form.get("answer", "")),  # type: ignore[arg-type]
            reason_code=(str(form["reason_code"]) or None) if form.get("reason_code") else None,  # type: ignore[arg-type]
        )
    except ValidationError:
        return HTMLResponse(page.result_page("invalid", lang=lang), status_code=422)
    try:
        await links.respond_by_link(
            uow,
            token=token[:64],
            response=response,
            keys=keys,
            policy=runtime.policy,
            now=runtime.db.clock(),
        )
    except OfferNotOpen:
        return HTMLResponse(page.result_page("closed", lang=lang), status_code=409)
    return HTMLResponse(page.result_page(response.answer, lang=lang))
