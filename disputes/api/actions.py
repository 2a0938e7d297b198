"""The case actions of the staff API: one endpoint per step of the transition table that a
person takes, POST /api/v1/cases/{tracking_number}/{slug}/. Each is its serializer (the
fields of the matching form) and one service call, as on the case page (disputes/views.py's
ACTIONS)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from .. import selectors, services
from ..choices import ALLOWED_TRANSITIONS, Action
from . import serializers as s

__all__ = ["ACTIONS", "ApiAction", "SIDE_ENDPOINTS", "allowed_endpoints"]


@dataclass(frozen=True)
class ApiAction:
    """One action endpoint: the step of the table it takes (for the role check and the
    label), its input, and the service call `call(dispute, user, data, expected_version)`."""

    slug: str
    action: Action
    serializer: type
    call: Callable[[Any, Any, dict, int | None], Any]
    summary: str
    example: dict = field(default_factory=dict)
    label: Any = None

    @property
    def method_name(self) -> str:
        """The viewset's method (prefixed: `dispatch` and others are taken by the view)."""
        return "take_" + self.slug.replace("-", "_")

    @property
    def requires_version(self) -> bool:
        """Steps that change the case refuse to run without the version the caller saw;
        audited side steps check it when it is given."""
        return ALLOWED_TRANSITIONS[self.action].changes_case


def _spec(slug, action, serializer, call, summary, example=None, label=None) -> ApiAction:
    return ApiAction(slug, action, serializer, call, summary, example or {}, label)


_ACTIONS = [
    _spec(
        "accept",
        Action.ACCEPT,
        s.VersionSerializer,
        lambda d, u, c, v: services.dispute_accept(dispute_id=d.pk, actor=u, expected_version=v),
        "受理: the center takes the case on.",
        {"version": 1},
    ),
    _spec(
        "not-accept",
        Action.NOT_ACCEPT,
        s.NotAcceptSerializer,
        lambda d, u, c, v: services.dispute_not_accept(
            dispute_id=d.pk, actor=u, route=c["reason"], expected_version=v
        ),
        "不予受理: refused, with the proper route stated.",
        {"version": 1, "reason": "属劳动仲裁受理范围，已告知申请人向劳动仲裁委申请仲裁。"},
    ),
    _spec(
        "assign",
        Action.ASSIGN,
        s.AssignSerializer,
        lambda d, u, c, v: services.dispute_assign(
            dispute_id=d.pk, actor=u, mediator=c["mediator"], expected_version=v
        ),
        "分派: give the case to a mediator of the handling center (or above).",
        {"version": 2, "mediator": 17},
    ),
    _spec(
        "dispatch",
        Action.DISPATCH,
        s.DispatchSerializer,
        lambda d, u, c, v: services.dispute_dispatch(
            dispute_id=d.pk,
            actor=u,
            center=c["center"],
            department=c["department"],
            assisting=c["assisting"],
            designated=c["designated"],
            note=c["reason"],
            expected_version=v,
        ),
        "派单: send the order to a center (or a department) of this subtree.",
        {"version": 2, "center": "420602001008", "reason": "请村调委会先行调解"},
    ),
    _spec(
        "sign",
        Action.SIGN,
        s.VersionSerializer,
        lambda d, u, c, v: services.dispute_sign(dispute_id=d.pk, actor=u, expected_version=v),
        "签收: the unit the order was sent to signs for it.",
        {"version": 3},
    ),
    _spec(
        "return",
        Action.RETURN,
        s.ReturnSerializer,
        lambda d, u, c, v: services.dispute_return(
            dispute_id=d.pk, actor=u, reason=c["reason"], expected_version=v
        ),
        "退单: the unit objects, with reasons, within 5 working days.",
        {"version": 3, "reason": "不属本村管辖"},
    ),
    _spec(
        "start-mediation",
        Action.START_MEDIATION,
        s.VersionSerializer,
        lambda d, u, c, v: services.dispute_start_mediation(
            dispute_id=d.pk, actor=u, expected_version=v
        ),
        "开始调解 (with the parties' consent).",
        {"version": 4},
    ),
    _spec(
        "sessions",
        Action.RECORD_SESSION,
        s.RecordSessionSerializer,
        lambda d, u, c, v: services.dispute_record_session(
            dispute_id=d.pk,
            actor=u,
            held_at=c["held_at"],
            mediators=[d.mediator or u],
            notes=c["notes"],
            attendees=c["attendees"],
            outcome=c["outcome"],
            expected_version=v,
        ),
        "调解记录: record one mediation meeting.",
        {
            "version": 5,
            "held_at": "2025-03-12T09:30:00+08:00",
            "attendees": "双方当事人、村调委会委员",
            "notes": "双方陈述排水问题，同意共同出资修建排水沟。",
            "outcome": "初步达成一致",
        },
    ),
    _spec(
        "agree",
        Action.AGREE,
        s.AgreeSerializer,
        lambda d, u, c, v: services.dispute_agree(
            dispute_id=d.pk,
            actor=u,
            content=c["content"],
            signed_on=c["signed_on"],
            is_written=c["is_written"],
            expected_version=v,
        ),
        "调解成功: the parties reached an agreement.",
        {
            "version": 6,
            "content": "双方各承担排水沟修建费用的一半，于三月底前完工。",
            "signed_on": "2025-03-12",
            "is_written": True,
        },
    ),
    _spec(
        "agreement-performance",
        Action.RECORD_PERFORMANCE,
        s.PerformanceSerializer,
        lambda d, u, c, v: services.agreement_record_performance(
            dispute_id=d.pk,
            actor=u,
            performance_notes=c["performance_notes"],
            judicial_confirmation_applied=c["judicial_confirmation_applied"],
            judicial_confirmation_granted=c["judicial_confirmation_granted"],
            expected_version=v,
        ),
        "履行情况 and 司法确认 of the agreement (the case itself is unchanged).",
        {"performance_notes": "排水沟已按期修好。", "judicial_confirmation_applied": True},
    ),
    _spec(
        "fail",
        Action.FAIL,
        s.FailSerializer,
        lambda d, u, c, v: services.dispute_fail(
            dispute_id=d.pk, actor=u, routes=c["reason"], expected_version=v
        ),
        "调解未成功: stop, and tell the parties their routes.",
        {"version": 6, "reason": "已告知双方可向人民法院起诉。"},
    ),
    _spec(
        "close",
        Action.CLOSE,
        s.CloseSerializer,
        lambda d, u, c, v: services.dispute_close(
            dispute_id=d.pk, actor=u, note=c["reason"], expected_version=v
        ),
        "结案.",
        {"version": 7, "reason": "协议已履行"},
    ),
    _spec(
        "start-follow-up",
        Action.START_FOLLOW_UP,
        s.VersionSerializer,
        lambda d, u, c, v: services.dispute_start_follow_up(
            dispute_id=d.pk, actor=u, expected_version=v
        ),
        "回访 begins now (instead of by the periodic job).",
        {"version": 8},
    ),
    _spec(
        "follow-up-record",
        Action.RATE_SATISFIED,
        s.FollowUpRecordSerializer,
        lambda d, u, c, v: services.follow_up_record(
            dispute_id=d.pk, actor=u, rating=c["rating"], comment=c["comment"], expected_version=v
        ),
        "群众评单: record the resident's rating; 不满意 reopens the case (重办).",
        {"version": 9, "rating": "satisfied", "comment": "处理及时"},
        label=_("记录群众评价"),
    ),
    _spec(
        "follow-up-unreachable",
        Action.FOLLOW_UP_UNREACHABLE,
        s.FollowUpUnreachableSerializer,
        lambda d, u, c, v: services.dispute_follow_up_unreachable(
            dispute_id=d.pk, actor=u, note=c["reason"], expected_version=v
        ),
        "回访未联系上: the resident could not be reached.",
        {"version": 9, "reason": "三次致电均无人接听"},
    ),
    _spec(
        "reopen",
        Action.REOPEN,
        s.ReopenSerializer,
        lambda d, u, c, v: services.dispute_reopen(
            dispute_id=d.pk, actor=u, reason=c["reason"], expected_version=v
        ),
        "重办: back to work at the same level with a fresh deadline.",
        {"version": 9, "reason": "协议未履行"},
    ),
    _spec(
        "archive",
        Action.ARCHIVE,
        s.VersionSerializer,
        lambda d, u, c, v: services.dispute_archive(dispute_id=d.pk, actor=u, expected_version=v),
        "归档.",
        {"version": 10},
    ),
    _spec(
        "escalate",
        Action.ESCALATE,
        s.EscalateSerializer,
        lambda d, u, c, v: services.dispute_escalate(
            dispute_id=d.pk, actor=u, reason=c["reason"], expected_version=v
        ),
        "上报: the case moves to the parent center with that level's deadline.",
        {"version": 2, "reason": "涉及多个村，需街道协调"},
    ),
    _spec(
        "assign-down",
        Action.ASSIGN_DOWN,
        s.AssignDownSerializer,
        lambda d, u, c, v: services.dispute_assign_down(
            dispute_id=d.pk, actor=u, center=c["center"], note=c["reason"], expected_version=v
        ),
        "下派: designate a center directly below; it cannot return the order.",
        {"version": 2, "center": "420602001000"},
    ),
    _spec(
        "extend",
        Action.EXTEND,
        s.ExtendSerializer,
        lambda d, u, c, v: services.dispute_extend(
            dispute_id=d.pk, actor=u, workdays=c["workdays"], reason=c["reason"], expected_version=v
        ),
        "延期: a director grants more working days at this level (once per level).",
        {"version": 4, "workdays": 5, "reason": "需等待鉴定结果"},
    ),
    _spec(
        "supervise",
        Action.SUPERVISE,
        s.SuperviseSerializer,
        lambda d, u, c, v: services.dispute_supervise(
            dispute_id=d.pk, actor=u, reason=c["reason"], expected_version=v
        ),
        "督办: a supervision order on the unit holding the case.",
        {"version": 4, "reason": "限期五个工作日内办结"},
    ),
]
ACTIONS: dict[str, ApiAction] = {spec.slug: spec for spec in _ACTIONS}
SLUGS = {spec.action: spec.slug for spec in _ACTIONS}
# 不满意 is recorded through the same endpoint as 满意.
SLUGS[Action.RATE_UNSATISFIED] = "follow-up-record"

# Audited side steps, offered next to what they concern (endpoint name → step):
# attachments → POST …/attachments/, reveal → POST …/parties/{party_id}/reveal/,
# reissue-access-code → POST …/reissue-access-code/.
SIDE_ENDPOINTS = {
    "attachments": Action.ATTACH,
    "reveal": Action.REVEAL_PII,
    "reissue-access-code": Action.REISSUE_ACCESS_CODE,
}


def allowed_endpoints(dispute, user) -> list[dict]:
    """The action endpoints `user` may call on the case now, as the case page's buttons:
    the workflow steps first, then the side steps."""
    rows, seen = [], set()
    has_agreement = None
    for action in services.allowed_actions(dispute, user):
        slug = SLUGS.get(action)
        if slug is None or slug in seen:
            continue
        if action == Action.RECORD_PERFORMANCE:
            if has_agreement is None:
                has_agreement = selectors.case_agreement(dispute=dispute) is not None
            if not has_agreement:
                continue
        seen.add(slug)
        rows.append({"action": slug, "label": str(ACTIONS[slug].label or action.label)})
    for slug, action in SIDE_ENDPOINTS.items():
        if services.can_take(dispute, user, action):
            rows.append({"action": slug, "label": str(action.label)})
    return rows
