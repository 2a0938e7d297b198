"""Follow-up (回访) and the resident's rating (群众评单): after closure someone other than the
handler asks the resident; 满意/基本满意 settles the case, 不满意 reopens it (重办) and a
second follow-up (二次回访) follows its next closure; no answer in time is "unreachable"."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from centers.choices import Role
from centers.models import Membership
from governance.workdays import add_workdays
from notifications.messages import render_message, render_sms
from notifications.services import notify, sms_queue

from ..choices import Action, FollowUpStatus, PartySide, Satisfaction, Status
from ..deadlines import demo_workday_seconds
from ..models import CaseEvent, Dispute, FollowUp
from .lifecycle import reopen_apply
from .transitions import DisputeTransitionError, transition

__all__ = [
    "FollowUpScanResult",
    "dispute_start_follow_up",
    "dispute_rate_satisfied",
    "dispute_follow_up_unreachable",
    "follow_up_record",
    "follow_up_scan",
    "follow_up_after_workdays",
]

logger = logging.getLogger(__name__)


def follow_up_after_workdays() -> int:
    """Working days after closure when the follow-up starts (default 3)."""
    return int(getattr(settings, "DISPUTE_FOLLOW_UP_AFTER_WORKDAYS", 3))


def _answer_workdays() -> int:
    """Working days the resident has to answer before the follow-up counts as unreachable."""
    return int(getattr(settings, "DISPUTE_FOLLOW_UP_ANSWER_WORKDAYS", 5))


def _reopen_goes_up() -> bool:
    """不满意 reopens the case one level up (True) or at the same level (False, default)."""
    return bool(getattr(settings, "DISPUTE_REOPEN_ONE_LEVEL_UP", False))


def _follow_up_caller(dispute: Dispute):
    """Someone other than the handler: staff or a director of the handling center (else of
    the receiving center, else of the parent), who neither mediated nor closed the case."""
    handlers = {dispute.mediator_id}
    handlers.update(
        CaseEvent.objects.filter(dispute=dispute, action=Action.CLOSE).values_list(
            "actor_id", flat=True
        )
    )
    handlers.discard(None)
    for center in (dispute.current_center, dispute.receiving_center, dispute.current_center.parent):
        if center is None:
            continue
        candidate = (
            Membership.objects.filter(
                center=center, role__in=[Role.STAFF, Role.DIRECTOR], user__is_active=True
            )
            .exclude(user_id__in=handlers)
            .select_related("user")
            .order_by("role", "user_id")
            .first()
        )
        if candidate is not None:
            return candidate.user
    return None


def dispute_start_follow_up(
    *,
    dispute_id: int,
    actor,
    assigned_to=None,
    expected_version: int | None = None,
) -> Dispute:
    """回访 begins: a FollowUp for this cycle (二次回访 after a reopen) given to someone other
    than the handler, who is told in their inbox; the applicants get an SMS with how to
    rate. Refused if this cycle already had one."""
    today = timezone.localdate()

    def apply(dispute: Dispute) -> dict:
        caller = assigned_to or _follow_up_caller(dispute)
        if caller is not None and caller.pk == dispute.mediator_id:
            raise DisputeTransitionError(_("回访人不能是该案的调解员。"), field="assigned_to")
        if FollowUp.objects.filter(dispute=dispute, cycle=dispute.reopen_count).exists():
            raise DisputeTransitionError(_("本轮回访已开始。"))
        follow_up = FollowUp.objects.create(
            dispute=dispute,
            cycle=dispute.reopen_count,
            center=dispute.current_center,
            assigned_to=caller,
            due_on=add_workdays(today, _answer_workdays()),
            **{f"{field}_id": getattr(dispute, f"{field}_id") for field in FollowUp.PLACE_FIELDS},
        )
        _tell_about_follow_up(dispute, follow_up)
        return {
            "follow_up": follow_up.pk,
            "cycle": follow_up.cycle,
            "assigned_to": caller.pk if caller else None,
            "due_on": follow_up.due_on,
        }

    return transition(
        dispute_id,
        Action.START_FOLLOW_UP,
        actor=actor,
        apply=apply,
        expected_version=expected_version,
    )


def _tell_about_follow_up(dispute: Dispute, follow_up: FollowUp) -> None:
    context = {"dispute": dispute, "follow_up": follow_up}
    if follow_up.assigned_to is not None:
        title, body = render_message("follow_up", context)
        notify(
            [follow_up.assigned_to],
            kind="follow_up",
            title=title,
            body=body,
            dispute=dispute,
            url=reverse("disputes:detail", kwargs={"tracking_number": dispute.tracking_number}),
        )
    text = render_sms("follow_up", context)
    phones = dispute.parties.filter(side=PartySide.APPLICANT).exclude(phone="")
    for phone in dict.fromkeys(phones.values_list("phone", flat=True)):
        if phone.startswith("1") and len(phone) == 11:  # mobiles only
            sms_queue(phone=phone, body=text, kind="follow_up", dispute=dispute)


def follow_up_record(
    *,
    dispute_id: int,
    actor,
    rating: str,
    comment: str = "",
    expected_version: int | None = None,
) -> Dispute:
    """群众评单: record the resident's rating (by staff after a call, or by the resident
    online: actor None). 满意/基本满意 settle the case; 不满意 reopens it (重办) at the same
    level or one level up (DISPUTE_REOPEN_ONE_LEVEL_UP), and its next closure brings a
    second follow-up."""
    if rating not in Satisfaction.values:
        raise DisputeTransitionError(_("请选择满意、基本满意或不满意。"), field="rating")
    comment = (comment or "").strip()
    unsatisfied = rating == Satisfaction.UNSATISFIED

    def apply(dispute: Dispute) -> dict:
        follow_up = (
            FollowUp.objects.select_for_update()
            .filter(dispute=dispute, cycle=dispute.reopen_count, status=FollowUpStatus.OPEN)
            .first()
        )
        if follow_up is None:
            raise DisputeTransitionError(_("没有进行中的回访，不能评价。"))
        follow_up.status = FollowUpStatus.ANSWERED
        follow_up.rating = rating
        follow_up.comment = comment
        follow_up.answered_by = actor
        follow_up.answered_at = follow_up.ended_at = timezone.now()
        follow_up.save()
        data = {"follow_up": follow_up.pk, "rating": rating, "by_resident": actor is None}
        if unsatisfied:
            data.update(reopen_apply(dispute, up=_reopen_goes_up()))
        return data

    label = Satisfaction(rating).label
    reason = f"{label}：{comment}" if comment else str(label)
    return transition(
        dispute_id,
        Action.RATE_UNSATISFIED if unsatisfied else Action.RATE_SATISFIED,
        actor=actor,
        reason=reason,
        apply=apply,
        expected_version=expected_version,
    )


def dispute_rate_satisfied(
    *, dispute_id: int, actor, comment: str = "", expected_version: int | None = None
) -> Dispute:
    """群众评单: satisfied (满意)."""
    return follow_up_record(
        dispute_id=dispute_id,
        actor=actor,
        rating=Satisfaction.SATISFIED,
        comment=comment,
        expected_version=expected_version,
    )


def dispute_follow_up_unreachable(
    *, dispute_id: int, actor=None, note: str = "", expected_version: int | None = None
) -> Dispute:
    """The resident could not be reached before the follow-up's answer deadline: counted
    apart from the ratings (it is neither satisfied nor unsatisfied)."""

    def apply(dispute: Dispute) -> dict:
        follow_up = (
            FollowUp.objects.select_for_update()
            .filter(dispute=dispute, cycle=dispute.reopen_count, status=FollowUpStatus.OPEN)
            .first()
        )
        if follow_up is None:
            raise DisputeTransitionError(_("没有进行中的回访。"))
        follow_up.status = FollowUpStatus.UNREACHABLE
        follow_up.ended_at = timezone.now()
        follow_up.save(update_fields=["status", "ended_at"])
        return {"follow_up": follow_up.pk, "due_on": follow_up.due_on}

    return transition(
        dispute_id,
        Action.FOLLOW_UP_UNREACHABLE,
        actor=actor,
        reason=note,
        apply=apply,
        expected_version=expected_version,
    )


@dataclass
class FollowUpScanResult:
    started: int = 0
    unreachable: int = 0
    skipped: int = 0

    def as_dict(self) -> dict:
        return {"started": self.started, "unreachable": self.unreachable, "skipped": self.skipped}


def _closed_long_enough(closed_at: datetime, now: datetime) -> bool:
    seconds = demo_workday_seconds()
    if seconds:
        return closed_at + timedelta(seconds=follow_up_after_workdays() * seconds) <= now
    return add_workdays(closed_at, follow_up_after_workdays()) <= timezone.localdate(now)


def follow_up_scan(*, now: datetime | None = None, batch: int = 1000) -> FollowUpScanResult:
    """Periodic: start the follow-ups due (closed N working days ago, none yet this cycle)
    and mark unanswered ones unreachable after their answer deadline. Each case in its own
    transaction under SKIP LOCKED; a second run finds nothing left to do."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = FollowUpScanResult()
    # N working days are at least N calendar days: a cheap bound on the partial index.
    seconds = demo_workday_seconds()
    bound = now - (
        timedelta(seconds=follow_up_after_workdays() * seconds)
        if seconds
        else timedelta(days=follow_up_after_workdays())
    )
    closed = (
        Dispute.objects.filter(status=Status.CLOSED, closed_at__lte=bound)
        .order_by("closed_at")
        .values_list("pk", "closed_at")[:batch]
    )
    for pk, closed_at in closed:
        if not _closed_long_enough(closed_at, now):
            continue
        try:
            with transaction.atomic():
                case = (
                    Dispute.objects.select_for_update(skip_locked=True)
                    .filter(pk=pk, status=Status.CLOSED)
                    .first()
                )
                if (
                    case is None
                    or FollowUp.objects.filter(dispute=case, cycle=case.reopen_count).exists()
                ):
                    result.skipped += 1
                    continue
                dispute_start_follow_up(dispute_id=pk, actor=None)
                result.started += 1
        except (DisputeTransitionError, IntegrityError):
            result.skipped += 1
    overdue = (
        FollowUp.objects.filter(status=FollowUpStatus.OPEN, due_on__lt=today)
        .order_by("due_on")
        .values_list("dispute_id", flat=True)[:batch]
    )
    for dispute_id in overdue:
        try:
            with transaction.atomic():
                case = (
                    Dispute.objects.select_for_update(skip_locked=True)
                    .filter(pk=dispute_id, status=Status.FOLLOW_UP)
                    .first()
                )
                if case is None:
                    result.skipped += 1
                    continue
                dispute_follow_up_unreachable(
                    dispute_id=dispute_id, note=_("答复期限内未联系上申请人。")
                )
                result.unreachable += 1
        except DisputeTransitionError:
            result.skipped += 1
    return result
