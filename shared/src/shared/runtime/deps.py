"""Request dependencies: the runtime, and a unit of work committed before the response is sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request

from shared.db import UnitOfWork
from shared.runtime.service import ServiceRuntime


def get_runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


async def get_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    runtime = get_runtime(request)
    async with runtime.db.uow() as uow:
        yield uow
        # Commit here, at the boundary; scope="function" makes this run before the response goes out,
        # so a failed commit becomes an error response rather than a lost write behind a 2xx.
        await uow.commit()


Runtime = Annotated[ServiceRuntime, Depends(get_runtime)]
UoW = Annotated[UnitOfWork, Depends(get_uow, scope="function")]
