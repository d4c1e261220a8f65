"""The policy values the engine applies: packaged defaults merged with a problem's flat overrides."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from matching.problem import ProblemError
from shared.policy import Policy, PolicyError, load_policy, to_bp, to_cents

# Sections matching reads or a snapshot may carry; the generator's table is not a rule.
_SKIPPED_SECTIONS = frozenset({"generator"})


@dataclass(frozen=True)
class EnginePolicy:
    """Every threshold of feasibility, quotas and fit, as integers (tenths, basis points, cents)."""

    version: str
    min_area_tenths: tuple[int, ...]  # index = size, the last entry covers every larger size
    habitability_first_four_tenths: int
    habitability_each_further_tenths: int
    under_occupation_factor_bp: int
    studio_max_household_size: int
    step_free_unknown_as: bool
    affordability_includes_charges: bool
    indigent_rent_support_cents: int
    indigent_quota_share_bp: int
    indigent_quota_rounding: str
    police_reserve_share_bp: int
    police_reserve_rounding: str
    local_category_reserve_share_bp: int
    local_category_reserve_rounding: str
    choice_rule: str
    solver_time_limit_s: int
    max_candidates_per_household: int
    fit_weights: dict[str, int]
    fit_params: dict[str, int]
    social_mix_max_share_bp: int
    capofila: str

    def min_area(self, size: int) -> int:
        """H3 minimum in tenths of m2: max(the table's minimum, the habitability floor)."""
        table = self.min_area_tenths[min(size, len(self.min_area_tenths) - 1)]
        first = min(size, 4) * self.habitability_first_four_tenths
        further = max(size - 4, 0) * self.habitability_each_further_tenths
        return max(table, first + further)


def _index(raw: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """Flat name -> path for every key outside the generator (scalar names are unique there)."""
    found: dict[str, tuple[str, ...]] = {}

    def walk(node: dict[str, Any], path: tuple[str, ...]) -> None:
        for key, value in node.items():
            found.setdefault(key, (*path, key))
            found[".".join((*path, key))] = (*path, key)
            if isinstance(value, dict):
                walk(value, (*path, key))

    for name, section in raw.items():
        if name not in _SKIPPED_SECTIONS and isinstance(section, dict):
            walk(section, (name,))
    return found


def _merge(raw: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(raw)
    index = _index(raw)
    for key, value in overrides.items():
        path = index.get(key)
        if path is None:
            raise ProblemError(f"policy.{key}: unknown policy key")
        node: dict[str, Any] = merged
        for part in path[:-1]:
            node = node[part]
        current = node[path[-1]]
        if isinstance(current, dict):
            if not isinstance(value, dict):
                raise ProblemError(f"policy.{key}: expected a table")
            node[path[-1]] = {**current, **{str(k): v for k, v in value.items()}}
        else:
            node[path[-1]] = value
    return merged


def _num(value: Any, where: str) -> Decimal:
    if isinstance(value, bool):
        raise ProblemError(f"policy.{where}: expected a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise ProblemError(f"policy.{where}: expected a number") from exc
    if not number.is_finite() or number < 0:
        raise ProblemError(f"policy.{where}: expected a finite, non-negative number")
    return number


def _int(value: Any, where: str) -> int:
    number = _num(value, where)
    if number != number.to_integral_value():
        raise ProblemError(f"policy.{where}: expected a whole number")
    return int(number)


def _bp(value: Any, where: str) -> int:
    try:
        return to_bp(_num(value, where))
    except PolicyError as exc:
        raise ProblemError(f"policy.{where}: {exc}") from exc


def _tenths(value: Any, where: str) -> int:
    number = _num(value, where) * 10
    if number != number.to_integral_value():
        raise ProblemError(f"policy.{where}: at most one decimal")
    return int(number)


def _size_table(table: dict[str, Any], where: str) -> tuple[int, ...]:
    try:
        sizes = sorted(int(k) for k in table)
    except ValueError as exc:
        raise ProblemError(f"policy.{where}: keys must be household sizes") from exc
    if not sizes or sizes != list(range(1, sizes[-1] + 1)):
        raise ProblemError(f"policy.{where}: sizes must run 1..N without gaps")
    values = [_tenths(table[str(s)], f"{where}.{s}") for s in sizes]
    return (values[0], *values)  # index 0 is never used: sizes start at 1


def _choice(value: Any, allowed: tuple[str, ...], where: str) -> str:
    if value not in allowed:
        raise ProblemError(f"policy.{where}: expected one of {', '.join(allowed)}")
    return str(value)


def resolve_policy(overrides: dict[str, Any], *, base: Policy | None = None) -> EnginePolicy:
    """Defaults from the policy file, overridden by flat keys; bad values name `policy.<key>`."""
    raw = _merge((base or load_policy()).raw, overrides)
    adequacy, quotas, matching = raw["adequacy"], raw["quotas"], raw["matching"]
    params = matching["fit_params"]
    if _bp(raw["affordability"]["affordability_max_share"], "affordability_max_share") > _bp(
        raw["affordability"]["affordability_hard_cap"], "affordability_hard_cap"
    ):
        raise ProblemError("policy.affordability_max_share: exceeds affordability_hard_cap")
    return EnginePolicy(
        version=str(raw["meta"]["policy_version"]),
        min_area_tenths=_size_table(adequacy["min_area_m2_by_size"], "min_area_m2_by_size"),
        habitability_first_four_tenths=_tenths(
            adequacy["habitability_m2_first_four"], "habitability_m2_first_four"
        ),
        habitability_each_further_tenths=_tenths(
            adequacy["habitability_m2_each_further"], "habitability_m2_each_further"
        ),
        under_occupation_factor_bp=_bp(
            adequacy["under_occupation_factor"], "under_occupation_factor"
        ),
        studio_max_household_size=_int(
            adequacy["studio_max_household_size"], "studio_max_household_size"
        ),
        step_free_unknown_as=bool(raw["accessibility"]["step_free_unknown_as"]),
        affordability_includes_charges=bool(raw["affordability"]["affordability_includes_charges"]),
        indigent_rent_support_cents=to_cents(
            _num(raw["affordability"]["indigent_rent_support_eur"], "indigent_rent_support_eur")
        ),
        indigent_quota_share_bp=_bp(quotas["indigent_quota_share"], "indigent_quota_share"),
        indigent_quota_rounding=_choice(
            quotas["indigent_quota_rounding"], ("ceil", "floor"), "indigent_quota_rounding"
        ),
        police_reserve_share_bp=_bp(quotas["police_reserve_share"], "police_reserve_share"),
        police_reserve_rounding=_choice(
            quotas["police_reserve_rounding"], ("ceil", "floor"), "police_reserve_rounding"
        ),
        local_category_reserve_rounding=_choice(
            quotas["local_category_reserve_rounding"],
            ("ceil", "floor"),
            "local_category_reserve_rounding",
        ),
        local_category_reserve_share_bp=_bp(
            quotas["local_category_reserve_share"], "local_category_reserve_share"
        ),
        choice_rule=_choice(matching["choice_rule"], ("max_fit", "serial_choice"), "choice_rule"),
        solver_time_limit_s=_int(matching["solver_time_limit_s"], "solver_time_limit_s"),
        max_candidates_per_household=_int(
            matching["max_candidates_per_household"], "max_candidates_per_household"
        ),
        fit_weights={k: _int(v, f"fit_weights.{k}") for k, v in matching["fit_weights"].items()},
        fit_params={
            k: _int(v, f"fit_params.{k}") for k, v in params.items() if k != "social_mix_max_share"
        },
        social_mix_max_share_bp=_bp(params["social_mix_max_share"], "social_mix_max_share"),
        capofila=str(raw["territory"]["capofila"]),
    )
