"""`make bench`: the matching engine against a greedy ranked list, scipy and CP-SAT, per scale,
the landlords' 5,000-row unit import (benchmarks/unit_import.py) and the registry's audit chain
verification (benchmarks/audit_verify.py).

Each method runs in its own process so its peak RSS is its own; ours runs through the
`matching-solve` command end to end (read, feasibility, both stages, explanations, write).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from benchmarks.audit_verify import audit_verify_table
from benchmarks.unit_import import unit_import_table
from matching.feasibility import feasibility
from matching.generator import generate_problem
from matching.instance import I64, Instance, build_instance
from matching.problem import parse_problem

REPORTS = Path(__file__).parent / "reports"
CHILD_TIMEOUT_S = 420
CPSAT_LIMIT_S = 20.0
# Scenario: (name, scale, generator arguments, methods)
QUOTA_SCENARIO = {
    "pool": "sap",
    "police_share": 0.03,
    "overrides": {"indigent_rent_support_eur": 250, "police_reserve_share": "0.05"},
}
NO_QUOTA = {"overrides": {"indigent_quota_share": 0}}
SCENARIOS: list[tuple[str, str, dict[str, Any], tuple[str, ...]]] = [
    ("demo", "demo", NO_QUOTA, ("ours", "greedy", "scipy", "cpsat")),
    ("bench_20k", "bench_20k", NO_QUOTA, ("ours", "greedy", "scipy")),
    (
        "bench_20k + indigent floor + police reserve",
        "bench_20k",
        QUOTA_SCENARIO,
        ("ours", "greedy"),
    ),
]
STRETCH = [("bench_100k", "bench_100k", NO_QUOTA, ("ours",))]


def _metrics(inst: Instance, pair_h: I64, pair_u: I64, unit_of: I64) -> dict[str, Any]:
    matched = unit_of >= 0
    holder = np.full(inst.n_units, -1, dtype=np.int64)
    holder[unit_of[matched]] = np.nonzero(matched)[0]
    other = holder[pair_u]
    envious = (
        ~matched[pair_h] & (other >= 0) & (inst.level[np.maximum(other, 0)] < inst.level[pair_h])
    )
    decile = max(1, (inst.n_households + 9) // 10)
    return {
        "objective": int(inst.level[matched].sum()),
        "matched": int(matched.sum()),
        "top_decile_coverage": round(float(matched[inst.position < decile].mean()), 4),
        "justified_envy": int(np.unique(pair_h[envious]).size),
    }


def worker(method: str, problem_path: Path, out_path: Path) -> None:
    """Run one baseline on a problem file and write its figures."""
    from benchmarks.baselines import cpsat_matching, greedy_by_priority, scipy_matching

    t0 = time.perf_counter()
    problem = parse_problem(json.loads(problem_path.read_text("utf-8"), parse_float=Decimal))
    inst = build_instance(problem)
    feas = feasibility(inst)
    build_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    extra: dict[str, Any] = {}
    if method == "greedy":
        unit_of = greedy_by_priority(inst, feas)
    elif method == "scipy":
        unit_of = scipy_matching(inst, feas)
    else:
        found = cpsat_matching(inst, feas, time_limit_s=CPSAT_LIMIT_S)
        unit_of = found["unit_of"]
        build_s += found["build_s"]
        extra["status"] = found["status"]
    solve_s = time.perf_counter() - t1
    figures = _metrics(inst, feas.pair_h.astype(np.int64), feas.pair_u.astype(np.int64), unit_of)
    figures |= {"build_s": build_s, "solve_s": solve_s, "pairs": feas.n_pairs} | extra
    out_path.write_text(json.dumps(figures), "utf-8")


def _run_child(cmd: list[str], stdout: Any) -> tuple[float, float, int, float]:
    """Wall seconds, peak RSS in MiB, exit status (-9: timed out) and CPU seconds of a child:
    CPU time is the fairer figure on a shared machine."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.DEVNULL)
    while time.perf_counter() - t0 < CHILD_TIMEOUT_S:
        # wait4, not poll(): only the reaping call sees the child's resource usage.
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            cpu = usage.ru_utime + usage.ru_stime
            return time.perf_counter() - t0, usage.ru_maxrss / 1024, proc.returncode, cpu
        time.sleep(0.02)
    proc.kill()
    proc.wait()
    return time.perf_counter() - t0, 0.0, -9, 0.0


def run_method(method: str, problem_path: Path, tmp: Path) -> dict[str, Any]:
    out = tmp / f"{method}.json"
    if method == "ours":
        with out.open("w") as sink:
            cmd = [sys.executable, "-m", "matching.solve_cli", str(problem_path)]
            wall, rss, code, cpu = _run_child(cmd, sink)
        if code != 0:
            return {"method": method, "error": f"exit {code}"}
        result: dict[str, Any] = json.loads(out.read_text("utf-8"))
        stats, solver = result["stats"], result["stats"]["solver"]
        return {
            "method": "ours (matching-solve)",
            "status": result["status"],
            "build_s": solver["build_s"] + solver["feasibility_s"],
            "solve_s": solver["stage1_s"] + solver["stage2_s"],
            "total_s": wall,
            "cpu_s": cpu,
            "objective": stats["objective"]["stage1"],
            "matched": stats["matched"],
            "top_decile_coverage": stats["fairness"]["top_decile_coverage"],
            "justified_envy": stats["fairness"]["justified_envy"],
            "rss_mib": rss,
            "pairs": stats["feasible_pairs"],
            "quotas": stats["quotas"],
        }
    cmd = [sys.executable, "-m", "benchmarks.run", "--worker", method, str(problem_path), str(out)]
    wall, rss, code, cpu = _run_child(cmd, subprocess.DEVNULL)
    if code != 0:
        return {"method": method, "error": "timeout" if code == -9 else f"exit {code}"}
    figures: dict[str, Any] = json.loads(out.read_text("utf-8"))
    label = {"greedy": "greedy by priority", "scipy": "scipy LAPJVsp", "cpsat": "CP-SAT naive"}
    return {"method": label[method], "total_s": wall, "cpu_s": cpu, "rss_mib": rss} | figures


def reoptimisation(problem: dict[str, Any], tmp: Path, *, refusals: int = 5) -> str:
    """Re-optimisation after one refusal, as the service runs it: the freed unit among the
    households still waiting (accepted offers stay fixed), end to end through matching-solve.
    The refusing household drops out; `refusals` refusals at seeded positions, one solve each."""
    path = tmp / "problem.json"
    path.write_text(json.dumps(problem, default=float), "utf-8")
    first = run_method("ours", path, tmp)
    result = json.loads((tmp / "ours.json").read_text("utf-8"))
    matched = {a["household_id"]: a["unit_id"] for a in result["assignments"]}
    waiting = [h for h in problem["households"] if h["id"] not in matched]
    rng = np.random.default_rng(int(problem["seed"]) if str(problem["seed"]).isdigit() else 7)
    refusers = rng.choice(sorted(matched), size=min(refusals, len(matched)), replace=False)
    lines = [
        f"### Re-optimisation after one refusal ({len(problem['households'])} households x "
        f"{len(problem['units'])} units; first round {first.get('total_s', 0):.2f} s)",
        "",
        "| refusal | households waiting | freed units | status | matched | total s | total CPU s "
        "| peak RSS MiB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    units = {u["id"]: u for u in problem["units"]}
    for i, refuser in enumerate(refusers, 1):
        sub = dict(problem, households=waiting, units=[units[matched[str(refuser)]]])
        sub_path = tmp / "reopt.json"
        sub_path.write_text(json.dumps(sub, default=float), "utf-8")
        row = run_method("ours", sub_path, tmp)
        if "error" in row:
            lines.append(f"| {i} | {len(waiting)} | 1 | {row['error']} |  |  |  |  |")
            continue
        lines.append(
            f"| {i} | {len(waiting)} | 1 | {row['status']} | {row['matched']} "
            f"| {row['total_s']:.2f} | {row['cpu_s']:.2f} | {row['rss_mib']:.0f} |"
        )
    return "\n".join(lines)


def _table(name: str, rows: list[dict[str, Any]]) -> str:
    best = next((r["objective"] for r in rows if r.get("status") == "optimal"), None)
    lines = [
        f"### {name}",
        "",
        "| method | build s | solve s | total s | total CPU s | objective | gap | matched "
        "| top-decile coverage | justified envy | peak RSS MiB |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['method']} | {r['error']} |" + "  |" * 9)
            continue
        gap = "" if best is None else f"{100 * (best - r['objective']) / max(best, 1):.2f} %"
        status = f" ({r['status']})" if "status" in r else ""
        lines.append(
            f"| {r['method']}{status} | {r.get('build_s', 0):.2f} | {r.get('solve_s', 0):.2f} "
            f"| {r['total_s']:.2f} | {r['cpu_s']:.2f} | {r['objective']} | {gap} | {r['matched']} "
            f"| {r['top_decile_coverage']} | {r['justified_envy']} | {r['rss_mib']:.0f} |"
        )
    pairs = next((r["pairs"] for r in rows if "pairs" in r), None)
    quotas = next((r["quotas"] for r in rows if r.get("quotas")), None)
    lines.append("")
    lines.append(
        f"Feasible pairs: {pairs}." + (f" Quotas (ours): `{json.dumps(quotas)}`" if quotas else "")
    )
    return "\n".join(lines)


def _machine() -> str:
    versions = ", ".join(
        f"{p} {metadata.version(p)}" for p in ("ortools", "numpy", "scipy", "pydantic")
    )
    memory = psutil.virtual_memory().total / 2**30
    return (
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n"
        f"- machine: {platform.platform()}, {psutil.cpu_count()} CPUs, {memory:.1f} GiB RAM, "
        f"load average at start {os.getloadavg()[0]:.2f}\n"
        f"- Python {platform.python_version()}; {versions}\n"
        "- instances: `matching.generator` at the policy's generator seed (DOMAIN.md §6); "
        "objective = Σ dense-rank priority of the matched (stage 1); gap to our proven optimum"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.run")
    parser.add_argument("--stretch", action="store_true", help="also bench_100k (minutes)")
    parser.add_argument("--only", default=None, help="run the scenarios whose name contains this")
    parser.add_argument("--worker", nargs=3, metavar=("METHOD", "PROBLEM", "OUT"))
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker[0], Path(args.worker[1]), Path(args.worker[2]))
        return 0
    scenarios = SCENARIOS + (STRETCH if args.stretch else [])
    if args.only:
        scenarios = [s for s in scenarios if args.only in s[0]]
    sections = [
        "# Benchmark: matching engine, unit import, audit chain verification",
        "",
        _machine(),
        "",
    ]
    sys.stdout.write("\n".join(sections) + "\n")
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        for name, scale, gen_args, methods in scenarios:
            problem = generate_problem(scale=scale, **gen_args)
            path = tmp / "problem.json"
            path.write_text(json.dumps(problem, default=float), "utf-8")
            rows = [run_method(m, path, tmp) for m in methods]
            table = _table(name, rows)
            sections += [table, ""]
            sys.stdout.write(table + "\n\n")
            sys.stdout.flush()
        if not args.only or "reopt" in args.only:
            problem = generate_problem(scale="bench_20k", **NO_QUOTA)
            table = reoptimisation(problem, tmp)
            sections += [table, ""]
            sys.stdout.write(table + "\n\n")
        if not args.only or "audit" in args.only:
            table = audit_verify_table()
            sections += [table, ""]
            sys.stdout.write(table + "\n\n")
        if not args.only or "import" in args.only:
            (tmp / "import").mkdir()
            table = unit_import_table(tmp / "import")
            sections += [table, ""]
            sys.stdout.write(table + "\n\n")
    REPORTS.mkdir(exist_ok=True)
    report = REPORTS / f"bench-{datetime.now(UTC):%Y%m%d-%H%M}.md"
    report.write_text("\n".join(sections), "utf-8")
    sys.stdout.write(f"report: {report}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
