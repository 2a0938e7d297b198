"""What the fault drills share: the slow-test marks and a batch of overdue cases with the
check that each was escalated exactly once."""

import os
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from centers.choices import CenterLevel
from disputes.choices import Action
from disputes.models import CaseEvent, Dispute, Escalation
from disputes.selectors import verify_event_chain

__all__ = ["SLOW", "Tally", "escalated_count", "make_overdue", "overdue_cases", "tally"]

# Real worker processes and dozens of cases: only with ZONGZHI_SLOW_TESTS=1 (CI sets it).
SLOW = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("ZONGZHI_SLOW_TESTS") != "1", reason="set ZONGZHI_SLOW_TESTS=1 to run"
    ),
]


def make_overdue(*, ids: list[int]) -> None:
    """Move the clocks of these cases back: warned already, overdue an hour ago (the watch
    runs on the real time, in a worker process, so the cases travel rather than the clock)."""
    now = timezone.now()
    Dispute.objects.filter(pk__in=ids).update(
        warn_at=now - timedelta(hours=2),
        warned_at=now - timedelta(hours=2),
        level_due_at=now - timedelta(hours=1),
    )


def overdue_cases(*, register, n: int) -> list[int]:
    """`n` cases registered at the village center, all overdue and due to climb to the
    township; their ids."""
    ids = [register(summary=f"排水纠纷 {i + 1}").dispute.pk for i in range(n)]
    make_overdue(ids=ids)
    return ids


@dataclass(frozen=True)
class Tally:
    """How the ladder treated a batch of overdue village cases."""

    expected: int
    found: int  # escalated exactly once, village → township, on a fresh clock there
    lost: int  # not escalated at all
    # more than one escalation (from any level, so also a second (case, from_level) row), or
    # other than one overdue mark and one escalation in the case's events
    duplicated: int
    broken_chains: int

    @property
    def ok(self) -> bool:
        return (self.found, self.lost, self.duplicated, self.broken_chains) == (
            self.expected,
            0,
            0,
            0,
        )

    def __str__(self) -> str:
        return (
            f"expected={self.expected} found={self.found} lost={self.lost} "
            f"duplicated={self.duplicated} broken_chains={self.broken_chains}"
        )


def escalated_count(*, ids: list[int]) -> int:
    """How many of these cases have been escalated so far (committed rows)."""
    return Escalation.objects.filter(dispute_id__in=ids).values("dispute").distinct().count()


def tally(*, ids: list[int]) -> Tally:
    """Count, for each case, its escalations and its overdue/escalate events, and verify
    its audit chain."""
    escalations = dict(
        Escalation.objects.filter(dispute_id__in=ids)
        .values_list("dispute")
        .annotate(n=Count("id"))
        .values_list("dispute", "n")
    )
    events = dict(
        CaseEvent.objects.filter(
            dispute_id__in=ids, action__in=[Action.MARK_OVERDUE, Action.ESCALATE]
        )
        .values_list("dispute")
        .annotate(n=Count("id"))
        .values_list("dispute", "n")
    )
    cases = Dispute.objects.filter(pk__in=ids).in_bulk()
    found = lost = duplicated = broken = 0
    for pk in ids:
        count = escalations.get(pk, 0)
        if count == 0:
            lost += 1
        elif count > 1 or events.get(pk, 0) != 2:
            duplicated += 1
        elif cases[pk].level == CenterLevel.TOWNSHIP and not cases[pk].is_overdue:
            found += 1
        if not verify_event_chain(cases[pk]).ok:
            broken += 1
    return Tally(
        expected=len(ids), found=found, lost=lost, duplicated=duplicated, broken_chains=broken
    )
