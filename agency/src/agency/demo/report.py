"""The report printed at the end of the demo (and again by a resumed one)."""

from __future__ import annotations

from collections import Counter
from typing import TextIO

from agency.demo.figures import Figures

TOP_COMUNI = 6


def _by_comune(fig: Figures) -> list[tuple[str, int, int, int]]:
    names = sorted(
        set(fig.households_by_comune) | set(fig.units_by_comune),
        key=lambda c: (-fig.households_by_comune[c], -fig.units_by_comune[c], c),
    )
    rows = [
        (c, fig.households_by_comune[c], fig.units_by_comune[c], fig.matched_by_comune[c])
        for c in names[:TOP_COMUNI]
    ]
    rest = names[TOP_COMUNI:]
    if rest:
        rows.append(
            (
                f"other ({len(rest)} comuni)",
                sum(fig.households_by_comune[c] for c in rest),
                sum(fig.units_by_comune[c] for c in rest),
                sum(fig.matched_by_comune[c] for c in rest),
            )
        )
    return rows


def _line(counts: Counter[str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.most_common()) or "none"


def write_report(
    out: TextIO, fig: Figures, *, urls: dict[str, str], var: str, elapsed_s: float | None
) -> None:
    r = fig.round
    stats = r.get("stats") or {}
    solver = stats.get("solver") or {}
    w = out.write
    w("\n=== The agency at work: the demo's report ===\n\n")
    w(
        f"Round {r['id']} (agency programme, whole Ambito, policy {r['policy_version']}): "
        f"{stats.get('households', '?')} households, {stats.get('units', '?')} units, "
        f"{stats.get('feasible_pairs', '?')} feasible pairs, solved in {solver.get('total_s', '?')} s.\n"
    )
    w(f"Seed hash {r['seed_hash'][:16]}…, seed revealed: {r['seed']}\n\n")
    w(f"  {'comune':<28}{'households':>11}{'units':>7}{'matched':>9}\n")
    for comune, households, units, matched in _by_comune(fig):
        w(f"  {comune:<28}{households:>11}{units:>7}{matched:>9}\n")
    w(
        f"\nMatched: {r['proposals']}. Unmatched: {r['unmatched']} "
        f"({_line(fig.unmatched_by_reason)}).\n"
    )
    w(f"Offers, after {fig.reoptimisations} re-optimisation round(s) of freed units:\n")
    for outcome, n in sorted(fig.offers.items(), key=lambda kv: (-kv[1], kv[0])):
        w(f"  {n:>5}  {outcome}\n")
    sent = Counter({ch: n for (kind, ch), n in fig.messages.items() if kind == "sent"})
    failed = Counter({ch: n for (kind, ch), n in fig.messages.items() if kind == "failed"})
    w(
        f"Messages sent by channel: {_line(sent)}"
        + (f"; failed: {_line(failed)}" if failed else "")
        + ".\n"
    )
    w("\nWhere to look next:\n")
    for service, url in urls.items():
        w(f"  {service:<14} {url}/docs\n")
    w(
        f"  messages       {var}/mail/ (email), {var}/sms.jsonl (SMS)\n"
        "  commands       .venv/bin/agency token --role caseworker|supervisor · agency seed · "
        "agency deadletters list --service <name> · agency streams\n"
        f"  explanations   GET {urls['matching']}/v1/rounds/{r['id']}/explanations/<household id>\n"
    )
    if elapsed_s is not None:
        w(f"\nFrom start to this report: {elapsed_s:.1f} s.\n")
    out.flush()
