"""The state machine of a case. Every change of status goes through `transition()`: it locks
the row, checks ALLOWED_TRANSITIONS and the actor's role, applies the change, writes a hash-
chained CaseEvent in the same transaction and queues side effects on commit."""

from collections.abc import Callable
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centers.choices import Role
from centers.models import Center, Membership
from governance.workdays import workdays_between
from metrics.services import rollups_mark_dirty

from ..choices import ALLOWED_TRANSITIONS, SIDE_ACTIONS, SYSTEM, Action
from ..deadlines import level_workdays
from ..facts import step_facts
from ..models import CaseEvent, Dispute

__all__ = [
    "DisputeError",
    "DisputeTransitionError",
    "DisputePermissionError",
    "DisputeConflictError",
    "actor_roles",
    "allowed_actions",
    "can_take",
    "permission_refusal",
    "role_allows",
    "transition",
    "record_event",
]


class DisputeError(Exception):
    """A domain error with a message for the person acting (Chinese, translated)."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class DisputeTransitionError(DisputeError):
    """The action is not allowed in the case's current state (or its arguments are wrong)."""


class DisputePermissionError(DisputeError):
    """The actor's role does not allow the action here."""


class DisputeConflictError(DisputeError):
    """Someone else changed the case first: the form the actor saw is stale."""


def actor_roles(actor, center: Center) -> set[str]:
    """Roles `actor` holds at `center` or at any center above it (None = the system)."""
    if actor is None:
        return {SYSTEM}
    if not actor.is_active:
        return set()
    if actor.is_superuser:
        return {Role.ADMIN}
    return set(
        Membership.objects.filter(
            user=actor,
            center__is_active=True,
            center__tree_id=center.tree_id,
            center__lft__lte=center.lft,
            center__rght__gte=center.rght,
        ).values_list("role", flat=True)
    )


def _may_see(actor, dispute: Dispute) -> bool:
    """Whoever acts as a person must be able to see the case (the subtree rule and the
    confidential flag): a service called from anywhere refuses what the pages would hide."""
    if actor is None or actor.is_superuser:
        return True
    return Dispute.objects.visible_to(actor).filter(pk=dispute.pk).exists()


def allowed_actions(dispute: Dispute, actor) -> list[Action]:
    """The workflow steps `actor` may take on the case now (to show only the right buttons)."""
    roles = actor_roles(actor, dispute.current_center)
    return [
        action
        for action, rule in ALLOWED_TRANSITIONS.items()
        if action not in SIDE_ACTIONS and dispute.status in rule.sources and roles & rule.roles
    ]


def can_take(dispute: Dispute, actor, action: Action) -> bool:
    """Whether `actor` may take `action` on the case now (for side actions such as attaching
    a file or revealing a phone number, which the UI offers where they belong)."""
    rule = ALLOWED_TRANSITIONS[action]
    return dispute.status in rule.sources and bool(
        actor_roles(actor, dispute.current_center) & rule.roles
    )


def role_allows(dispute: Dispute, actor, action: Action) -> bool:
    """Whether `actor`'s roles at the case's center allow `action` at all, whatever the
    case's status (an API refuses such a request with a 403 before reading its body)."""
    return bool(actor_roles(actor, dispute.current_center) & ALLOWED_TRANSITIONS[action].roles)


def permission_refusal(action: Action) -> DisputePermissionError:
    """The error of an actor whose role does not allow `action` on the case."""
    return DisputePermissionError(
        _("您的岗位无权对该案件执行“%(action)s”。") % {"action": action.label}
    )


def record_event(
    dispute: Dispute,
    *,
    action: str,
    actor,
    from_status: str,
    reason: str = "",
    data: dict | None = None,
) -> CaseEvent:
    """Append an event to the case's chain. Call inside the transaction that changed the case
    (the case row must be locked so that sequence numbers cannot race). Every event records
    the deadline values in force after the step (level, when the case entered it, the limit
    in working days, the deadline, working days used); `data` adds the step's own values."""
    now = timezone.now()
    clock = {
        "level": dispute.level,
        "level_entered_at": dispute.level_entered_at,
        "level_deadline": dispute.level_deadline,
        "level_workdays": dispute.level_workdays or level_workdays(dispute.level),
        "workdays_used": workdays_between(dispute.level_entered_at, now),
    }
    previous = (
        CaseEvent.objects.filter(dispute=dispute).order_by("-seq").values("seq", "hash").first()
    )
    event = CaseEvent(
        dispute=dispute,
        seq=(previous["seq"] + 1) if previous else 1,
        action=action,
        from_status=from_status,
        to_status=dispute.status,
        actor=actor,
        center=dispute.current_center,
        reason=reason,
        data=_jsonable({**clock, **(data or {})}),
        created_at=now,
        prev_hash=previous["hash"] if previous else "",
    )
    event.hash = event.compute_hash()
    event.save()
    # The chain's anchor on the case: how many events and the last one's hash.
    dispute.events_recorded = event.seq
    dispute.last_event_hash = event.hash
    Dispute.objects.filter(pk=dispute.pk).update(
        events_recorded=event.seq, last_event_hash=event.hash
    )
    return event


def _jsonable(value):
    """Dates and datetimes as ISO strings, at any depth (the event's data is JSON)."""
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def transition(
    dispute_id: int,
    action: Action,
    *,
    actor,
    reason: str = "",
    expected_version: int | None = None,
    apply: Callable[[Dispute], dict | None] | None = None,
    on_commit: Callable[[Dispute], None] | None = None,
) -> Dispute:
    """Run `action` on the case: lock, check table and role, `apply` the action's own changes
    (it returns the values to record in the event), save, append the event, and schedule
    `on_commit`. Raises DisputeError subclasses; nothing is written when it raises."""
    rule = ALLOWED_TRANSITIONS[action]
    reason = (reason or "").strip()
    with transaction.atomic():
        dispute = (
            Dispute.objects.select_for_update()
            .select_related("current_center", "receiving_center")
            .get(pk=dispute_id)
        )
        if expected_version is not None and dispute.version != expected_version:
            raise DisputeConflictError(
                _("该案件刚被他人更新（当前状态：%(status)s），请刷新页面后再操作。")
                % {"status": dispute.get_status_display()}
            )
        if dispute.status not in rule.sources:
            raise DisputeTransitionError(
                _("案件当前状态为“%(status)s”，不能执行“%(action)s”。")
                % {"status": dispute.get_status_display(), "action": action.label}
            )
        if not actor_roles(actor, dispute.current_center) & rule.roles or not _may_see(
            actor, dispute
        ):
            raise permission_refusal(action)
        if rule.reason_required and not reason:
            raise DisputeTransitionError(
                _("“%(action)s”必须填写理由。") % {"action": action.label}, field="reason"
            )
        from_status = dispute.status
        closed_before = dispute.closed_at
        data = (apply(dispute) if apply else None) or {}
        if rule.changes_case and rule.target is not None:
            dispute.status = rule.target
        facts = step_facts(dispute, action)
        if rule.changes_case:
            dispute.version += 1
            dispute.save()
        elif facts:
            dispute.save(update_fields=facts)
        record_event(
            dispute, action=action, actor=actor, from_status=from_status, reason=reason, data=data
        )
        # The metric months this step may change: the case's intake month (its cohort),
        # this month (closures, follow-ups) and the month of a closure it undid.
        rollups_mark_dirty(dispute, dispute.created_at, timezone.now(), closed_before)
        if on_commit is not None:
            transaction.on_commit(lambda: on_commit(dispute))
    return dispute
