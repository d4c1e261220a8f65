"""Delivery failures, split by what the sender does next: retry later, or record a failure."""

from __future__ import annotations

# Transient failures after which the provider may have accepted the message all the same (its
# answer was lost): until the retry settles it, such a message keeps its place under the caps.
MAYBE_SENT = frozenset(
    {
        "sms_timeout",
        "sms_network",
        "sms_5xx",
        "sms_409",
        "sms_425",
        "sms_bad_response",
        "sms_unexpected_status",
        "smtp_timeout",
    }
)


class DeliveryError(Exception):
    """`code` is a short constant for metrics and `MessageFailed.error_code`; never an address."""

    def __init__(self, code: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.retry_after_s = retry_after_s


class TransientDeliveryError(DeliveryError):
    """Retry with backoff: the provider or the network failed, or our credentials need fixing."""


class PermanentDeliveryError(DeliveryError):
    """Retrying the same message cannot succeed: record the failure (and maybe use another channel)."""


class OfferClosed(DeliveryError):
    """The offer was answered, expired or withdrawn before its message went out: nothing to send,
    and nothing failed (the household already heard, or will, through the closing message)."""
