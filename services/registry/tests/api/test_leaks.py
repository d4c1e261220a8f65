"""T21 (registry part): canary PII never reaches an event, a log line, a problem body or /metrics."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from nats.js import JetStreamContext

from shared.logs import JsonFormatter
from shared.testing.inspect import stream_messages
from shared.testing.services import DevKeys
from shared.testing.waiting import wait_until

Started = Callable[..., Any]  # the `started` fixture: async with started() as registry

Body = Callable[..., dict[str, Any]]
Member = Callable[..., dict[str, Any]]


def _found(canary: str, text: str) -> bool:
    """A canary as a whole token: a numeric one must not match inside a timestamp's
    microseconds ("…:02.133304"), an id or a longer number."""
    if not canary.isdigit():
        return canary in text
    return re.search(rf"(?<![0-9A-Za-z.]){canary}(?![0-9A-Za-z])", text) is not None


def _canaries(i: int, cf: Callable[..., str]) -> dict[str, Any]:
    return {
        "name": f"Canaryname{i}x",
        "cf": cf(),
        "email": f"canary{i}@leak.example",
        "mobile": f"+39333555{i:04d}",
        "isee": 1_111_100 + i,
        "income": 133_300 + i,
        "certificate": f"CERTLEAK{i:04d}",
    }


async def test_no_canary_in_events_logs_problems_or_metrics(
    started: Started,
    dev_keys: DevKeys,
    body: Body,
    member: Member,
    cf: Callable[..., str],
    jetstream_ops: JetStreamContext,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with started() as registry:
        caplog.set_level(logging.DEBUG)
        problems: list[str] = []
        all_canaries: list[str] = []
        for i in range(5):
            c = _canaries(i, cf)
            data = body(
                reference=f"LEAK-{i}",
                applicant={
                    "given_name": c["name"],
                    "family_name": c["name"],
                    "codice_fiscale": c["cf"],
                    "birth_date": "1975-05-05",
                    "disability": {"disability_pct": 70, "certificate_reference": c["certificate"]},
                },
                isee={
                    "value_cents": c["isee"],
                    "issued_on": "2026-02-01",
                    "equivalence_scale": "1",
                },
                net_monthly_income_cents=c["income"],
                contacts={"email": c["email"], "mobile": c["mobile"]},
            )
            all_canaries += [
                c["name"],
                c["cf"],
                c["email"],
                c["mobile"],
                str(c["isee"]),
                str(c["income"]),
                c["certificate"],
            ]
            created = await registry.registered(data)
            hid = created["id"]
            await registry.client.post(f"/v1/households/{hid}/verify", headers=registry.staff())
            await registry.client.patch(
                f"/v1/households/{hid}",
                json={"net_monthly_income_cents": c["income"] + 1},
                headers=registry.staff(),
            )
            # Problems: a duplicate, invalid input carrying canaries, a bad patch.
            problems.append((await registry.register(data)).text)
            bad = {**data, "residence_comune": c["name"], "reference": c["name"]}
            problems.append((await registry.register(bad)).text)
            problems.append(
                (
                    await registry.client.patch(
                        f"/v1/households/{hid}",
                        json={
                            "contacts": {"email": c["name"]},
                            "isee": {"value_cents": -c["isee"]},
                        },
                        headers=registry.staff(),
                    )
                ).text
            )
            wrong_cf = {
                **data["applicant"],
                "codice_fiscale": c["cf"][:-1] + ("A" if c["cf"][-1] != "A" else "B"),
            }
            problems.append((await registry.register(body(applicant=wrong_cf))).text)
            if i % 2:
                await registry.client.delete(
                    f"/v1/households/{hid}", headers=registry.staff("supervisor")
                )
        metrics_token = dev_keys.signer.mint(sub="svc-matching", audience="registry")
        metrics = await registry.client.get(
            "/metrics", headers={"Authorization": f"Bearer {metrics_token}"}
        )

        async def published() -> bool:
            return (await registry.svc.runtime.relay.backlog()).count == 0

        await wait_until(published, within=30)
        messages = await stream_messages(jetstream_ops, "REGISTRY")
        assert len(messages) > 20
        streams = json.dumps([[s, p, h] for s, p, h in messages])
        formatter = JsonFormatter("registry")
        logs = "\n".join(formatter.format(r) for r in caplog.records)
        for canary in all_canaries:
            assert not _found(canary, streams), canary
            assert not _found(canary, logs), canary
            assert canary not in metrics.text, canary
            for problem in problems:
                assert canary not in problem, (canary, problem)
        assert all(json.loads(p)["status"] in (409, 422) for p in problems)
