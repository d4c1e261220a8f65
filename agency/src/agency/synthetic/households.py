"""Registry registration bodies (POST /v1/households) from the matching generator's draws (§6.3)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from agency.synthetic.names import BY_LANGUAGE
from agency.synthetic.people import Person, PersonMaker
from matching.generator import HouseholdDraws, Territory, norm
from shared.policy import Policy

_ADULT = 18  # codice civile art. 2: a parent is an adult
_DAYS_IN_YEAR = 365
_LONG_TERM_PERMIT_SINCE_YEARS = 10  # a long-term permit was issued within this many years


def _pair(section: dict[str, Any], key: str) -> tuple[int, int]:
    lo, hi = (int(x) for x in section[key])
    return lo, hi


class HouseholdBuilder:
    """Turns one index of `HouseholdDraws` into a full, valid registration body."""

    def __init__(
        self,
        *,
        policy: Policy,
        terr: Territory,
        draws: HouseholdDraws,
        people: PersonMaker,
        rng: np.random.Generator,
        seed: int,
    ) -> None:
        self.policy = policy
        self.terr = terr
        self.d = draws
        self.people = people
        self.rng = rng
        self.seed = seed
        self.today = people.today
        self.cfg = policy.section("generator.payloads")
        self.isee_cfg = policy.section("generator.households.isee")
        self.isbar = policy.section("generator.households.isbar")
        self.flags = policy.section("generator.households.flags")
        self.foreign = self._foreign_draws()
        langs = self.cfg["foreign_language_share"]
        self.languages = list(langs)
        self.language_p = norm([float(v) for v in langs.values()])

    def _foreign_draws(self) -> npt.NDArray[np.bool_]:
        """Foreign citizenship, conditioned on size so 30 % of foreign households have 4+ members."""
        gen = self.policy.section("generator.households")
        share = float(gen["foreign_share"])
        large_given_foreign = float(gen["foreign_size_4plus_share"])
        sizes = gen["size_share"]
        total = sum(float(v) for v in sizes.values())
        large = sum(float(v) for k, v in sizes.items() if int(k) >= 4) / total
        p_large = min(1.0, share * large_given_foreign / large)
        p_small = min(1.0, share * (1 - large_given_foreign) / (1 - large))
        p = np.where(self.d.sizes >= 4, p_large, p_small)
        return self.rng.random(len(self.d.sizes)) < p

    def _age(self, key: str) -> int:
        lo, hi = _pair(self.cfg, key)
        return int(self.rng.integers(lo, hi + 1))

    def _applicant_age(self, i: int) -> int:
        if self.d.very_old[i]:
            return self._age("age_75_range")
        if self.d.old[i]:
            return self._age("age_65_range")
        return self._age("adult_age_range")

    def _members(
        self, i: int, applicant: Person, age: int, language: str
    ) -> list[tuple[Person, str]]:
        names = BY_LANGUAGE[language]
        size = int(self.d.sizes[i])
        single_parent = bool(self.d.events["single_parent_with_minors"][i]) and size >= 2
        members: list[tuple[Person, str]] = []
        youngest_parent = age
        if size >= 2 and not single_parent:
            gap_lo, gap_hi = _pair(self.cfg, "partner_age_gap_years")
            # The eldest member sets the age tier: a partner stays within the applicant's.
            lo, hi = _pair(self.cfg, "adult_age_range")
            if self.d.very_old[i]:
                hi = _pair(self.cfg, "age_75_range")[1]
            elif self.d.old[i]:
                hi = _pair(self.cfg, "age_65_range")[1]
            partner_age = int(np.clip(age + self.rng.integers(gap_lo, gap_hi + 1), lo, hi))
            partner = self.people.person(
                names, age=partner_age, female=not applicant.female, family_name=None
            )
            members.append((partner, "spouse"))
            youngest_parent = min(age, partner_age)
        key = "minor_age_range" if single_parent else "child_age_range"
        lo, hi = _pair(self.cfg, key)
        hi = min(hi, youngest_parent - _ADULT)
        for _ in range(size - 1 - len(members)):
            child_age = int(self.rng.integers(lo, max(lo, hi) + 1))
            child = self.people.person(
                names, age=child_age, family_name=applicant.family_name, female=None
            )
            members.append((child, "child"))
        return members

    def _disability(self, i: int) -> dict[str, Any] | None:
        if not self.d.disabled[i]:
            return None
        if self.d.severe[i]:
            return {"category": "handicap", "disability_pct": 100, "severe_handicap": True}
        lo, hi = _pair(self.cfg, "disability_other_pct_range")
        return {"category": "invalidity", "disability_pct": int(self.rng.integers(lo, hi + 1))}

    def _legal_status(self, language: str, foreign: bool) -> dict[str, Any]:
        if not foreign:
            return {"citizenship": "italian"}
        if language == "ro":
            return {"citizenship": "eu"}
        if self.rng.random() < float(self.cfg["non_eu_long_term_permit_share"]):
            since = self.today - timedelta(
                days=int(self.rng.integers(1, _LONG_TERM_PERMIT_SINCE_YEARS * _DAYS_IN_YEAR))
            )
            permit: dict[str, Any] = {"kind": "eu_long_term", "valid_from": since.isoformat()}
        else:
            lo, hi = _pair(self.cfg, "permit_valid_years")
            until = self.today + timedelta(days=int(self.rng.integers(lo, hi + 1)) * _DAYS_IN_YEAR)
            since = self.today - timedelta(days=int(self.rng.integers(1, _DAYS_IN_YEAR)))
            permit = {
                "kind": "ordinary",
                "valid_from": since.isoformat(),
                "valid_until": until.isoformat(),
            }
        return {"citizenship": "non_eu", "permit": permit, "regular_work": True}

    def _isee(self, i: int) -> dict[str, Any]:
        start = date(self.today.year, 1, 1)
        issued = start + timedelta(days=int(self.rng.integers(0, (self.today - start).days + 1)))
        scale = [Decimal(str(x)) for x in self.isee_cfg["equivalence_scale"]]
        extra = Decimal(str(self.isee_cfg["equivalence_scale_extra_member"]))
        size = int(self.d.sizes[i])
        eq = scale[min(size, len(scale)) - 1] + extra * max(0, size - len(scale))
        return {
            "value_cents": round(float(self.d.isee_eur[i]) * 100),
            "issued_on": issued.isoformat(),
            "equivalence_scale": str(eq.quantize(Decimal("0.0001"))),
        }

    def _isbar(self, i: int) -> str:
        c = self.isbar
        severe = bool(self.d.severe[i])
        value = (
            float(c["base"])
            + float(c["eviction"]) * self.d.events["eviction_in_progress"][i]
            + float(c["disabled_severe"]) * severe
            + float(c["disabled_other"]) * (bool(self.d.disabled[i]) and not severe)
            + float(c["age_65_plus"]) * self.d.old[i]
            + float(c["single_parent_with_minors"]) * self.d.events["single_parent_with_minors"][i]
            + float(c["overcrowded"]) * self.d.events["overcrowded"][i]
            + float(c["new_family"]) * self.d.events["new_family"][i]
            + float(c["per_1000_eur_isee"]) * float(self.d.isee_eur[i]) / 1000
            + self.rng.normal(0, float(c["noise_sigma"]))
        )
        return str(Decimal(str(float(np.clip(value, 0, 100)))).quantize(Decimal("0.01")))

    def _contacts(self, i: int, applicant: Person) -> tuple[dict[str, Any], dict[str, Any]]:
        local = f"{applicant.given_name}.{applicant.family_name}".lower().replace(" ", "")
        email = f"{local}.{self.seed}.{i}@example.org"
        mobile = f"+393{int(self.rng.integers(10**8, 10**9)):09d}"
        sms = bool(self.rng.random() < float(self.cfg["sms_consent_share"]))
        prefer_sms = sms and bool(self.rng.random() < float(self.cfg["sms_preferred_share"]))
        contacts = {
            "email": email,
            "mobile": mobile,
            "preferred_channel": "sms" if prefer_sms else "email",
        }
        consents = {"data_processing": True, "contact_email": True, "contact_sms": sms}
        return contacts, consents

    def build(self, i: int) -> dict[str, Any]:
        d, names = self.d, self.terr.names
        foreign = bool(self.foreign[i])
        language = str(self.rng.choice(self.languages, p=self.language_p)) if foreign else "it"
        age = self._applicant_age(i)
        applicant = self.people.person(BY_LANGUAGE[language], age=age, female=None)
        members = self._members(i, applicant, age, language)
        disability = self._disability(i)
        # The disabled person is the applicant or, in larger households, a drawn member.
        disabled_at = int(self.rng.integers(0, len(members) + 1)) if disability else -1
        applicant_body = applicant.body() | ({"disability": disability} if disabled_at == 0 else {})
        member_bodies = [
            p.body()
            | {"relation": relation}
            | ({"disability": disability} if disabled_at == k + 1 else {})
            for k, (p, relation) in enumerate(members)
        ]
        contacts, consents = self._contacts(i, applicant)
        body: dict[str, Any] = {
            "reference": f"SYN-{self.seed}-{i:06d}",
            "applicant": applicant_body,
            "members": member_bodies,
            "residence_comune": names[int(d.residence[i])],
            "work_comune": names[int(d.work[i])] if d.work[i] >= 0 else None,
            "resides_in_lombardy": True,
            "works_in_lombardy": bool(d.work[i] >= 0),
            "legal_status": self._legal_status(language, foreign),
            "isee": self._isee(i),
            "net_monthly_income_cents": int(d.income_cents[i]),
            "housing_condition": "overcrowded" if d.events["overcrowded"][i] else "adequate",
            "categories": {
                "new_family": bool(d.events["new_family"][i]),
                "social_services_referral": bool(d.events["social_services_referral"][i]),
            },
            "isbar": self._isbar(i),
            "needs": {
                "step_free": bool(d.step_free[i]),
                "wheelchair": bool(d.wheelchair[i]),
                "low_floor": bool(d.low_floor[i]),
            },
            "preferences": {
                "acceptable_comuni": [names[c] for c in d.acceptable[i]],
                "pets": bool(d.pets[i]),
                "smoker": bool(d.smoker[i]),
            },
            "contacts": contacts,
            "language": language,
            "consents": consents,
        }
        if d.events["eviction_in_progress"][i]:
            lo, hi = _pair(self.cfg, "eviction_age_days")
            ordered = self.today - timedelta(days=int(self.rng.integers(lo, hi + 1)))
            body["eviction"] = {"kind": "sfratto", "ordered_on": ordered.isoformat()}
        return body
