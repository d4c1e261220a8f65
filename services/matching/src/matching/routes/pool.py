"""The read models' pool, the policy versions and what-if simulations."""

from __future__ import annotations

from fastapi import APIRouter

from matching.deps import Caseworker, Solver, Supervisor
from matching.schemas import PolicyView, PoolView, SimulationRequest, SimulationView
from matching.service import pool as pool_service
from matching.service import simulations
from shared.runtime.deps import Runtime, UoW
from shared.runtime.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["matching"])


@router.get(
    "/pool",
    response_model=PoolView,
    summary="Households and units in matching's read models",
    responses=problem_responses(401, 403),
)
async def pool(uow: UoW, runtime: Runtime, _principal: Caseworker) -> PoolView:
    return await pool_service.pool(uow, policy=runtime.policy, now=runtime.db.clock())


@router.get(
    "/policies",
    response_model=list[PolicyView],
    summary="The policy versions",
    responses=problem_responses(401, 403),
)
async def policies(runtime: Runtime, _principal: Caseworker) -> list[PolicyView]:
    return [PolicyView(version=runtime.policy.version, sections=sorted(runtime.policy.raw))]


@router.post(
    "/simulations",
    response_model=SimulationView,
    summary="What-if: the current snapshot under policy overrides, compared; commits nothing",
    responses=problem_responses(401, 403, 413, 415, 422),
)
async def simulate(
    body: SimulationRequest, uow: UoW, runtime: Runtime, solver: Solver, _principal: Supervisor
) -> SimulationView:
    return await simulations.simulate(
        uow,
        policy=runtime.policy,
        programme=body.programme,
        comuni=body.comuni,
        overrides=body.policy,
        solver=solver.solve,
        now=runtime.db.clock(),
    )
