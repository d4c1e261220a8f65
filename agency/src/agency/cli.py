"""The `agency` command: up, seed, token, streams, nats-config."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from agency.deadletters import embedded_target, list_letters, print_letters, replay_all
from agency.seed import StackNotRunning, seed_stack
from agency.stack import ISSUER, SERVICE_PORTS, StackPaths, ensure_keys
from agency.streams import provision_streams
from agency.up import LaunchError, up
from shared.auth import Signer
from shared.messaging.nats_config import write_shipped_configs


def _token(args: argparse.Namespace) -> int:
    paths = StackPaths(args.var)
    ensure_keys(paths)
    signer = Signer.from_file(paths.private_key, issuer=ISSUER)
    sub = args.sub or f"demo-{args.role}"
    token = signer.mint(sub=sub, audience="agency-api", roles=[args.role], ttl_s=args.ttl)
    sys.stdout.write(
        f"# {args.role} token for {sub}, valid {args.ttl} s at every service of the embedded stack\n"
    )
    sys.stdout.write(token + "\n")
    return 0


def _streams(args: argparse.Namespace) -> int:
    password = os.environ.get("NATS_PASSWORD", "")
    asyncio.run(
        provision_streams(
            args.nats_url,
            user=args.user,
            password=password,
            wait_s=args.wait,
            replicas=args.replicas,
        )
    )
    sys.stdout.write("streams and durables provisioned\n")
    return 0


def _deadletters(args: argparse.Namespace) -> int:
    port = args.port or SERVICE_PORTS[args.service]
    target = embedded_target(
        StackPaths(args.var),
        service_url=f"http://127.0.0.1:{port}|{args.service}",
        nats_url=args.nats_url,
    )
    if args.action == "list":
        print_letters(list_letters(target))
        return 0
    for letter_id, outcome in replay_all(target):
        sys.stdout.write(f"dead letter {letter_id}: {outcome}\n")
    return 0


def _nats_config(args: argparse.Namespace) -> int:
    for path in write_shipped_configs(args.out):
        sys.stdout.write(f"{path}\n")
    return 0


def _up(args: argparse.Namespace) -> int:
    try:
        return up(
            var=args.var,
            nats_port=args.nats_port,
            nats_http_port=args.nats_http_port,
            base_port=args.base_port,
            ready_timeout_s=args.ready_timeout,
            demo=args.demo,
            scale=args.scale,
        )
    except LaunchError as exc:
        sys.stderr.write(f"agency up: {exc}\n")
        return 1


def _seed(args: argparse.Namespace) -> int:
    ports = (
        SERVICE_PORTS
        if args.base_port is None
        else {s: args.base_port + i for i, s in enumerate(SERVICE_PORTS)}
    )
    urls = {s: f"http://127.0.0.1:{port}" for s, port in ports.items()}
    try:
        summary = seed_stack(
            var=args.var, urls=urls, scale=args.scale, seed=args.seed, progress=sys.stdout
        )
    except (StackNotRunning, ValueError) as exc:
        sys.stderr.write(f"agency seed: {exc}\n")
        return 1
    if not summary.already_seeded:
        sys.stdout.write(f"seeded in {summary.elapsed_s} s\n")
    for line in summary.rejected:
        sys.stdout.write(f"rejected: {line}\n")
    return 1 if summary.rejected else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agency", description="Run and operate the social housing agency."
    )
    parser.add_argument(
        "--var", type=Path, default=Path("var"), help="state directory (default: var)"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p_up = sub.add_parser(
        "up", help="run NATS and the four services with SQLite under var/ until Ctrl-C"
    )
    p_up.add_argument("--nats-port", type=int, default=4223)
    p_up.add_argument("--nats-http-port", type=int, default=8223)
    p_up.add_argument(
        "--base-port", type=int, default=None, help="first of four service ports (default 8001)"
    )
    p_up.add_argument("--ready-timeout", type=float, default=90.0)
    p_up.add_argument(
        "--demo",
        action="store_true",
        help="then seed (first run), run and approve a round, answer offers, print a report",
    )
    p_up.add_argument("--scale", default="demo", help="the demo's seed scale (default demo)")
    p_up.set_defaults(func=_up)

    p_seed = sub.add_parser(
        "seed",
        help="load the synthetic Ambito through the public APIs of a running stack (once)",
    )
    p_seed.add_argument("--scale", default="demo", help="a [generator.scales] name (default demo)")
    p_seed.add_argument("--seed", type=int, default=2026)
    p_seed.add_argument(
        "--var", type=Path, default=argparse.SUPPRESS, help="state directory (as `agency --var`)"
    )
    p_seed.add_argument(
        "--base-port", type=int, default=None, help="first of four service ports (default 8001)"
    )
    p_seed.set_defaults(func=_seed)

    p_token = sub.add_parser(
        "token", help="print a staff JWT valid at every service of the embedded stack"
    )
    p_token.add_argument("--role", choices=["caseworker", "supervisor"], required=True)
    p_token.add_argument("--sub", default=None)
    p_token.add_argument("--ttl", type=int, default=900)
    p_token.set_defaults(func=_token)

    p_streams = sub.add_parser(
        "streams", help="provision streams and durables as ops (password in NATS_PASSWORD)"
    )
    p_streams.add_argument(
        "--nats-url", default=os.environ.get("NATS_URL", "nats://127.0.0.1:4223")
    )
    p_streams.add_argument("--user", default=os.environ.get("NATS_USER", "ops"))
    p_streams.add_argument("--replicas", type=int, default=1)
    p_streams.add_argument("--wait", type=float, default=60.0)
    p_streams.set_defaults(func=_streams)

    p_dl = sub.add_parser(
        "deadletters", help="list or replay a service's dead letters (embedded stack)"
    )
    p_dl.add_argument("action", choices=["list", "replay"])
    p_dl.add_argument("--service", choices=sorted(SERVICE_PORTS), required=True)
    p_dl.add_argument("--port", type=int, default=None)
    p_dl.add_argument("--nats-url", default="nats://127.0.0.1:4223")
    p_dl.set_defaults(func=_deadletters)

    p_conf = sub.add_parser("nats-config", help="write the shipped nats-server configs")
    p_conf.add_argument("--out", type=Path, default=Path("deploy/nats"))
    p_conf.set_defaults(func=_nats_config)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())


def run() -> None:
    sys.exit(main())
