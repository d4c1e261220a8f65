"""`agency up --demo` as a user runs it: seed, round, approval, answers, re-optimisation, the
report with figures that match the services, Ctrl-C, and a second run that only reports."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from launching import up_argv, wait_for_line

from agency.processes import port_in_use
from shared.auth import Signer

DONE = "The stack keeps running"
# The real seed (40 households through the registry API), the first solve's worker start-up and
# every message through notifications: minutes on a loaded 2-core machine, about 1 on a quiet one.
REPORT_WITHIN_S = 300.0


def _count(report: str, label: str) -> int:
    found = re.search(rf"^\s+(\d+)\s+{re.escape(label)}$", report, re.MULTILINE)
    return int(found.group(1)) if found else 0


def _port_of(lines: list[str], service: str) -> int:
    line = next(line for line in lines if line.strip().startswith(service) and "docs:" in line)
    return int(re.search(r"127\.0\.0\.1:(\d+)", line).group(1))  # type: ignore[union-attr]


def _stop(proc: subprocess.Popen[str], ports: list[int]) -> None:
    children = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0
    for child in children:
        assert not child.is_running() or child.status() == psutil.STATUS_ZOMBIE
    for port in ports:
        assert not port_in_use(port), port


def _offers(matching: str, token: str) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    cursor = None
    with httpx.Client(timeout=10, headers={"Authorization": f"Bearer {token}"}) as client:
        while True:
            params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
            page = client.get(f"{matching}/v1/offers", params=params).json()
            items += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                return items


@pytest.mark.slow
@pytest.mark.timeout(REPORT_WITHIN_S * 2 + 120)
def test_demo_reports_the_whole_process_and_a_second_run_only_reports(tmp_path: Path) -> None:
    var = tmp_path / "var"
    argv = up_argv(var, "--demo", "--scale", "unit_test")
    started = time.monotonic()
    proc = subprocess.Popen(
        argv, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        lines = wait_for_line(proc, DONE, timeout=REPORT_WITHIN_S)
        first_run_s = time.monotonic() - started
        report = "".join(lines)
        assert "The demo stopped" not in report, report
        matched = int(re.search(r"^Matched: (\d+)\.", report, re.MULTILINE).group(1))  # type: ignore[union-attr]
        assert matched > 0
        accepted = _count(report, "accepted by both (tenancy agreed)")
        assert accepted >= 1
        assert _count(report, "declined by the household (justified)") == 1
        assert _count(report, "declined by the household (unjustified)") == 1
        assert _count(report, "expired") == 1
        assert re.search(r"re-optimisation round\(s\)", report)
        channels = dict(
            (ch, int(n))
            for ch, n in re.findall(
                r"(email|sms) (\d+)", report.split("Messages sent by channel:", 1)[1].split("\n")[0]
            )
        )
        assert channels.get("email", 0) > 0
        assert channels.get("sms", 0) > 0
        # The report's offers are the matching service's offers.
        matching = f"http://127.0.0.1:{_port_of(lines, 'matching')}"
        signer = Signer.from_file(var / "keys" / "dev-issuer.pem", issuer="agency-dev")
        token = signer.mint(sub="t", audience="agency-api", roles=["caseworker"], ttl_s=300)
        statuses = [o["status"] for o in _offers(matching, token)]
        assert statuses.count("confirmed_by_landlord") == accepted
        assert statuses.count("expired") == 1
        assert statuses.count("refused_by_landlord") == _count(report, "declined by the landlord")
        # Households answered through the links in the messages they received.
        assert re.search(r"answers: [1-9]\d* through household links", report)
        base = int(argv[argv.index("--base-port") + 1])
        nats = [int(argv[argv.index(flag) + 1]) for flag in ("--nats-port", "--nats-http-port")]
        _stop(proc, [*nats, *range(base, base + 4)])
        assert first_run_s < REPORT_WITHIN_S
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    # A second run on the same var/ resumes: no new seed, no second round, the report again.
    again = subprocess.Popen(
        up_argv(var, "--demo", "--scale", "unit_test"),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = wait_for_line(again, DONE, timeout=REPORT_WITHIN_S)
        text = "".join(lines)
        assert "ran on this var/ before" in text
        assert "Seeding" not in text
        assert f"Matched: {matched}." in text
        matching = f"http://127.0.0.1:{_port_of(lines, 'matching')}"
        with httpx.Client(timeout=10, headers={"Authorization": f"Bearer {token}"}) as client:
            rounds = client.get(f"{matching}/v1/rounds", params={"limit": 100}).json()["items"]
        assert [r["kind"] for r in rounds].count("round") == 1
        again.send_signal(signal.SIGINT)
        assert again.wait(timeout=30) == 0
    finally:
        if again.poll() is None:
            again.kill()
            again.wait()
