"""Reads of the disputes app."""

from dataclasses import dataclass

from .models import CaseEvent, Dispute

__all__ = ["ChainCheck", "dispute_queryset", "verify_event_chain"]


def dispute_queryset(*, user):
    """The cases the user may see: handled now, or received, within their subtrees."""
    return Dispute.objects.visible_to(user)


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    events: int
    broken_seq: int | None = None
    problem: str = ""


def verify_event_chain(dispute: Dispute) -> ChainCheck:
    """Recompute every event's hash and link: the first altered, missing or re-linked event
    is named. Events are read in sequence order, so a deleted event is a gap in `seq`."""
    previous_hash = ""
    count = 0
    for count, event in enumerate(CaseEvent.objects.filter(dispute=dispute).order_by("seq"), 1):
        if event.seq != count:
            return ChainCheck(False, count, event.seq, "gap")
        if event.prev_hash != previous_hash:
            return ChainCheck(False, count, event.seq, "link")
        if event.compute_hash() != event.hash:
            return ChainCheck(False, count, event.seq, "hash")
        previous_hash = event.hash
    return ChainCheck(True, count)
