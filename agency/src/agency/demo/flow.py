"""The demo from a ready stack to the report: seed, round, approval, answers, re-optimisation.

A first run does every step; a later run on the same var/ finds var/demo.json, skips what is
done (no second seed, no second round) and prints the report from the current state.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from agency.demo import state
from agency.demo.answers import Answers
from agency.demo.api import DemoApi, DemoError
from agency.demo.figures import collect
from agency.demo.reoptimise import approve_pending
from agency.demo.report import write_report
from agency.demo.round import (
    approve,
    start_round,
    wait_offers_sent,
    wait_settled,
    wait_solved,
)
from agency.seed import seed_stack
from agency.stack import StackPaths


def run_demo(
    *,
    paths: StackPaths,
    urls: dict[str, str],
    nats_url: str,
    scale: str,
    out: TextIO,
    started: float,
    check: Callable[[], None],
) -> None:
    """Raises DemoError (one line) when a step does not complete in its bounded wait, or when
    `check` finds a process of the stack stopped."""

    def say(text: str) -> None:
        out.write(f"[{time.monotonic() - started:6.1f} s] {text}\n")
        out.flush()

    api = DemoApi(paths=paths, urls=urls, check=check)
    try:
        current = state.load(paths.var)
        if current.round_id is None:
            say(f"Seeding the synthetic Ambito di Cremona (scale {scale}) through the APIs…")
            summary = seed_stack(var=paths.var, urls=urls, scale=scale, progress=out)
            if summary.rejected:
                raise DemoError(
                    f"the seed left {len(summary.rejected)} rejected item(s); run the demo again to retry them"
                )
            wait_settled(api)
            say("A caseworker starts a round for the whole Ambito (agency programme)…")
            current.round_id = start_round(api)
            state.save(paths.var, current)
        round_id = current.round_id
        if current.solve_s is None:
            solved = wait_solved(api, round_id)
            stats = solved.round.get("stats") or {}
            current.solve_s = float((stats.get("solver") or {}).get("total_s", 0.0))
            say(
                f"Round {round_id} completed: {solved.round['proposals']} proposals, "
                f"{solved.round['unmatched']} unmatched (solver {current.solve_s:.2f} s, "
                f"{solved.waited_s:.1f} s from request to result)."
            )
            state.save(paths.var, current)
        if not current.answered:
            approved = approve(api, round_id)
            say(
                f"A supervisor approved it: {approved['proposals']} offers go to households and landlords."
            )
            offers = wait_offers_sent(api, round_id, say=say)
            unsent = sum(1 for o in offers if o["status"] == "approved")
            if unsent:
                say(f"  {unsent} offer(s) reached no household (no contact or consent)")
            say("Households and landlords answer, through the paths they use:")
            answers = Answers(api, paths=paths, say=say)
            answers.run(offers)
            approve_pending(api)
            t = answers.tally
            say(
                f"  answers: {t.by_link} through household links, {t.by_caseworker} recorded by a "
                f"caseworker, {t.landlord_confirmed} landlord confirmations; {t.expired} expired; "
                f"{t.reoptimisations} re-optimisation(s) made {t.reoffered} new offer(s)"
            )
            for note in t.notes:
                say(f"  note: {note}")
            current.answered = True
            state.save(paths.var, current)
        else:
            say(
                "The demo ran on this var/ before: no new seed or round; the report shows the state now."
            )
        figures = collect(api, paths=paths, round_id=round_id, nats_url=nats_url)
        write_report(
            out,
            figures,
            urls=urls,
            var=str(paths.var),
            elapsed_s=time.monotonic() - started,
        )
    finally:
        api.close()
