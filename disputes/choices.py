"""Choices of the disputes app and ALLOWED_TRANSITIONS, the one table that owns every change
of a case's status (see disputes.services.transitions)."""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from centers.choices import Role

__all__ = [
    "Status",
    "Channel",
    "RiskLevel",
    "RequestType",
    "PartySide",
    "PartyKind",
    "Satisfaction",
    "FollowUpStatus",
    "EscalationKind",
    "Action",
    "Transition",
    "ALLOWED_TRANSITIONS",
    "OPEN_STATUSES",
    "SIDE_ACTIONS",
    "SYSTEM",
]


class Status(models.TextChoices):
    """Where a case stands (案件状态), after domain.md's lifecycle."""

    REGISTERED = "registered", _("已登记")
    ACCEPTED = "accepted", _("已受理")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    ASSIGNED = "assigned", _("已分派调解员")
    DISPATCHED = "dispatched", _("已派单")
    SIGNED = "signed", _("已签收")
    RETURNED = "returned", _("已退单")
    IN_MEDIATION = "in_mediation", _("调解中")
    AGREED = "agreed", _("调解成功")
    FAILED = "failed", _("调解未成功")
    CLOSED = "closed", _("已结案")
    FOLLOW_UP = "follow_up", _("回访中")
    SATISFIED = "satisfied", _("已评价")
    UNREACHABLE = "unreachable", _("回访未联系上")
    ARCHIVED = "archived", _("已归档")

    @property
    def badge(self) -> str:
        """The badge colour of the status in the UI."""
        return STATUS_BADGES[self]


STATUS_BADGES = {
    Status.REGISTERED: "grey",
    Status.ACCEPTED: "blue",
    Status.NOT_ACCEPTED: "grey",
    Status.ASSIGNED: "blue",
    Status.DISPATCHED: "amber",
    Status.SIGNED: "blue",
    Status.RETURNED: "amber",
    Status.IN_MEDIATION: "blue",
    Status.AGREED: "green",
    Status.FAILED: "red",
    Status.CLOSED: "green",
    Status.FOLLOW_UP: "green",
    Status.SATISFIED: "green",
    Status.UNREACHABLE: "amber",
    Status.ARCHIVED: "grey",
}

# A case in these states is still being worked: its level's clock runs.
OPEN_STATUSES = frozenset(
    {
        Status.REGISTERED,
        Status.ACCEPTED,
        Status.ASSIGNED,
        Status.DISPATCHED,
        Status.SIGNED,
        Status.RETURNED,
        Status.IN_MEDIATION,
        Status.AGREED,
        Status.FAILED,
    }
)


class Channel(models.TextChoices):
    """How the dispute reached the center (受理渠道)."""

    WALK_IN = "walk_in", _("来访")
    PHONE = "phone", _("来电")
    GRID = "grid", _("网格上报")
    HOTLINE_12345 = "hotline_12345", _("12345热线")
    ONLINE = "online", _("网上")
    PETITION = "petition", _("信访转办")
    COURT = "court", _("诉前委派")
    POLICE = "police", _("警调")
    OTHER = "other", _("其他")


class RiskLevel(models.TextChoices):
    """Risk tiers (风险等级): may be raised, never silently lowered."""

    ORDINARY = "ordinary", _("一般")
    SERIOUS = "serious", _("较大")
    MAJOR = "major", _("重大")

    @property
    def rank(self) -> int:
        return list(RiskLevel).index(self)


class RequestType(models.TextChoices):
    """Citizen request types (诉求类型)."""

    CONSULTATION = "consultation", _("咨询")
    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    SUGGESTION = "suggestion", _("建议")


class PartySide(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    RESPONDENT = "respondent", _("被申请人")


class Satisfaction(models.TextChoices):
    """The resident's rating at follow-up (群众评单)."""

    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("待回访")
    ANSWERED = "answered", _("已评价")
    UNREACHABLE = "unreachable", _("未联系上")


class EscalationKind(models.TextChoices):
    ESCALATE = "escalate", _("上报")
    SUPERVISE = "supervise", _("督办")


class PartyKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ORGANIZATION = "organization", _("单位")


class Action(models.TextChoices):
    """Every step a case can take; the value is the event's dotted name."""

    REGISTER = "disputes.case.registered", _("登记")
    ACCEPT = "disputes.case.accepted", _("受理")
    NOT_ACCEPT = "disputes.case.not_accepted", _("不予受理")
    ASSIGN = "disputes.case.assigned", _("分派调解员")
    DISPATCH = "disputes.case.dispatched", _("派单")
    SIGN = "disputes.case.signed", _("签收")
    RETURN = "disputes.case.returned", _("退单")
    START_MEDIATION = "disputes.case.mediation_started", _("开始调解")
    RECORD_SESSION = "disputes.case.session_recorded", _("记录调解")
    AGREE = "disputes.case.agreed", _("调解成功")
    FAIL = "disputes.case.failed", _("调解未成功")
    CLOSE = "disputes.case.closed", _("结案")
    START_FOLLOW_UP = "disputes.case.follow_up_started", _("回访")
    RATE_SATISFIED = "disputes.case.rated_satisfied", _("群众满意")
    RATE_UNSATISFIED = "disputes.case.rated_unsatisfied", _("群众不满意（重办）")
    REOPEN = "disputes.case.reopened", _("重办")
    ARCHIVE = "disputes.case.archived", _("归档")
    ESCALATE = "disputes.case.escalated", _("上报")
    ASSIGN_DOWN = "disputes.case.assigned_down", _("下派")
    EXTEND = "disputes.case.extended", _("延期")
    SUPERVISE = "disputes.case.supervised", _("督办")
    REVEAL_PII = "disputes.party.revealed", _("查看完整个人信息")
    ATTACH = "disputes.case.attachment_added", _("上传附件")
    RECORD_PERFORMANCE = "disputes.agreement.performance_recorded", _("记录协议履行")
    WARN_DEADLINE = "disputes.case.deadline_warned", _("到期预警")
    MARK_OVERDUE = "disputes.case.overdue", _("超期")
    FOLLOW_UP_UNREACHABLE = "disputes.case.follow_up_unreachable", _("回访未联系上")
    REISSUE_ACCESS_CODE = "disputes.case.access_code_reissued", _("重新生成查询码")


# Audited steps offered where they belong (next to a masked value, in the attachments list,
# on the receipt), not among the case's workflow buttons.
SIDE_ACTIONS = frozenset({Action.REVEAL_PII, Action.ATTACH, Action.REISSUE_ACCESS_CODE})

# The actor of automatic steps (Celery jobs, the resident's own rating through the API).
SYSTEM = "system"

HANDLERS = frozenset({Role.MEDIATOR, Role.STAFF, Role.DIRECTOR, Role.ADMIN})
MANAGERS = frozenset({Role.STAFF, Role.DIRECTOR, Role.ADMIN})
DIRECTORS = frozenset({Role.DIRECTOR, Role.ADMIN})


@dataclass(frozen=True)
class Transition:
    """One row of the table: from which statuses an action may run, the status it leaves the
    case in (None: unchanged), who may take it, and whether a reason is required."""

    sources: frozenset
    target: Status | None
    roles: frozenset
    reason_required: bool = False
    # False for audited steps that leave the case itself untouched (no version bump, so
    # colleagues' open forms stay valid).
    changes_case: bool = True


_WORKING = frozenset(
    {Status.ACCEPTED, Status.ASSIGNED, Status.SIGNED, Status.IN_MEDIATION, Status.FAILED}
)

ALLOWED_TRANSITIONS: dict[Action, Transition] = {
    Action.ACCEPT: Transition(frozenset({Status.REGISTERED}), Status.ACCEPTED, HANDLERS),
    Action.NOT_ACCEPT: Transition(
        frozenset({Status.REGISTERED}), Status.NOT_ACCEPTED, HANDLERS, reason_required=True
    ),
    Action.ASSIGN: Transition(
        frozenset({Status.ACCEPTED, Status.SIGNED, Status.ASSIGNED}), Status.ASSIGNED, MANAGERS
    ),
    Action.DISPATCH: Transition(
        frozenset({Status.ACCEPTED, Status.RETURNED, Status.SIGNED, Status.ASSIGNED}),
        Status.DISPATCHED,
        MANAGERS,
    ),
    Action.SIGN: Transition(frozenset({Status.DISPATCHED}), Status.SIGNED, HANDLERS),
    Action.RETURN: Transition(
        frozenset({Status.DISPATCHED}), Status.RETURNED, HANDLERS, reason_required=True
    ),
    # A mediator who accepted a walk-in may mediate at once (they become its mediator).
    Action.START_MEDIATION: Transition(
        frozenset({Status.ACCEPTED, Status.ASSIGNED, Status.SIGNED}), Status.IN_MEDIATION, HANDLERS
    ),
    Action.RECORD_SESSION: Transition(frozenset({Status.IN_MEDIATION}), None, HANDLERS),
    Action.AGREE: Transition(frozenset({Status.IN_MEDIATION}), Status.AGREED, HANDLERS),
    Action.FAIL: Transition(
        frozenset({Status.IN_MEDIATION}), Status.FAILED, HANDLERS, reason_required=True
    ),
    Action.CLOSE: Transition(frozenset({Status.AGREED, Status.FAILED}), Status.CLOSED, HANDLERS),
    Action.START_FOLLOW_UP: Transition(
        frozenset({Status.CLOSED}), Status.FOLLOW_UP, HANDLERS | {SYSTEM}
    ),
    Action.RATE_SATISFIED: Transition(
        frozenset({Status.FOLLOW_UP}), Status.SATISFIED, HANDLERS | {SYSTEM}
    ),
    # 不满意 reopens the case (重办) by the resident's own word, recorded by staff or online.
    Action.RATE_UNSATISFIED: Transition(
        frozenset({Status.FOLLOW_UP}), Status.ACCEPTED, HANDLERS | {SYSTEM}
    ),
    Action.REOPEN: Transition(
        frozenset({Status.FOLLOW_UP, Status.CLOSED}),
        Status.ACCEPTED,
        MANAGERS | {SYSTEM},
        reason_required=True,
    ),
    Action.FOLLOW_UP_UNREACHABLE: Transition(
        frozenset({Status.FOLLOW_UP}), Status.UNREACHABLE, HANDLERS | {SYSTEM}
    ),
    Action.ARCHIVE: Transition(
        frozenset({Status.SATISFIED, Status.UNREACHABLE}), Status.ARCHIVED, MANAGERS
    ),
    # The deadline watch: audited, the case's workflow state untouched.
    Action.WARN_DEADLINE: Transition(OPEN_STATUSES, None, frozenset({SYSTEM}), changes_case=False),
    Action.MARK_OVERDUE: Transition(OPEN_STATUSES, None, frozenset({SYSTEM}), changes_case=False),
    Action.ESCALATE: Transition(
        _WORKING | {Status.REGISTERED, Status.RETURNED, Status.DISPATCHED},
        Status.ACCEPTED,
        MANAGERS | {SYSTEM},
        reason_required=True,
    ),
    Action.ASSIGN_DOWN: Transition(
        frozenset({Status.ACCEPTED, Status.RETURNED}), Status.DISPATCHED, MANAGERS
    ),
    Action.EXTEND: Transition(_WORKING, None, DIRECTORS, reason_required=True),
    # Seeing a party's full phone or ID number is itself an audited step.
    Action.REVEAL_PII: Transition(
        frozenset(Status), None, HANDLERS, reason_required=True, changes_case=False
    ),
    # 履行回访 and 司法确认 after an agreement: audited, the case's state untouched (the
    # committee supervises performance [TJ 31]; the parties may apply to court [TJ 33]).
    Action.RECORD_PERFORMANCE: Transition(
        frozenset(
            {
                Status.AGREED,
                Status.CLOSED,
                Status.FOLLOW_UP,
                Status.SATISFIED,
                Status.UNREACHABLE,
            }
        ),
        None,
        HANDLERS,
        changes_case=False,
    ),
    # Files and a new access code for the resident: audited, the case's state untouched.
    # The system attaches the file a resident sent with an online filing (网上受理).
    Action.ATTACH: Transition(
        frozenset(Status) - {Status.ARCHIVED}, None, HANDLERS | {SYSTEM}, changes_case=False
    ),
    Action.REISSUE_ACCESS_CODE: Transition(
        frozenset(Status) - {Status.ARCHIVED},
        None,
        HANDLERS,
        reason_required=True,
        changes_case=False,
    ),
    Action.SUPERVISE: Transition(
        _WORKING | {Status.DISPATCHED, Status.RETURNED},
        None,
        DIRECTORS | {SYSTEM},
        reason_required=True,
    ),
}
