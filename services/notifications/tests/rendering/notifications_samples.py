"""Parameter samples for every message kind, from the shortest to the longest values allowed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from notifications.catalog import BOUNDS, MessageKind

LONGEST_COMUNE = "Corte de' Cortesi con Cignone"
MAX_COMUNE = "Grumello Cremonese ed Uniti e Corte de'X"[: BOUNDS.comune_max_chars]
MAX_UNIT_REF = "U" * BOUNDS.unit_ref_max_chars
MAX_CENTS = BOUNDS.money_max_cents - 1  # the most digits, with a cents part
DEADLINE = datetime(2026, 12, 5, 22, 59, tzinfo=UTC)  # 23:59 in Rome
TOKEN = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdEf"  # 44 chars, like the real ones
LINK = f"https://casa.comune.cremona.it/o/{TOKEN}"
MAX_LINK = ("https://abitare.example.org/" + "x" * BOUNDS.link_max_chars)[: BOUNDS.link_max_chars]


def samples(kind: MessageKind, *, comune: str = LONGEST_COMUNE) -> list[dict[str, Any]]:
    """Every branch of the kind's templates, with long values where a value has a length."""
    offer = {
        "programme": "agency",
        "comune": comune,
        "rooms": 3,
        "bedrooms": 2,
        "area_m2": 62,
        "floor": 0,
        "lift": False,
        "step_free": True,
        "rent_cents": 45000,
        "charges_cents": 6050,
        "respond_by": DEADLINE,
    }
    unit = {"unit_ref": MAX_UNIT_REF, "comune": comune}
    table: dict[MessageKind, list[dict[str, Any]]] = {
        MessageKind.APPLICATION_RECEIVED: [{"programme": p} for p in ("agency", "sas", "sap")],
        MessageKind.ELIGIBILITY_OUTCOME: [
            {"programme": "agency", "outcome": "eligible"},
            {"programme": "sap", "outcome": "ineligible", "reasons": ["ECONOMIC_LIMIT"]},
            {
                "programme": "sas",
                "outcome": "ineligible",
                "reasons": [
                    "ECONOMIC_LIMIT",
                    "BELOW_PROGRAMME_MINIMUM",
                    "TERRITORIAL_LINK",
                    "DOCUMENTS_MISSING",
                    "LEGAL_REQUIREMENT",
                    "OTHER",
                ],
            },
        ],
        MessageKind.ROUND_NOT_MATCHED: [
            {"programme": "agency", "reason": r}
            for r in ("NO_FEASIBLE_UNIT", "OUTRANKED", "LOST_TIE_LOTTERY", "QUOTA")
        ]
        + [{"reason": "OUTRANKED"}],
        MessageKind.OFFER_MADE: [
            offer,
            {**offer, "rooms": 1, "bedrooms": 1, "floor": 3, "lift": True, "step_free": False},
            {  # only what matching's offer event carries: the rest is behind the link
                k: offer[k]
                for k in ("programme", "comune", "rent_cents", "charges_cents", "respond_by")
            },
            {
                **offer,
                "rooms": BOUNDS.rooms_max,
                "bedrooms": BOUNDS.rooms_max,
                "floor": -1,
                "rent_cents": MAX_CENTS,
                "charges_cents": MAX_CENTS,
            },
        ],
        MessageKind.OFFER_REMINDER: [{"comune": comune, "respond_by": DEADLINE}],
        MessageKind.OFFER_EXPIRED: [{"comune": comune}],
        MessageKind.VISIT_BOOKED: [{"comune": comune, "visit_at": DEADLINE}],
        MessageKind.OFFER_WITHDRAWN: [
            {"comune": comune, "reason": r}
            for r in ("UNIT_NO_LONGER_AVAILABLE", "APPLICATION_STATUS_CHANGED", "OTHER")
        ],
        MessageKind.TENANCY_AGREED: [
            {"comune": comune},
            {"comune": comune, "sign_by": date(2027, 1, 4)},
        ],
        MessageKind.STATUS_CHANGED: [
            {"programme": "agency", "status": "suspended", "reason": "OFFER_RULES"},
            *(
                {
                    "programme": "sap",
                    "status": "excluded",
                    "reason": r,
                    "until": date(2028, 12, 31),
                    "review_by": date(2026, 12, 31),
                }
                for r in ("OFFER_RULES", "DOCUMENTS_EXPIRED", "REQUIREMENTS_NOT_MET", "OTHER")
            ),
        ],
        MessageKind.LANDLORD_WELCOME: [{}],
        MessageKind.UNIT_RECEIVED: [unit],
        MessageKind.UNIT_PUBLISHED: [unit],
        MessageKind.UNIT_REJECTED: [
            {**unit, "reason": r}
            for r in (
                "OUTSIDE_AMBITO",
                "RENT_OUTSIDE_BAND",
                "DOCUMENTS_MISSING",
                "NOT_HABITABLE",
                "NOT_RESIDENTIAL",
                "FILTER_NOT_ALLOWED",
                "OTHER",
            )
        ],
        MessageKind.OFFER_ON_UNIT: [
            {**unit, "programme": "sas", "household_size": n, "respond_by": DEADLINE} | extra
            for n in (1, BOUNDS.household_size_max)
            for extra in ({}, {"decide_by": DEADLINE + timedelta(days=5)})
        ],
        MessageKind.LANDLORD_VISIT_BOOKED: [{**unit, "visit_at": DEADLINE}],
        MessageKind.HOUSEHOLD_ANSWERED: [{**unit, "answer": a} for a in ("accepted", "declined")],
        MessageKind.LANDLORD_TENANCY_AGREED: [unit, {**unit, "sign_by": date(2027, 1, 4)}],
    }
    return table[kind]
