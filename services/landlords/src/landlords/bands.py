"""Canone concordato bands by comune, zone and unit type, and the integer band check (DOMAIN 3.6)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from landlords.rules_policy import LandlordsRules, decimal_value
from shared.policy import PolicyError

_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Band:
    """Rent bounds in euro cents per m2 of conventional surface per month."""

    comune: str
    zone: str
    unit_type: str
    min_cents_m2: int
    max_cents_m2: int
    placeholder: bool

    def contains(self, *, rent_cents: int, surface_tenths: int) -> bool:
        # rent / (tenths / 10) within [min, max], cross-multiplied to stay in integers.
        scaled = rent_cents * 10
        return self.min_cents_m2 * surface_tenths <= scaled <= self.max_cents_m2 * surface_tenths


@dataclass(frozen=True)
class BandTable:
    bands: dict[tuple[str, str, str], Band]
    zones_by_comune: dict[str, tuple[str, ...]]
    default_zone: str
    unit_type_by_rooms: tuple[str, ...]
    placeholder: bool

    def zones_for(self, comune: str) -> tuple[str, ...]:
        return self.zones_by_comune.get(comune, (self.default_zone,))

    def has_own_zones(self, comune: str) -> bool:
        return self.zones_for(comune) != (self.default_zone,)

    def unit_type_for_rooms(self, rooms: int) -> str:
        return self.unit_type_by_rooms[min(rooms, len(self.unit_type_by_rooms)) - 1]

    def band_for(self, *, comune: str, zone: str | None, rooms: int) -> Band | None:
        key = (comune, zone or self.default_zone, self.unit_type_for_rooms(rooms))
        return self.bands.get(key)


def rent_cents_per_m2(*, rent_cents: int, surface_tenths: int) -> int:
    """Rent per m2 in cents, rounded down: for display only; the check uses `Band.contains`."""
    return (rent_cents * 10) // surface_tenths


def build_band_table(rules: LandlordsRules) -> BandTable:
    """The configured bands: explicit `[[accordo.bands]]`, or the labelled placeholders."""
    if rules.accordo.band_source == "explicit":
        return _explicit(rules)
    return _placeholder(rules)


def _placeholder(rules: LandlordsRules) -> BandTable:
    """share x market mean EUR/m2 of the unit's type and zone (DOMAIN 6.4), until the accordo is loaded."""
    policy = rules.policy
    rents = policy.section("generator.rents")
    zones_cfg: dict[str, Any] = policy.section(str(policy.value("accordo.accordo_zones_source")))
    lo_share, hi_share = (decimal_value(s) for s in rents["placeholder_band_share"])
    index = decimal_value(rents["rent_index"])
    other_factor = decimal_value(rents["other_comuni_factor"])
    base = {str(t): decimal_value(v) * index for t, v in rents["eur_m2_cremona"].items()}
    # Zone multipliers are rescaled so the city's mean rent stays the configured one.
    share_sum = sum((decimal_value(z["share"]) for z in zones_cfg.values()), Decimal(0))
    mean_mult = (
        sum(
            (
                decimal_value(z["share"]) * decimal_value(z["rent_multiplier"])
                for z in zones_cfg.values()
            ),
            Decimal(0),
        )
        / share_sum
    )
    capofila = rules.capofila
    default_zone = rules.accordo.default_zone
    types = set(rules.accordo.unit_type_by_rooms)
    if not types <= set(base):
        raise PolicyError(
            "generator.rents.eur_m2_cremona lacks a unit type of accordo.unit_type_by_rooms"
        )
    bands: dict[tuple[str, str, str], Band] = {}
    for comune in sorted(rules.comune_names):
        if comune == capofila:
            factors = {
                str(z): decimal_value(cfg["rent_multiplier"]) / mean_mult
                for z, cfg in zones_cfg.items()
            }
        else:
            factors = {default_zone: other_factor}
        for zone, factor in factors.items():
            for unit_type in types:
                mean = base[unit_type] * factor
                bands[(comune, zone, unit_type)] = Band(
                    comune=comune,
                    zone=zone,
                    unit_type=unit_type,
                    min_cents_m2=_cents(lo_share * mean, rounding=ROUND_FLOOR),
                    max_cents_m2=_cents(hi_share * mean, rounding=ROUND_CEILING),
                    placeholder=True,
                )
    return BandTable(
        bands=bands,
        zones_by_comune={capofila: tuple(str(z) for z in zones_cfg)},
        default_zone=default_zone,
        unit_type_by_rooms=rules.accordo.unit_type_by_rooms,
        placeholder=True,
    )


def _explicit(rules: LandlordsRules) -> BandTable:
    bands: dict[tuple[str, str, str], Band] = {}
    zones: dict[str, list[str]] = {}
    for raw in rules.accordo.raw_bands:
        comune, zone, unit_type = str(raw["comune"]), str(raw["zone"]), str(raw["unit_type"])
        if comune not in rules.comune_names:
            raise PolicyError(f"accordo band for {comune!r}, which is not in the Ambito")
        if unit_type not in rules.accordo.unit_type_by_rooms:
            raise PolicyError(f"accordo band with unknown unit type {unit_type!r}")
        band = Band(
            comune=comune,
            zone=zone,
            unit_type=unit_type,
            min_cents_m2=_cents(decimal_value(raw["min_eur_m2"]), rounding=ROUND_FLOOR),
            max_cents_m2=_cents(decimal_value(raw["max_eur_m2"]), rounding=ROUND_CEILING),
            placeholder=False,
        )
        if band.min_cents_m2 > band.max_cents_m2 or (comune, zone, unit_type) in bands:
            raise PolicyError(f"accordo band {comune}/{zone}/{unit_type} is inverted or repeated")
        bands[(comune, zone, unit_type)] = band
        if zone not in zones.setdefault(comune, []):
            zones[comune].append(zone)
    return BandTable(
        bands=bands,
        zones_by_comune={c: tuple(z) for c, z in zones.items()},
        default_zone=rules.accordo.default_zone,
        unit_type_by_rooms=rules.accordo.unit_type_by_rooms,
        placeholder=False,
    )


def _cents(eur: Decimal, *, rounding: str) -> int:
    # Bounds round outwards (min down, max up): a rent the accordo allows is never refused.
    return int((eur / _CENT).quantize(Decimal(1), rounding=rounding))
