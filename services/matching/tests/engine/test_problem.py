"""The problem format: exact money and areas, closed schema, errors that name the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from matching.engine_policy import resolve_policy
from matching.instance import build_instance
from matching.problem import ProblemError, parse_problem
from matching.solve_cli import main


def _raw(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "seed": 3,
        "households": [
            {
                "id": "h1",
                "size": 2,
                "priority": 10.5,
                "max_rent_eur": 420.1,
                "indigent": False,
                "needs_step_free": False,
                "acceptable_comuni": ["Cremona"],
                "pets": False,
                "smoker": False,
            }
        ],
        "units": [
            {
                "id": "u1",
                "comune": "Cremona",
                "area_m2": 50.5,
                "rent_eur": 350.1,
                "charges_eur": 70,
                "step_free": None,
                "max_occupants": None,
                "pets_allowed": True,
                "smoking_allowed": False,
            }
        ],
    }
    return base | over


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("households", 0, "max_rent_eur"), "420.105", "households[0].max_rent_eur"),
        (("units", 0, "area_m2"), "50.55", "units[0].area_m2"),
        (("units", 0, "rent_eur"), -1, "units[0].rent_eur"),
        (("households", 0, "size"), 0, "households[0].size"),
        (("households", 0, "priority"), "NaN", "households[0].priority"),
        (("units", 0, "nationality"), "IT", "units[0].nationality"),
        (("households", 0, "acceptable_comuni"), "Cremona", "households[0].acceptable_comuni"),
    ],
)
def test_bad_input_names_the_field(path: tuple[Any, ...], value: Any, field: str) -> None:
    raw = _raw()
    node: Any = raw
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    with pytest.raises(ProblemError, match=field.replace("[", r"\[").replace("]", r"\]")):
        parse_problem(raw)


def test_missing_required_field_is_named() -> None:
    raw = _raw()
    del raw["units"][0]["charges_eur"]
    with pytest.raises(ProblemError, match=r"units\[0\]\.charges_eur"):
        parse_problem(raw)


def test_duplicate_ids_are_rejected() -> None:
    raw = _raw()
    raw["units"].append(dict(raw["units"][0]))
    with pytest.raises(ProblemError, match=r"units\[1\]\.id"):
        parse_problem(raw)


def test_money_and_areas_are_exact_integers() -> None:
    inst = build_instance(parse_problem(_raw()))
    assert inst.ceiling_cents.tolist() == [42010]
    assert inst.cost_cents.tolist() == [42010]  # 350.10 + 70.00, no float drift
    assert inst.area_tenths.tolist() == [505]


def test_policy_overrides_are_flat_and_checked() -> None:
    pol = resolve_policy(
        {"min_area_m2_by_size": {"1": 30}, "under_occupation_factor": "1.5", "proximity_other": 0}
    )
    assert pol.min_area_tenths[1] == 300
    assert pol.min_area_tenths[2] == 380  # missing keys keep the defaults
    assert pol.under_occupation_factor_bp == 15000
    assert pol.fit_params["proximity_other"] == 0
    with pytest.raises(ProblemError, match=r"policy\.no_such_key"):
        resolve_policy({"no_such_key": 1})
    with pytest.raises(ProblemError, match=r"policy\.indigent_quota_share"):
        resolve_policy({"indigent_quota_share": "0.12345"})
    with pytest.raises(ProblemError, match=r"policy\.affordability_max_share"):
        resolve_policy({"affordability_max_share": "0.5"})


def test_cli_prints_the_result(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(_raw()), encoding="utf-8")
    assert main([str(path)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "optimal"
    assert [a["household_id"] for a in result["assignments"]] == ["h1"]


def test_cli_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = _raw()
    raw["households"][0]["max_rent_eur"] = 1.001
    path = tmp_path / "p.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    assert main([str(path)]) == 2
    assert "households[0].max_rent_eur" in capsys.readouterr().err
    path.write_text("{not json", encoding="utf-8")
    assert main([str(path)]) == 2
    assert main([str(tmp_path / "missing.json")]) == 2
