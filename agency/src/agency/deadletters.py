"""`agency deadletters list|replay --service <name>`: see dead letters and replay them after a fix."""

from __future__ import annotations

import asyncio
import base64
import json
import sys
from dataclasses import dataclass

import httpx
import nats

from agency.stack import ISSUER, OPS, StackPaths
from shared.auth import Signer


@dataclass(frozen=True)
class Target:
    url: str
    token: str
    nats_url: str
    ops_password: str


def embedded_target(paths: StackPaths, *, service_url: str, nats_url: str) -> Target:
    signer = Signer.from_file(paths.private_key, issuer=ISSUER)
    token = signer.mint(sub="svc-ops", audience=service_url.rsplit("|", 1)[-1], ttl_s=300)
    passwords = json.loads(paths.nats_passwords.read_text(encoding="utf-8"))
    return Target(
        url=service_url.split("|", 1)[0],
        token=token,
        nats_url=nats_url,
        ops_password=passwords[OPS],
    )


def list_letters(target: Target) -> list[dict[str, object]]:
    response = httpx.get(
        f"{target.url}/internal/v1/deadletters",
        headers={"Authorization": f"Bearer {target.token}"},
        timeout=10,
    )
    response.raise_for_status()
    letters: list[dict[str, object]] = response.json()
    return letters


async def _fetch(target: Target, stream: str, seq: int) -> tuple[str, bytes]:
    nc = await nats.connect(
        servers=[target.nats_url],
        user=OPS,
        password=target.ops_password,
        inbox_prefix=b"_INBOX_ops",
    )
    try:
        msg = await nc.jetstream(timeout=5).get_msg(stream, seq)
        return msg.subject or "", msg.data or b""
    finally:
        await nc.close()


def replay_all(target: Target) -> list[tuple[int, str]]:
    """Replay every pending dead letter whose message the stream still holds; (id, outcome) each."""
    results = []
    for letter in list_letters(target):
        letter_id = int(str(letter["id"]))
        try:
            subject, data = asyncio.run(
                _fetch(target, str(letter["stream"]), int(str(letter["stream_seq"])))
            )
        except Exception as exc:
            results.append((letter_id, f"not in the stream ({type(exc).__name__})"))
            continue
        response = httpx.post(
            f"{target.url}/internal/v1/deadletters/{letter_id}/replay",
            json={"subject": subject, "data_b64": base64.b64encode(data).decode()},
            headers={"Authorization": f"Bearer {target.token}"},
            timeout=30,
        )
        outcome = (
            response.json().get("outcome")
            if response.status_code == 200
            else f"HTTP {response.status_code}"
        )
        results.append((letter_id, str(outcome)))
    return results


def print_letters(letters: list[dict[str, object]]) -> None:
    out = sys.stdout
    if not letters:
        out.write("no pending dead letters\n")
        return
    out.write(
        f"{'id':>5} {'consumer':<24} {'stream':<14} {'seq':>8} {'code':<26} {'delivered':>9}  at\n"
    )
    for d in letters:
        out.write(
            f"{d['id']:>5} {d['consumer']!s:<24} {d['stream']!s:<14} {d['stream_seq']!s:>8} "
            f"{d['error_code']!s:<26} {d['num_delivered']!s:>9}  {d['at']}\n"
        )
