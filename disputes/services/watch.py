"""The deadline watch (Celery jobs call these): warnings (预警) when a share of a level's
working days is used, overdue marks at the deadline, and the ladder — an overdue case rises
to the parent center (上报) with a fresh deadline, and at the top it becomes a supervision
order (督办) on the unit holding it.

Each case is handled in its own transaction: the row is locked with SKIP LOCKED (a case
another scan holds is left to it), the condition is checked again inside the lock, and the
automatic escalation of a case from a level happens at most once per cycle (a unique
constraint backs this up). Running a scan twice, or two at once, changes nothing more than
running it once; a scan killed half-way leaves every case either done or untouched."""

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from centers.choices import Role
from centers.models import Membership
from governance.workdays import workdays_between
from notifications.messages import render_message
from notifications.services import notify

from ..choices import ALLOWED_TRANSITIONS, OPEN_STATUSES, Action
from ..deadlines import level_rule
from ..models import Dispute, Escalation
from .transitions import transition

__all__ = [
    "ScanResult",
    "deadline_scan",
    "dispute_handlers",
    "dispute_warn",
    "dispute_overdue",
    "record_escalation",
]

logger = logging.getLogger(__name__)

HANDLER_ROLES = (Role.MEDIATOR, Role.STAFF, Role.DIRECTOR)


@dataclass
class ScanResult:
    warned: int = 0
    overdue: int = 0
    escalated: int = 0
    supervised: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "warned": self.warned,
            "overdue": self.overdue,
            "escalated": self.escalated,
            "supervised": self.supervised,
            "skipped": self.skipped,
        }


def supervision_workdays() -> int:
    """The working days a supervision order (督办) gives the responsible unit (default 10)."""
    return int(getattr(settings, "DISPUTE_SUPERVISION_WORKDAYS", 10))


def dispute_handlers(dispute: Dispute) -> list:
    """Who is told about the case: its mediator, else the handling roles of its center."""
    if dispute.mediator_id and dispute.mediator.is_active:
        return [dispute.mediator]
    memberships = Membership.objects.filter(
        center_id=dispute.current_center_id, role__in=HANDLER_ROLES, user__is_active=True
    ).select_related("user")
    return [membership.user for membership in memberships]


def _directors(center) -> list:
    memberships = Membership.objects.filter(
        center=center, role=Role.DIRECTOR, user__is_active=True
    ).select_related("user")
    return [membership.user for membership in memberships]


def _case_url(dispute: Dispute) -> str:
    return reverse("disputes:detail", kwargs={"tracking_number": dispute.tracking_number})


def _tell(recipients, kind: str, dispute: Dispute, **context) -> None:
    """Put the message `kind` (its text from the message templates) in the recipients'
    inboxes, about this case."""
    title, body = render_message(kind, {"dispute": dispute, **context})
    notify(recipients, kind=kind, title=title, body=body, dispute=dispute, url=_case_url(dispute))


def record_escalation(
    dispute: Dispute,
    *,
    kind: str,
    automatic: bool,
    actor,
    from_center,
    from_level: str,
    entered_at: datetime,
    missed_deadline,
    reason: str,
    new_deadline=None,
) -> Escalation:
    """The ladder's audit row of an escalation or a supervision order. Call inside the
    transition's transaction; an automatic duplicate raises IntegrityError (rolled back)."""
    return Escalation.objects.create(
        dispute=dispute,
        kind=kind,
        cycle=dispute.reopen_count,
        automatic=automatic,
        actor=actor,
        from_center=from_center,
        to_center=dispute.current_center,
        from_level=from_level,
        to_level=dispute.level,
        reason=reason,
        level_entered_at=entered_at,
        missed_deadline=missed_deadline,
        workdays_held=workdays_between(entered_at, timezone.now()),
        new_deadline=new_deadline,
    )


def _lock_due(pk: int, **conditions) -> Dispute | None:
    """The case locked for this scan, if it still meets `conditions` and no other scan
    holds it (SKIP LOCKED); None otherwise."""
    return (
        Dispute.objects.select_for_update(skip_locked=True)
        .filter(pk=pk, status__in=OPEN_STATUSES, **conditions)
        .first()
    )


def dispute_warn(*, dispute_id: int, now: datetime | None = None) -> bool:
    """预警: tell the handlers the case has used the warning share of its level's working
    days. Returns False when there is nothing to do (already warned, moved on, or locked)."""
    now = now or timezone.now()
    with transaction.atomic():
        case = _lock_due(dispute_id, warned_at__isnull=True, warn_at__lte=now)
        if case is None:
            return False

        def apply(dispute: Dispute) -> dict:
            dispute.warned_at = now
            dispute.save(update_fields=["warned_at"])
            return {"warn_at": case.warn_at}

        dispute = transition(dispute_id, Action.WARN_DEADLINE, actor=None, apply=apply)
        _tell(dispute_handlers(dispute), "deadline_warning", dispute)
    return True


def dispute_overdue(*, dispute_id: int, now: datetime | None = None) -> str:
    """At the deadline: mark the case overdue and, where its rule says so, move it up the
    ladder (上报) or, at the top, order supervision (督办). Returns what happened: "",
    "overdue", "escalated" or "supervised"."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            return _overdue(dispute_id, now)
    except IntegrityError:
        # Another scan escalated this case from this level first: nothing more to do.
        logger.info("case %s was escalated by another scan", dispute_id)
        return ""


def _overdue(dispute_id: int, now: datetime) -> str:
    case = _lock_due(dispute_id, is_overdue=False, level_due_at__lte=now)
    if case is None:
        return ""
    source = case.current_center
    missed = case.level_deadline

    def mark(dispute: Dispute) -> dict:
        dispute.is_overdue = dispute.was_overdue = True
        dispute.save(update_fields=["is_overdue", "was_overdue"])
        return {"level_due_at": case.level_due_at}

    transition(dispute_id, Action.MARK_OVERDUE, actor=None, apply=mark)
    rule = level_rule(case.level, category_id=case.category_id, risk_level=case.risk_level)
    climbs = rule.auto_escalate and case.status in ALLOWED_TRANSITIONS[Action.ESCALATE].sources
    _tell(
        dispute_handlers(case) + _directors(source),
        "overdue",
        case,
        deadline=missed,
        escalates=climbs,
    )
    if not climbs:
        return "overdue"
    parent = source.parent
    if parent is not None and parent.is_active:
        return _escalate(case, parent, missed)
    if case.status in ALLOWED_TRANSITIONS[Action.SUPERVISE].sources:
        return _supervise(case, missed)
    return "overdue"


def _escalate(case: Dispute, parent, missed) -> str:
    from .lifecycle import dispute_escalate

    reason = _("超过%(level)s办理期限（%(deadline)s）未化解，自动上报。") % {
        "level": case.get_level_display(),
        "deadline": missed,
    }
    source = case.current_center
    dispute = dispute_escalate(dispute_id=case.pk, actor=None, reason=reason, automatic=True)
    _tell(
        dispute_handlers(dispute) + _directors(parent),
        "escalated",
        dispute,
        source=source,
        reason=reason,
    )
    return "escalated"


def _supervise(case: Dispute, missed) -> str:
    from .lifecycle import dispute_supervise

    reason = _("已在最高一级超期（%(deadline)s）未化解，自动督办。") % {"deadline": missed}
    dispute = dispute_supervise(dispute_id=case.pk, actor=None, reason=reason, automatic=True)
    _tell(
        dispute_handlers(dispute) + _directors(dispute.current_center),
        "supervised",
        dispute,
        reason=reason,
    )
    return "supervised"


def _after_each_case() -> None:
    """TESTS ONLY: sleep settings.DISPUTE_SCAN_STEP_DELAY seconds (0 outside the fault drills
    of tests/drills/, which use it to kill a worker half-way through a scan)."""
    delay = settings.DISPUTE_SCAN_STEP_DELAY
    if delay:
        time.sleep(delay)


def deadline_scan(*, now: datetime | None = None, batch: int = 1000) -> ScanResult:
    """One pass of the deadline watch over the cases falling due (read from two partial
    indexes, so the cost follows the number due, not the number of cases)."""
    now = now or timezone.now()
    result = ScanResult()
    warn_ids = list(
        Dispute.objects.filter(status__in=OPEN_STATUSES, warned_at__isnull=True, warn_at__lte=now)
        .order_by("warn_at")
        .values_list("pk", flat=True)[:batch]
    )
    for pk in warn_ids:
        if dispute_warn(dispute_id=pk, now=now):
            result.warned += 1
        else:
            result.skipped += 1
        _after_each_case()
    due_ids = list(
        Dispute.objects.filter(status__in=OPEN_STATUSES, is_overdue=False, level_due_at__lte=now)
        .order_by("level_due_at")
        .values_list("pk", flat=True)[:batch]
    )
    for pk in due_ids:
        outcome = dispute_overdue(dispute_id=pk, now=now)
        _after_each_case()
        if not outcome:
            result.skipped += 1
            continue
        result.overdue += 1
        if outcome == "escalated":
            result.escalated += 1
        elif outcome == "supervised":
            result.supervised += 1
    return result
