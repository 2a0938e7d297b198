"""One service function per step of a case (受理、派单、签收、退单、调解、结案、回访、上报 …).
Each is a thin rule-specific layer over `transition()`, which owns locking, the transition
table, roles and the audit event."""

from collections.abc import Sequence

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from centers.choices import Role
from centers.models import Center, Department, Membership

from ..access_codes import access_code_hash
from ..choices import Action, EscalationKind, PartySide
from ..deadlines import extend_clock, level_workdays, start_clock
from ..models import Agreement, Dispute, MediationSession
from ..selectors import reporter_identity_visible
from .intake import check_past_day, check_past_time, new_access_code
from .transitions import DisputePermissionError, DisputeTransitionError, transition

__all__ = [
    "dispute_accept",
    "dispute_not_accept",
    "dispute_assign",
    "dispute_dispatch",
    "dispute_sign",
    "dispute_return",
    "dispute_start_mediation",
    "dispute_record_session",
    "dispute_agree",
    "dispute_fail",
    "agreement_record_performance",
    "dispute_close",
    "dispute_reopen",
    "reopen_apply",
    "dispute_archive",
    "dispute_escalate",
    "dispute_assign_down",
    "dispute_extend",
    "dispute_supervise",
    "party_reveal",
    "dispute_reissue_access_code",
    "RETURN_WINDOW_WORKDAYS",
]

# A unit that objects to an order must return it within 5 working days [XF 23].
RETURN_WINDOW_WORKDAYS = 5


def _max_returns() -> int:
    # Orders shuttling between units are the known failure mode [12345]: cap the bounces.
    return int(getattr(settings, "DISPUTE_MAX_RETURNS", 2))


def _enter_level(dispute: Dispute, center: Center, *, now=None) -> dict:
    """Move the case to `center`. The level's clock restarts only when the level changes;
    moving within a level keeps the deadline (it is never reset by re-routing)."""
    now = now or timezone.now()
    dispute.current_center = center
    data = {"center": center.code}
    if center.level != dispute.level:
        data.update(start_clock(dispute, center.level, now))
    return data


def dispute_accept(*, dispute_id: int, actor, expected_version: int | None = None) -> Dispute:
    """受理: the center takes the case on."""
    return transition(dispute_id, Action.ACCEPT, actor=actor, expected_version=expected_version)


def dispute_not_accept(
    *, dispute_id: int, actor, route: str, expected_version: int | None = None
) -> Dispute:
    """不予受理: refused, with the proper route (litigation, arbitration, 信访 …) stated."""
    return transition(
        dispute_id,
        Action.NOT_ACCEPT,
        actor=actor,
        reason=route,
        expected_version=expected_version,
    )


def dispute_assign(
    *, dispute_id: int, actor, mediator, expected_version: int | None = None
) -> Dispute:
    """分派: give the case to a mediator who works at (or above) the handling center."""

    def apply(dispute: Dispute) -> dict:
        center = dispute.current_center
        holds_role = Membership.objects.filter(
            user=mediator,
            user__is_active=True,
            role__in=[Role.MEDIATOR, Role.STAFF, Role.DIRECTOR],
            center__tree_id=center.tree_id,
            center__lft__lte=center.lft,
            center__rght__gte=center.rght,
        ).exists()
        if not holds_role:
            raise DisputeTransitionError(_("所选人员不是本中心的调解员。"), field="mediator")
        dispute.mediator = mediator
        return {"mediator": mediator.pk}

    return transition(
        dispute_id, Action.ASSIGN, actor=actor, apply=apply, expected_version=expected_version
    )


def dispute_dispatch(
    *,
    dispute_id: int,
    actor,
    center: Center,
    department: Department | None = None,
    assisting: Sequence[Department] = (),
    designated: bool = False,
    note: str = "",
    expected_version: int | None = None,
) -> Dispute:
    """派单/转办: send the order to a center of this subtree, or to a department stationed
    there. Joint matters get one lead unit (主办: the center, or its `department`) and any
    assisting departments (协办) of the same subtree. `designated` marks the center's ruling
    on an objection: that unit cannot return it again [WF 22]."""

    def apply(dispute: Dispute) -> dict:
        source = dispute.current_center
        target = Center.objects.get(pk=center.pk)
        if not target.is_active or not target.is_descendant_of(source, include_self=True):
            raise DisputeTransitionError(_("只能派单给本中心或其下级中心。"), field="center")
        if department is not None and (
            department.center_id != target.pk or not department.is_active
        ):
            raise DisputeTransitionError(_("所选部门不在目标中心。"), field="department")
        if target.pk == source.pk and department is None:
            raise DisputeTransitionError(_("派给本中心时须选择承办部门。"), field="department")
        helpers = list(dict.fromkeys(assisting))
        for helper in helpers:
            helper_center = Center.objects.get(pk=helper.center_id)
            if not helper.is_active or not helper_center.is_descendant_of(
                source, include_self=True
            ):
                raise DisputeTransitionError(
                    _("协办部门须为本中心或其下级中心的入驻部门。"), field="assisting"
                )
            if department is not None and helper.pk == department.pk:
                raise DisputeTransitionError(_("主办部门不能同时作为协办部门。"), field="assisting")
        dispute.assisting_departments.set(helpers)
        dispute.dispatched_by_center = source
        dispute.dispatched_at = timezone.now()
        dispute.department = department
        dispute.designated = designated
        dispute.mediator = None
        data = _enter_level(dispute, target)
        data.update(
            {
                "from_center": source.code,
                "department": department.pk if department else None,
                "assisting": [helper.pk for helper in helpers],
                "designated": designated,
            }
        )
        return data

    return transition(
        dispute_id,
        Action.DISPATCH,
        actor=actor,
        reason=note,
        apply=apply,
        expected_version=expected_version,
    )


def dispute_sign(*, dispute_id: int, actor, expected_version: int | None = None) -> Dispute:
    """签收: the unit the order was sent to signs for it."""
    return transition(dispute_id, Action.SIGN, actor=actor, expected_version=expected_version)


def dispute_return(
    *, dispute_id: int, actor, reason: str, expected_version: int | None = None
) -> Dispute:
    """退单: the unit objects, with reasons, within 5 working days; the order goes back to
    the center that sent it."""
    from governance.workdays import workdays_between

    def apply(dispute: Dispute) -> dict:
        if dispute.designated:
            raise DisputeTransitionError(_("上级指定的承办单位不能再次退单。"))
        if dispute.return_count >= _max_returns():
            raise DisputeTransitionError(
                _("该案件已退单 %(count)d 次，不能再退，请由派单中心指定承办单位。")
                % {"count": dispute.return_count}
            )
        used = workdays_between(
            timezone.localtime(dispute.dispatched_at), timezone.localtime(timezone.now())
        )
        if used > RETURN_WINDOW_WORKDAYS:
            raise DisputeTransitionError(
                _("已超过 %(days)d 个工作日的退单期限。") % {"days": RETURN_WINDOW_WORKDAYS}
            )
        back_to = dispute.dispatched_by_center
        dispute.return_count += 1
        dispute.department = None
        data = _enter_level(dispute, back_to)
        data.update({"returned_by": dispute.current_center.code, "workdays_used": used})
        return data

    return transition(
        dispute_id,
        Action.RETURN,
        actor=actor,
        reason=reason,
        apply=apply,
        expected_version=expected_version,
    )


def dispute_start_mediation(
    *, dispute_id: int, actor, expected_version: int | None = None
) -> Dispute:
    """开始调解 (only with the parties' consent [TJ 17])."""

    def apply(dispute: Dispute) -> dict:
        if dispute.mediator_id is None:
            dispute.mediator = actor
        return {"mediator": dispute.mediator_id}

    return transition(
        dispute_id,
        Action.START_MEDIATION,
        actor=actor,
        apply=apply,
        expected_version=expected_version,
    )


def dispute_record_session(
    *,
    dispute_id: int,
    actor,
    held_at,
    mediators,
    notes: str,
    attendees: str = "",
    outcome: str = "",
    expected_version: int | None = None,
) -> MediationSession:
    """调解记录: one mediation meeting."""
    created = {}

    def apply(dispute: Dispute) -> dict:
        if not (notes or "").strip():
            raise DisputeTransitionError(_("请填写调解经过。"), field="notes")
        check_past_time(
            held_at,
            now=timezone.now(),
            field="held_at",
            too_early=_("调解时间不能早于%(year)d年。"),
            too_late=_("调解时间不能晚于现在。"),
        )
        session = MediationSession(
            dispute=dispute,
            held_at=held_at,
            attendees=attendees,
            notes=notes,
            outcome=outcome,
            recorded_by=actor,
        )
        session.full_clean(exclude=["mediators"])
        session.save()
        session.mediators.set(mediators)
        created["session"] = session
        return {"session": session.pk, "held_at": held_at.isoformat()}

    transition(
        dispute_id,
        Action.RECORD_SESSION,
        actor=actor,
        apply=apply,
        expected_version=expected_version,
    )
    return created["session"]


def dispute_agree(
    *,
    dispute_id: int,
    actor,
    content: str,
    signed_on,
    is_written: bool = True,
    expected_version: int | None = None,
) -> Dispute:
    """调解成功: the parties reached an agreement (调解协议). After a reopen (重办) the new
    agreement replaces the earlier one; the event keeps the earlier text."""

    def apply(dispute: Dispute) -> dict:
        check_past_day(
            signed_on,
            today=timezone.localdate(),
            field="signed_on",
            too_early=_("签订日期不能早于%(year)d年。"),
            too_late=_("签订日期不能晚于今天。"),
        )
        agreement = Agreement.objects.filter(dispute=dispute).first()
        data = {}
        if agreement is None:
            agreement = Agreement(dispute=dispute)
        else:
            data["previous"] = {
                "content": agreement.content,
                "signed_on": agreement.signed_on,
                "written": agreement.is_written,
            }
        agreement.content = content
        agreement.signed_on = signed_on
        agreement.is_written = is_written
        agreement.full_clean()
        agreement.save()
        return {"agreement": agreement.pk, "written": is_written, **data}

    return transition(
        dispute_id, Action.AGREE, actor=actor, apply=apply, expected_version=expected_version
    )


def agreement_record_performance(
    *,
    dispute_id: int,
    actor,
    performance_notes: str,
    judicial_confirmation_applied: bool,
    judicial_confirmation_granted: bool,
    expected_version: int | None = None,
) -> Agreement:
    """履行情况 and 司法确认: how the agreement is being carried out, and whether the parties
    applied to court for judicial confirmation and obtained it. Only an agreement that was
    reached (调解成功) can be followed up; the previous values stay in the event."""
    result = {}

    def apply(dispute: Dispute) -> dict:
        agreement = Agreement.objects.select_for_update().filter(dispute=dispute).first()
        if agreement is None:
            raise DisputeTransitionError(_("该案件没有调解协议。"))
        previous = {
            "performance_notes": agreement.performance_notes,
            "applied": agreement.judicial_confirmation_applied,
            "granted": agreement.judicial_confirmation_granted,
        }
        agreement.performance_notes = (performance_notes or "").strip()
        agreement.judicial_confirmation_applied = judicial_confirmation_applied
        agreement.judicial_confirmation_granted = judicial_confirmation_granted
        agreement.full_clean()
        agreement.save()
        result["agreement"] = agreement
        return {
            "agreement": agreement.pk,
            "previous": previous,
            "applied": judicial_confirmation_applied,
            "granted": judicial_confirmation_granted,
        }

    transition(
        dispute_id,
        Action.RECORD_PERFORMANCE,
        actor=actor,
        apply=apply,
        expected_version=expected_version,
    )
    return result["agreement"]


def dispute_fail(
    *, dispute_id: int, actor, routes: str, expected_version: int | None = None
) -> Dispute:
    """调解未成功: stop, and tell the parties their routes (arbitration, court …) [TJ 26]."""
    return transition(
        dispute_id, Action.FAIL, actor=actor, reason=routes, expected_version=expected_version
    )


def dispute_close(
    *, dispute_id: int, actor, note: str = "", expected_version: int | None = None
) -> Dispute:
    """结案."""

    def apply(dispute: Dispute) -> dict:
        dispute.closed_at = timezone.now()
        on_time = dispute.level_deadline is None or (
            timezone.localdate(dispute.closed_at) <= dispute.level_deadline
        )
        return {"closed_at": dispute.closed_at.isoformat(), "on_time": on_time}

    return transition(
        dispute_id,
        Action.CLOSE,
        actor=actor,
        reason=note,
        apply=apply,
        expected_version=expected_version,
    )


def dispute_reopen(
    *, dispute_id: int, actor, reason: str, expected_version: int | None = None
) -> Dispute:
    """重办: the resident was not satisfied, or the work was not done; the case goes back to
    work at the same level with a fresh deadline."""

    return transition(
        dispute_id,
        Action.REOPEN,
        actor=actor,
        reason=reason,
        apply=reopen_apply,
        expected_version=expected_version,
    )


def reopen_apply(dispute: Dispute, *, up: bool = False) -> dict:
    """The changes of a reopen (重办): a new cycle, back to work with a fresh deadline at the
    same level, or one level up when `up`."""
    dispute.reopen_count += 1
    dispute.closed_at = None
    data = {"reopen_count": dispute.reopen_count}
    parent = dispute.current_center.parent
    if up and parent is not None and parent.is_active:
        dispute.mediator = None
        dispute.department = None
        dispute.current_center = parent
        data["center"] = parent.code
    data.update(start_clock(dispute, dispute.current_center.level, timezone.now()))
    return data


def dispute_archive(*, dispute_id: int, actor, expected_version: int | None = None) -> Dispute:
    """归档."""
    return transition(dispute_id, Action.ARCHIVE, actor=actor, expected_version=expected_version)


def dispute_escalate(
    *,
    dispute_id: int,
    actor,
    reason: str,
    automatic: bool = False,
    expected_version: int | None = None,
) -> Dispute:
    """上报: the case moves to the parent center with a fresh deadline for that level; the
    ladder's audit row (Escalation) records how long the level held it and what deadline it
    had. `automatic`: by the deadline watch (at most once per level and cycle)."""
    from .watch import record_escalation

    def apply(dispute: Dispute) -> dict:
        source = dispute.current_center
        parent = source.parent
        if parent is None:
            raise DisputeTransitionError(_("已是最高一级中心，不能再上报，可发起督办。"))
        entered_at, missed, from_level = (
            dispute.level_entered_at,
            dispute.level_deadline,
            dispute.level,
        )
        dispute.escalation_count += 1
        dispute.department = None
        dispute.mediator = None
        dispute.designated = False
        data = _enter_level(dispute, parent)
        record_escalation(
            dispute,
            kind=EscalationKind.ESCALATE,
            automatic=automatic,
            actor=actor,
            from_center=source,
            from_level=from_level,
            entered_at=entered_at,
            missed_deadline=missed,
            reason=reason,
            new_deadline=dispute.level_deadline,
        )
        data.update(
            {
                "from_center": source.code,
                "from_level": from_level,
                "missed_deadline": missed,
                "automatic": automatic,
            }
        )
        return data

    return transition(
        dispute_id,
        Action.ESCALATE,
        actor=actor,
        reason=reason,
        apply=apply,
        expected_version=expected_version,
    )


def dispute_assign_down(
    *, dispute_id: int, actor, center: Center, note: str = "", expected_version=None
) -> Dispute:
    """下派: an upper center designates a center below it; that unit cannot return it."""

    def apply(dispute: Dispute) -> dict:
        source = dispute.current_center
        target = Center.objects.get(pk=center.pk)
        if not target.is_active or not target.is_descendant_of(source):
            raise DisputeTransitionError(_("只能下派给本中心的下级中心。"), field="center")
        dispute.dispatched_by_center = source
        dispute.dispatched_at = timezone.now()
        dispute.designated = True
        dispute.department = None
        dispute.mediator = None
        data = _enter_level(dispute, target)
        data["from_center"] = source.code
        return data

    return transition(
        dispute_id,
        Action.ASSIGN_DOWN,
        actor=actor,
        reason=note,
        apply=apply,
        expected_version=expected_version,
    )


def dispute_extend(
    *, dispute_id: int, actor, workdays: int, reason: str, expected_version=None
) -> Dispute:
    """延期: a director approves more working days at this level, once per level."""

    def apply(dispute: Dispute) -> dict:
        limit = dispute.level_workdays or level_workdays(dispute.level)
        if not 1 <= workdays <= limit:
            raise DisputeTransitionError(
                _("延期天数应在 1 到 %(limit)d 个工作日之间。") % {"limit": limit},
                field="workdays",
            )
        if dispute.is_extended:
            raise DisputeTransitionError(_("本级已延期一次，不能再次延期。"))
        return extend_clock(dispute, workdays)

    return transition(
        dispute_id,
        Action.EXTEND,
        actor=actor,
        reason=reason,
        apply=apply,
        expected_version=expected_version,
    )


def dispute_supervise(
    *,
    dispute_id: int,
    actor,
    reason: str,
    automatic: bool = False,
    expected_version: int | None = None,
) -> Dispute:
    """督办: a supervision order on the unit holding the case, with its own deadline
    (DISPUTE_SUPERVISION_WORKDAYS working days). By a director, or automatically when the
    case is overdue at the top of the ladder."""
    from governance.workdays import add_workdays

    from .watch import record_escalation, supervision_workdays

    def apply(dispute: Dispute) -> dict:
        if dispute.is_supervised and not automatic:
            raise DisputeTransitionError(_("该案件已在督办中。"))
        deadline = add_workdays(timezone.localtime(), supervision_workdays())
        dispute.is_supervised = True
        record_escalation(
            dispute,
            kind=EscalationKind.SUPERVISE,
            automatic=automatic,
            actor=actor,
            from_center=dispute.current_center,
            from_level=dispute.level,
            entered_at=dispute.level_entered_at,
            missed_deadline=dispute.level_deadline,
            reason=reason,
            new_deadline=deadline,
        )
        return {"supervised": True, "supervision_deadline": deadline, "automatic": automatic}

    return transition(
        dispute_id,
        Action.SUPERVISE,
        actor=actor,
        reason=reason,
        apply=apply,
        expected_version=expected_version,
    )


REVEALABLE_FIELDS = ("phone", "id_number")


def party_reveal(
    *, party_id: int, actor, field: str, reason: str, expected_version: int | None = None
) -> str:
    """Return a party's full phone or ID number and log who saw it and why (the event is the
    audit record; elsewhere the value is always masked)."""
    from ..models import Party

    if field not in REVEALABLE_FIELDS:
        raise DisputeTransitionError(_("该字段不能查看。"), field="field")
    party = Party.objects.get(pk=party_id)

    def apply(dispute: Dispute) -> dict:
        if party.side == PartySide.APPLICANT and not reporter_identity_visible(dispute, actor):
            raise DisputePermissionError(_("举报人身份信息保密，您无权查看。"))
        return {"party": party.pk, "field": field}

    transition(
        party.dispute_id,
        Action.REVEAL_PII,
        actor=actor,
        reason=reason,
        apply=apply,
        expected_version=expected_version,
    )
    return getattr(party, field)


def dispute_reissue_access_code(
    *, dispute_id: int, actor, reason: str, expected_version: int | None = None
) -> str:
    """重新发放查询码: the resident lost the receipt. A new code replaces the old one (which
    stops working at once); the reason (how the applicant's identity was checked) is logged.
    Returns the new code, to be shown once on a fresh receipt."""
    access_code = new_access_code()

    def apply(dispute: Dispute) -> dict:
        dispute.access_code_hash = access_code_hash(access_code)
        # Not a change of the case's state: colleagues' open forms stay valid.
        dispute.save(update_fields=["access_code_hash"])
        return {}

    transition(
        dispute_id,
        Action.REISSUE_ACCESS_CODE,
        actor=actor,
        reason=reason,
        apply=apply,
        expected_version=expected_version,
    )
    return access_code
