"""Landlord onboarding: a person with a codice fiscale or an organisation with a partita IVA."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from landlords.unit_schemas import Name
from shared.errors import FieldError
from shared.fiscal_codes import is_valid_codice_fiscale, is_valid_partita_iva


class LegalForm(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"


class LandlordKind(StrEnum):
    PRIVATE = "private"
    SAS_OPERATOR = "sas_operator"
    COOPERATIVE = "cooperative"
    PUBLIC_OWNER = "public_owner"


class ContactChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


Upper = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z0-9]{11,16}$")
]
Digits = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{11}$")]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9]{6,15}$")]
# Italian plus the languages of the province's largest foreign communities (DOMAIN 5.4).
Language = Literal["it", "en", "ro", "ar", "pa", "hi", "fr"]


class LandlordOnboarding(BaseModel):
    """What a caseworker records to onboard a landlord: identity, kind and contacts."""

    model_config = ConfigDict(extra="forbid")

    legal_form: LegalForm
    kind: LandlordKind
    display_name: Name
    codice_fiscale: Upper | None = None
    partita_iva: Digits | None = None
    email: Email | None = None
    phone: Phone | None = None
    preferred_channel: ContactChannel = ContactChannel.EMAIL
    language: Language = "it"


def validate_landlord(*, landlord: LandlordOnboarding, prefix: str = "/body") -> list[FieldError]:
    """Identity and contact rules the schema cannot express; messages never repeat the codes."""
    errors: list[FieldError] = []

    def err(path: str, code: str, message: str) -> None:
        errors.append(FieldError(pointer=f"{prefix}/{path}", code=code, message=message))

    cf, piva = landlord.codice_fiscale, landlord.partita_iva
    if landlord.legal_form is LegalForm.PERSON:
        if landlord.kind is not LandlordKind.PRIVATE:
            err("kind", "kind_requires_organisation", "Only a private landlord can be a person.")
        if cf is None:
            err("codice_fiscale", "missing", "A person is identified by a codice fiscale.")
        elif not is_valid_codice_fiscale(cf):
            err("codice_fiscale", "invalid_codice_fiscale", "The codice fiscale is not valid.")
    else:
        if piva is None:
            err("partita_iva", "missing", "An organisation is identified by a partita IVA.")
        # An organisation's codice fiscale is 11 digits with the partita IVA's check digit.
        if cf is not None and not is_valid_partita_iva(cf):
            err(
                "codice_fiscale",
                "invalid_codice_fiscale",
                "An organisation's codice fiscale is 11 digits with a valid check digit.",
            )
    if piva is not None and not is_valid_partita_iva(piva):
        err("partita_iva", "invalid_partita_iva", "The partita IVA is not valid.")
    if landlord.email is None and landlord.phone is None:
        err("email", "contact_required", "Give an email address or a phone number.")
    channel_field = {ContactChannel.EMAIL: landlord.email, ContactChannel.SMS: landlord.phone}
    if channel_field[landlord.preferred_channel] is None and (landlord.email or landlord.phone):
        err(
            "preferred_channel",
            "channel_without_contact",
            "The preferred channel needs its contact (email for email, phone for sms).",
        )
    return errors
