"""The answers the demo simulates: acceptances, a justified and an unjustified refusal, a landlord
refusal, landlord confirmations and an expiry, each through the path a real person uses.

Every offer of the round gets one role. Refusals and the expiry free units, and each freed unit
is re-optimised (and approved) before the next, so no re-optimisation is deferred. Offers made
by those re-optimisations are accepted too, because the expiry sweep closes every offer still
unanswered at the deadline and the demo wants exactly one expiry; the last re-optimisation's
offers stay open for the reader to answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from agency.demo import expiry, landlord
from agency.demo.api import DemoApi, DemoError
from agency.demo.household import Inbox, answer_by_link, offer_link
from agency.demo.reoptimise import after_freeing, reoptimisation_ids
from agency.stack import StackPaths

UNANSWERED = ("approved", "sent", "visit_booked")
ROLES = ("accept", "justified", "unjustified", "expiry", "landlord_refusal")
JUSTIFIED_REASON = "UNIT_NOT_AS_DESCRIBED"  # justified after the caseworker's check (DOMAIN 4.8)
UNJUSTIFIED_REASON = "PREFERENCE"
LANDLORD_REASON = "MOVE_IN_DATE_MISMATCH"

Say = Callable[[str], None]


def plan(offers: list[dict[str, Any]]) -> dict[str, str]:
    """offer id -> role; one of each role first, then acceptances (offers sorted by id)."""
    ordered = sorted(offers, key=lambda o: str(o["id"]))
    return {str(o["id"]): ROLES[i] if i < len(ROLES) else "accept" for i, o in enumerate(ordered)}


@dataclass
class Tally:
    by_link: int = 0
    by_caseworker: int = 0
    landlord_confirmed: int = 0
    reoptimisations: int = 0
    reoffered: int = 0
    expired: int = 0
    notes: list[str] = field(default_factory=list)


class Answers:
    def __init__(self, api: DemoApi, *, paths: StackPaths, say: Say) -> None:
        self.api = api
        self.paths = paths
        self.say = say
        self.inbox = Inbox(paths.var)
        self.keys = landlord.landlord_keys(paths.var)
        self.tally = Tally()

    def offer(self, offer_id: str) -> dict[str, Any]:
        got: dict[str, Any] = self.api.get("matching", f"/v1/offers/{offer_id}")
        return got

    def household(self, offer: dict[str, Any], *, answer: str, reason: str | None = None) -> bool:
        """Through the link in the household's message; the caseworker records it if none came."""
        if self.offer(str(offer["id"]))["status"] not in UNANSWERED:
            return False
        link = offer_link(self.api, self.inbox, offer=offer)
        if link is not None:
            answer_by_link(self.api, link, answer=answer, reason_code=reason)
            self.tally.by_link += 1
            return True
        body = {"answer": answer, **({"reason_code": reason} if reason else {})}
        self.api.call(
            "POST",
            "matching",
            f"/v1/offers/{offer['id']}/response",
            headers=self.api.staff(keyed=True),
            json=body,
        )
        self.tally.by_caseworker += 1
        return True

    def classify(self, offer_id: str, classification: str) -> None:
        if self.offer(offer_id)["classification"] != "pending":
            return
        self.api.call(
            "POST",
            "matching",
            f"/v1/offers/{offer_id}/classification",
            headers=self.api.staff(keyed=True),
            json={"classification": classification},
        )

    def landlord(self, offer: dict[str, Any], *, decision: str, reason: str | None = None) -> bool:
        current = self.offer(str(offer["id"]))
        if current["landlord_answer"] is not None or not current["open"]:
            return False
        key = self.keys.get(str(offer["landlord_id"]))
        if key is None:
            self.tally.notes.append("a landlord's API key is missing from var/; it did not answer")
            return False
        landlord.decide(
            self.api, key=key, offer_id=str(offer["id"]), decision=decision, reason_code=reason
        )
        if decision == "accept":
            self.tally.landlord_confirmed += 1
        return True

    def accept_both(self, offers: list[dict[str, Any]]) -> None:
        for offer in offers:
            self.household(offer, answer="accept")
            self.landlord(offer, decision="accept")

    def freeing(self, act: Callable[[], bool], *, answer_new: bool) -> None:
        """Do something that frees a unit, then see its re-optimisation through."""
        before = reoptimisation_ids(self.api)
        if not act():
            return  # done by an earlier run of the demo
        try:
            offers = after_freeing(self.api, before=before)
        except DemoError as exc:
            self.tally.notes.append(str(exc))
            return
        self.tally.reoptimisations += 1
        self.tally.reoffered += len(offers)
        if answer_new:
            self.accept_both(offers)

    def run(self, offers: list[dict[str, Any]]) -> None:
        roles = plan(offers)
        by_role: dict[str, list[dict[str, Any]]] = {}
        for offer in offers:
            by_role.setdefault(roles[str(offer["id"])], []).append(offer)
        accepted = by_role.get("accept", [])
        self.say(f"  {len(accepted)} households accept and their landlords confirm")
        self.accept_both(accepted)
        for offer in by_role.get("justified", []):
            self.say(
                f"  a household declines ({JUSTIFIED_REASON}); a caseworker finds it justified"
            )
            self.freeing(
                partial(self._refuse, offer, JUSTIFIED_REASON, "justified"), answer_new=True
            )
        for offer in by_role.get("unjustified", []):
            self.say(
                f"  a household declines ({UNJUSTIFIED_REASON}); a caseworker finds it unjustified"
            )
            self.freeing(
                partial(self._refuse, offer, UNJUSTIFIED_REASON, "unjustified"), answer_new=True
            )
        for offer in by_role.get("landlord_refusal", []):
            self.say(f"  a household accepts, its landlord refuses ({LANDLORD_REASON})")
            self.freeing(partial(self._landlord_refusal, offer), answer_new=True)
        for offer in by_role.get("expiry", []):
            self.say("  a household never answers: its deadline passes (matching's expiry sweep)")
            self.freeing(partial(self._expire, offer), answer_new=False)

    def _refuse(self, offer: dict[str, Any], reason: str, classification: str) -> bool:
        declined = self.household(offer, answer="decline", reason=reason)
        self.classify(str(offer["id"]), classification)
        return declined

    def _landlord_refusal(self, offer: dict[str, Any]) -> bool:
        self.household(offer, answer="accept")
        return self.landlord(offer, decision="decline", reason=LANDLORD_REASON)

    def _expire(self, offer: dict[str, Any]) -> bool:
        current = self.offer(str(offer["id"]))
        if current["status"] not in UNANSWERED:
            return False
        expired = expiry.sweep_at(self.paths, now=expiry.just_after(str(current["respond_by"])))
        self.tally.expired += expired
        if expired != 1:
            self.tally.notes.append(f"the expiry sweep closed {expired} offers, not one")
        return expired > 0
