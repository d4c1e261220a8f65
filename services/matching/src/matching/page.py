"""Rendering of the household page (Italian and English, mobile first): Jinja2 with autoescaping."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from jinja2 import Environment, PackageLoader, select_autoescape

from matching.schemas import HouseholdReason
from matching.service.links import PageData

_env = Environment(
    loader=PackageLoader("matching", "templates"),
    autoescape=select_autoescape(["html"]),
)
LANGUAGES = ("it", "en")
REASONS: tuple[str, ...] = HouseholdReason.__args__  # type: ignore[attr-defined]

TEXT: dict[str, dict[str, Any]] = {
    "it": {
        "title": "La sua proposta di alloggio",
        "comune": "Comune",
        "area": "Superficie",
        "bedrooms": "Camere da letto",
        "floor": "Piano",
        "lift": "Ascensore",
        "rent": "Canone mensile",
        "charges": "Spese mensili",
        "respond_by": "Rispondere entro",
        "visit": "La visita si prenota con il suo operatore dell'Agenzia.",
        "accept": "Accetto l'alloggio",
        "decline": "Rifiuto l'alloggio",
        "reason": "Motivo del rifiuto",
        "choose": "Scelga un motivo",
        "send": "Invia la risposta",
        "yes": "sì",
        "no": "no",
        "answered": "Questa proposta ha già una risposta o non è più aperta.",
        "result": {
            "accept": "Grazie: abbiamo registrato che accetta l'alloggio.",
            "decline": "Grazie: abbiamo registrato il suo rifiuto. Il suo operatore la contatterà.",
            "closed": "Questa proposta non è più aperta.",
            "invalid": "Risposta non valida: per rifiutare scelga un motivo. Torni indietro e riprovi.",
        },
        "reasons": {
            "COST_ABOVE_HARD_CAP": "Costo troppo alto per il nucleo",
            "UNIT_NOT_AS_DESCRIBED": "L'alloggio non è come descritto",
            "UNIT_UNSAFE": "L'alloggio non è sicuro",
            "HEALTH_INCOMPATIBLE": "Incompatibile con la salute",
            "FAMILY_CHANGE": "Cambiamento nella famiglia",
            "WORK_OR_CARE_DISTANCE": "Troppo lontano da lavoro o cure",
            "OTHER_SERIOUS_DOCUMENTED": "Altro motivo grave documentato",
            "PREFERENCE": "Preferenza personale",
            "VISIT_NO_SHOW": "Non ho potuto fare la visita",
        },
    },
    "en": {
        "title": "Your housing offer",
        "comune": "Municipality",
        "area": "Floor area",
        "bedrooms": "Bedrooms",
        "floor": "Floor",
        "lift": "Lift",
        "rent": "Monthly rent",
        "charges": "Monthly charges",
        "respond_by": "Answer by",
        "visit": "Visits are booked through your caseworker at the Agency.",
        "accept": "I accept the home",
        "decline": "I decline the home",
        "reason": "Reason for declining",
        "choose": "Choose a reason",
        "send": "Send my answer",
        "yes": "yes",
        "no": "no",
        "answered": "This offer already has an answer or is no longer open.",
        "result": {
            "accept": "Thank you: we recorded that you accept the home.",
            "decline": "Thank you: we recorded that you decline. Your caseworker will contact you.",
            "closed": "This offer is no longer open.",
            "invalid": "Invalid answer: to decline, choose a reason. Go back and try again.",
        },
        "reasons": {
            "COST_ABOVE_HARD_CAP": "Cost too high for the household",
            "UNIT_NOT_AS_DESCRIBED": "The home is not as described",
            "UNIT_UNSAFE": "The home is not safe",
            "HEALTH_INCOMPATIBLE": "Incompatible with health needs",
            "FAMILY_CHANGE": "A change in the family",
            "WORK_OR_CARE_DISTANCE": "Too far from work or care",
            "OTHER_SERIOUS_DOCUMENTED": "Another serious, documented reason",
            "PREFERENCE": "Personal preference",
            "VISIT_NO_SHOW": "I could not attend the visit",
        },
    },
}


def language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return str(asked)
    accept = request.headers.get("accept-language", "").lower()
    return "en" if accept.startswith("en") else "it"


def offer_page(data: PageData, *, lang: str, timezone: str) -> str:
    respond_by = datetime.fromisoformat(str(data.offer["respond_by"])).astimezone(
        ZoneInfo(timezone)
    )
    return _env.get_template("household/offer.html").render(
        t=TEXT[lang],
        lang=lang,
        unit=data.unit,
        respond_by=respond_by.strftime("%d/%m/%Y %H:%M"),
        respond_token=data.respond_token,
        reasons=REASONS,
    )


def result_page(outcome: str, *, lang: str) -> str:
    return _env.get_template("household/result.html").render(
        t=TEXT[lang], lang=lang, message=TEXT[lang]["result"][outcome]
    )
