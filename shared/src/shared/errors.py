"""Domain errors that carry their HTTP meaning, rendered as RFC 9457 problems by shared.runtime."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class FieldError:
    """One invalid field: a JSON pointer, a stable rule code and a message that never echoes input."""

    pointer: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"pointer": self.pointer, "code": self.code, "message": self.message}


class DomainError(Exception):
    """Base of every error a request may end in; `problem_type` is the URN suffix."""

    status: ClassVar[int] = 400
    problem_type: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"
    headers: ClassVar[dict[str, str]] = {}

    def __init__(
        self, detail: str | None = None, *, extra: dict[str, object] | None = None
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.extra = extra or {}


class Invalid(DomainError):
    status = 422
    problem_type = "validation"
    title = "Request is invalid"

    def __init__(self, errors: list[FieldError], detail: str | None = None) -> None:
        super().__init__(detail, extra={"errors": [e.as_dict() for e in errors]})
        self.errors = errors


class Unauthenticated(DomainError):
    status = 401
    problem_type = "unauthenticated"
    title = "Authentication required"
    headers = {"WWW-Authenticate": "Bearer"}


class ReauthenticationRequired(DomainError):
    """A valid token whose sign-in is too old for this action (RFC 9470 step-up)."""

    status = 401
    problem_type = "reauthentication-required"
    title = "Sign in again to do this"
    headers = {
        "WWW-Authenticate": 'Bearer error="insufficient_user_authentication", '
        'error_description="A recent sign-in is required"'
    }


class Forbidden(DomainError):
    status = 403
    problem_type = "forbidden"
    title = "Not allowed"


class NotFound(DomainError):
    status = 404
    problem_type = "not-found"
    title = "Not found"


class Conflict(DomainError):
    status = 409
    problem_type = "conflict"
    title = "Conflict with the current state"


class OfferNotOpen(Conflict):
    problem_type = "offer-not-open"
    title = "The offer is no longer open"


class UnitTaken(Conflict):
    problem_type = "unit-taken"
    title = "The unit is already in an open offer"


class IdempotencyKeyMissing(DomainError):
    status = 400
    problem_type = "idempotency-key-missing"
    title = "An Idempotency-Key header is required"


class IdempotencyKeyReused(DomainError):
    status = 422
    problem_type = "idempotency-key-reused"
    title = "The Idempotency-Key was used with another request"


class IdempotencyKeyInFlight(Conflict):
    problem_type = "idempotency-key-in-flight"
    title = "A request with this Idempotency-Key is in progress"
    headers = {"Retry-After": "1"}


class RateLimited(DomainError):
    status = 429
    problem_type = "rate-limited"
    title = "Too many requests"

    def __init__(self, retry_after_s: int) -> None:
        super().__init__()
        self.retry_after_s = retry_after_s


class Unavailable(DomainError):
    status = 503
    problem_type = "unavailable"
    title = "Service temporarily unavailable"
    headers = {"Retry-After": "5"}
