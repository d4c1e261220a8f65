"""`matching-solve PROBLEM.json [--time-limit S] [--workers N]`: solve and print the result JSON."""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from pathlib import Path

from matching.problem import ProblemError, parse_problem
from matching.solver import SolverConfig, solve

EXIT_BAD_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="matching-solve", description="Solve a self-contained matching problem."
    )
    parser.add_argument("problem", type=Path, help="problem JSON file ('-' for stdin)")
    parser.add_argument("--time-limit", type=float, default=None, help="seconds per stage")
    parser.add_argument("--workers", type=int, default=1, help="solver workers (1 = reproducible)")
    return parser


def _fail(message: str) -> int:
    sys.stderr.write(f"matching-solve: {message}\n")
    return EXIT_BAD_INPUT


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        text = sys.stdin.read() if str(args.problem) == "-" else args.problem.read_text("utf-8")
    except OSError as exc:
        return _fail(f"cannot read {args.problem}: {exc.strerror}")
    try:
        # Decimals straight from the text: money and areas are never binary floats.
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        return _fail(f"problem: invalid JSON at line {exc.lineno} column {exc.colno}")
    try:
        problem = parse_problem(data)
        config = SolverConfig(time_limit_s=args.time_limit, workers=args.workers)
        result = solve(problem, config=config)
    except ProblemError as exc:
        return _fail(str(exc))
    sys.stdout.write(result.model_dump_json())
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
