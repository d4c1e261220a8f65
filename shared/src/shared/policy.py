"""The versioned policy file and the comuni list, loaded exactly (decimals, basis points, cents)."""

from __future__ import annotations

import csv
import logging
import tomllib
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from importlib import resources
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

_FORBIDDEN_ELIGIBILITY_WORDS = ("residence_years", "residence_duration", "years_of_residence")


class PolicyError(ValueError):
    """The policy file breaks a rule the software must never run with."""


@dataclass(frozen=True)
class Comune:
    name: str
    population: int
    over_5000: bool


@dataclass(frozen=True)
class Policy:
    """A parsed policy document. Decimals stay `Decimal`; helpers convert to basis points and cents."""

    raw: dict[str, Any]
    comuni: tuple[Comune, ...]

    @property
    def version(self) -> str:
        return str(self.raw["meta"]["policy_version"])

    def section(self, dotted: str) -> dict[str, Any]:
        node: Any = self.raw
        for part in dotted.split("."):
            node = node[part]
        if not isinstance(node, dict):
            raise PolicyError(f"policy section {dotted} is not a table")
        return node

    def value(self, dotted: str) -> Any:
        *head, last = dotted.split(".")
        return self.section(".".join(head))[last] if head else self.raw[last]

    def comune_names(self) -> frozenset[str]:
        return frozenset(c.name for c in self.comuni)


def to_bp(share: Decimal | int | float | str) -> int:
    """A share as integer basis points (0.30 -> 3000), exact for decimal input."""
    bp = Decimal(str(share)) * 10000
    if bp != bp.to_integral_value():
        raise PolicyError(f"share {share} has more precision than a basis point")
    return int(bp)


def to_cents(euros: Decimal | int | float | str) -> int:
    """Euros (at most two decimals) as integer cents."""
    cents = Decimal(str(euros)) * 100
    if cents != cents.to_integral_value():
        raise PolicyError(f"amount {euros} has more than two decimals")
    return int(cents)


def cents_to_eur(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)


def ceil_share(n: int, bp: int) -> int:
    return (n * bp + 9999) // 10000


def floor_share(n: int, bp: int) -> int:
    return (n * bp) // 10000


def _packaged(name: str) -> str:
    return (resources.files("shared") / "config" / name).read_text(encoding="utf-8")


def load_comuni(text: str | None = None) -> tuple[Comune, ...]:
    rows = csv.DictReader((text if text is not None else _packaged("comuni.csv")).splitlines())
    return tuple(
        Comune(
            name=row["name"],
            population=int(row["population"]),
            over_5000=row["over_5000"].strip().lower() == "true",
        )
        for row in rows
    )


def validate_policy(raw: dict[str, Any]) -> None:
    """Reject a policy that filters on residence duration or lets the affordability share pass its cap."""
    for name, section in raw.items():
        if name.startswith("eligibility") and isinstance(section, dict):
            for key in section:
                if any(word in key for word in _FORBIDDEN_ELIGIBILITY_WORDS):
                    raise PolicyError(
                        f"{name}.{key}: eligibility may not depend on years of residence "
                        "(C. cost. 44/2020)"
                    )
    aff = raw.get("affordability", {})
    if (
        "affordability_max_share" in aff
        and "affordability_hard_cap" in aff
        and to_bp(aff["affordability_max_share"]) > to_bp(aff["affordability_hard_cap"])
    ):
        raise PolicyError("affordability.affordability_max_share exceeds affordability_hard_cap")
    if Decimal(str(raw.get("priority", {}).get("residence_duration", 0))) > 0:
        logger.warning("policy priority.residence_duration > 0 is legally exposed")


def load_policy(path: Path | None = None) -> Policy:
    """Load the policy file (the packaged defaults when `path` is None) and the 47 comuni."""
    text = path.read_text(encoding="utf-8") if path is not None else _packaged("policy.toml")
    raw = tomllib.loads(text, parse_float=Decimal)
    validate_policy(raw)
    return Policy(raw=raw, comuni=load_comuni())
