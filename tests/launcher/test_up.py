"""`agency up` as a user runs it: the whole stack answers /ready, Ctrl-C leaves nothing behind."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from launching import AGENCY, stack_ports, wait_for_line

from agency.processes import port_in_use
from shared.auth import TokenVerifier


def test_up_serves_every_service_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    nats_port, monitor_port, base = stack_ports()
    argv = [str(AGENCY), "--var", str(tmp_path / "var"), "up", "--nats-port", str(nats_port)]
    argv += ["--nats-http-port", str(monitor_port), "--base-port", str(base)]
    proc = subprocess.Popen(
        argv, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        lines = wait_for_line(proc, "Ctrl-C stops everything", timeout=90)
        assert any("The agency is up" in line for line in lines)
        children = psutil.Process(proc.pid).children(recursive=True)
        assert len(children) >= 5  # nats-server and four services
        token = next(line.split("=", 1)[1].strip() for line in lines if "export TOKEN=" in line)
        verifier = TokenVerifier.from_file(
            tmp_path / "var" / "keys" / "jwks.json", issuer="agency-dev"
        )
        assert verifier.verify(token, audience="agency-api")["roles"] == ["caseworker"]
        with httpx.Client(timeout=5) as client:
            for i in range(4):
                assert client.get(f"http://127.0.0.1:{base + i}/ready").status_code == 200
                pool = client.get(
                    f"http://127.0.0.1:{base + i}/v1/households",
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert pool.status_code in (200, 404)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
        for child in children:
            assert not child.is_running() or child.status() == psutil.STATUS_ZOMBIE
        for port in (nats_port, monitor_port, base, base + 1, base + 2, base + 3):
            assert not port_in_use(port), port
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_taken_port_is_a_one_line_error(tmp_path: Path) -> None:
    nats_port, monitor_port, base = stack_ports()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", base + 2))
        taken.listen()
        argv = [str(AGENCY), "--var", str(tmp_path / "var"), "up", "--nats-port", str(nats_port)]
        argv += ["--nats-http-port", str(monitor_port), "--base-port", str(base)]
        done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert str(base + 2) in lines[0]
    assert "matching" in lines[0]


def test_token_prints_a_jwt_as_its_last_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(AGENCY), "--var", str(tmp_path / "var"), "token", "--role", "supervisor"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    token = done.stdout.strip().splitlines()[-1]
    verifier = TokenVerifier.from_file(tmp_path / "var" / "keys" / "jwks.json", issuer="agency-dev")
    claims = verifier.verify(token, audience="agency-api")
    assert claims["roles"] == ["supervisor"]
