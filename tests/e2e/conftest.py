"""Two real-process stacks, one per start-up order, launched once for the module and driven through
the whole journey side by side; the tests read what each journey recorded. On a failure the tail
of every log of that stack is attached to the report, and every process is always stopped."""

from __future__ import annotations

import asyncio
import sys
import traceback
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

# --import-mode=importlib puts no test folder on sys.path; the helpers are imported by name.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from shared.testing.databases import PostgresDatabases, postgres_base_url

# mypy resolves the helpers from the repository root; at run time they come from sys.path.
if TYPE_CHECKING:
    from tests.e2e.e2e_flow import run_journey
    from tests.e2e.e2e_journey import Journey
    from tests.e2e.e2e_stack import LAUNCHER_ORDER, REGISTRY_LAST, Stack, log_tail
else:
    from e2e_flow import run_journey
    from e2e_journey import Journey
    from e2e_stack import LAUNCHER_ORDER, REGISTRY_LAST, Stack, log_tail

# name -> (start-up order, each service only once the previous one is ready)
ORDERS: dict[str, tuple[tuple[str, ...], bool]] = {
    "launcher-order": (LAUNCHER_ORDER, False),  # as `agency up`: all at once
    "registry-last": (REGISTRY_LAST, True),  # consumers first, the registry last
}
_STACKS: dict[str, Stack] = {}  # the stacks of the running module, for the failure reports
_TIMINGS: dict[str, str] = {}


@dataclass
class Run:
    journey: Journey | None = None
    error: str | None = None


def _drive(stack: Stack) -> Journey:
    stack.wait_ready()
    journey = run_journey(stack)
    steps = ", ".join(f"{k} {v}" for k, v in journey.timings.items())
    _TIMINGS[" ".join(stack.order)] = f"all ready after {stack.started_in_s:.1f}; {steps}"
    return journey


def _outcome(future: Future[Journey]) -> Run:
    if (error := future.exception()) is not None:
        return Run(error="".join(traceback.format_exception(error)))
    return Run(journey=future.result())


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    """Both stacks launched from this (the main) thread, the journeys driven in two threads."""
    databases: dict[str, PostgresDatabases] = {}
    results: dict[str, Run] = {}
    try:
        for name, (order, _) in ORDERS.items():
            postgres = None
            if (base := postgres_base_url()) is not None:
                postgres = databases[name] = PostgresDatabases(base)
                asyncio.run(postgres.create())
            root = tmp_path_factory.mktemp(f"e2e-{name}")
            _STACKS[name] = Stack(root, order=order, postgres=postgres)
        pending: dict[str, Stack] = {}
        for name, (_, one_by_one) in ORDERS.items():  # the one started all at once goes first
            try:
                _STACKS[name].launch(one_by_one=one_by_one)
                pending[name] = _STACKS[name]
            except Exception as exc:
                results[name] = Run(error="".join(traceback.format_exception(exc)))
        with ThreadPoolExecutor(max_workers=len(ORDERS)) as pool:
            futures = {name: pool.submit(_drive, stack) for name, stack in pending.items()}
            results |= {name: _outcome(future) for name, future in futures.items()}
        yield results
    finally:
        for stack in _STACKS.values():
            stack.stop()
        _STACKS.clear()
        for postgres in databases.values():
            asyncio.run(postgres.drop())


@pytest.fixture(params=list(ORDERS))
def journey(request: pytest.FixtureRequest, runs: dict[str, Run]) -> Journey:
    run = runs[request.param]
    if run.journey is None:
        pytest.fail(f"the {request.param} journey did not complete:\n{run.error}", pytrace=False)
    return run.journey


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    callspec = getattr(item, "callspec", None)
    order = callspec.params.get("journey") if callspec is not None else None
    if report.failed and (stack := _STACKS.get(str(order))) is not None:
        for name, path in stack.logs().items():
            report.sections.append((f"{order} log: {name}", log_tail(path)))
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _TIMINGS:
        terminalreporter.write_sep("-", "e2e journeys (s)")
        for order, line in _TIMINGS.items():
            terminalreporter.write_line(f"{order}: {line}")
