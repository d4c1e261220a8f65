"""The demo's answer plan and report layout, without a stack."""

from __future__ import annotations

import io
from collections import Counter

from agency.demo.answers import plan
from agency.demo.figures import Figures
from agency.demo.report import write_report


def test_every_role_once_then_acceptances_in_a_stable_order() -> None:
    offers = [{"id": f"{i:02d}"} for i in (7, 3, 9, 1, 5, 8, 2)]
    roles = plan(offers)
    assert plan(list(reversed(offers))) == roles
    assert [roles[k] for k in sorted(roles)] == [
        "accept",
        "justified",
        "unjustified",
        "expiry",
        "landlord_refusal",
        "accept",
        "accept",
    ]
    assert set(plan(offers[:2]).values()) == {"accept", "justified"}


def test_report_groups_small_comuni_as_other_and_counts_channels() -> None:
    households = Counter({f"C{i}": 10 - i for i in range(9)})
    figures = Figures(
        round={
            "id": "r1",
            "policy_version": "defaults-1",
            "seed_hash": "ab" * 32,
            "seed": "cd" * 16,
            "proposals": 4,
            "unmatched": 50,
            "stats": {
                "households": 54,
                "units": 6,
                "feasible_pairs": 99,
                "solver": {"total_s": 0.1},
            },
        },
        households_by_comune=households,
        units_by_comune=Counter({"C0": 4, "C8": 2}),
        matched_by_comune=Counter({"C0": 3, "C8": 1}),
        unmatched_by_reason=Counter({"OUTRANKED": 30, "NO_FEASIBLE_UNIT": 20}),
        offers=Counter({"expired": 1, "accepted by both (tenancy agreed)": 3}),
        reoptimisations=2,
        messages=Counter({("sent", "email"): 12, ("sent", "sms"): 5, ("failed", "sms"): 1}),
    )
    out = io.StringIO()
    urls = {s: f"http://127.0.0.1:{8001 + i}" for i, s in enumerate(["registry", "matching"])}
    write_report(out, figures, urls=urls, var="var", elapsed_s=1.0)
    text = out.getvalue()
    other = next(line for line in text.splitlines() if "other (3 comuni)" in line)
    assert other.split()[-3:] == [str(4 + 3 + 2), "2", "1"]  # C6..C8: households, units, matched
    assert "Matched: 4. Unmatched: 50 (OUTRANKED 30, NO_FEASIBLE_UNIT 20)." in text
    assert "Messages sent by channel: email 12, sms 5; failed: sms 1." in text
    assert "      3  accepted by both (tenancy agreed)" in text
    assert "http://127.0.0.1:8002/docs" in text
