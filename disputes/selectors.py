"""Reads of the disputes app."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centers.choices import CenterLevel
from centers.models import Center, Department
from governance.masking import mask_name

from .access_codes import access_code_matches
from .choices import (
    OPEN_STATUSES,
    Action,
    FollowUpStatus,
    PartySide,
    RequestType,
    Satisfaction,
    Status,
)
from .models import Agreement, Attachment, CaseEvent, Dispute, FollowUp, MediationSession, Party
from .scope import received_in_q

__all__ = [
    "PUBLIC_STEPS",
    "ChainCheck",
    "PublicCaseView",
    "PublicStep",
    "RepeatWarning",
    "attachment_queryset",
    "case_agreement",
    "case_attachments",
    "case_events",
    "case_follow_ups",
    "case_repeat_warning",
    "case_parties",
    "case_sessions",
    "dispute_api_list_queryset",
    "dispute_detail_queryset",
    "dispute_for_resident",
    "dispute_list_queryset",
    "dispute_queryset",
    "follow_up_queryset",
    "public_case_view",
    "repeat_cases",
    "reporter_identity_visible",
    "reporter_visible_q",
    "repeat_warning",
    "verify_event_chain",
]

REPEAT_WINDOW_DAYS = 90


def dispute_queryset(*, user):
    """The cases the user may see: handled now, or received, within their subtrees."""
    return Dispute.objects.visible_to(user)


def reporter_identity_visible(dispute: Dispute, user) -> bool:
    """Whether `user` may know who the applicants are. In a report (举报) the reporter is
    protected: only the center that received it and the centers above it know the identity;
    a unit the case was sent down or across to (often the side reported on) does not."""
    if dispute.request_type != RequestType.REPORT or user is None:
        return True
    if user.is_superuser:
        return True
    return Center.objects.is_visible_to(dispute.receiving_center, user)


def reporter_visible_q(user) -> Q:
    """The cases whose applicants `user` may know (see reporter_identity_visible), as a
    filter for searches over party names, phones and ID numbers."""
    if user.is_superuser:
        return Q()
    roots = Center.objects.membership_roots(user)
    return ~Q(request_type=RequestType.REPORT) | received_in_q(roots)


def repeat_cases(*, user, phones=(), id_numbers=(), exclude_pk=None, days=REPEAT_WINDOW_DAYS):
    """Cases in the user's scope whose applicant has one of these phones or ID numbers and
    that are still open or were registered in the last `days` days: repeat petitions (重复
    信访) are a key risk signal, shown as a warning at intake."""
    phones = [p.strip() for p in phones if p and p.strip()]
    id_numbers = [i.strip().upper() for i in id_numbers if i and i.strip()]
    if not phones and not id_numbers:
        return Dispute.objects.none()
    same_person = Q(pk__in=[])
    if phones:
        same_person |= Q(parties__phone__in=phones)
    if id_numbers:
        same_person |= Q(parties__id_number__in=id_numbers)
    since = timezone.now() - timedelta(days=days)
    queryset = (
        dispute_queryset(user=user)
        .filter(reporter_visible_q(user))
        .filter(same_person, parties__side=PartySide.APPLICANT)
        .filter(Q(status__in=OPEN_STATUSES) | Q(created_at__gte=since))
        .distinct()
        .order_by("-created_at")
    )
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    return queryset


def dispute_list_queryset(*, user):
    """The inbox: cases in scope with what a row shows, applicants prefetched once."""
    return (
        dispute_queryset(user=user)
        .select_related("category", "current_center", "mediator")
        .prefetch_related(
            Prefetch(
                "parties",
                queryset=Party.objects.filter(side=PartySide.APPLICANT).order_by("pk"),
                to_attr="applicants",
            )
        )
    )


def dispute_api_list_queryset(*, user):
    """The REST API's case list: cases in scope with every object a row shows in the same
    query, and all their parties in one more (into `party_list`): a fixed number of queries
    whatever the page size."""
    return (
        dispute_queryset(user=user)
        .select_related("category", "current_center", "receiving_center", "village", "mediator")
        .prefetch_related(
            Prefetch(
                "parties",
                queryset=Party.objects.order_by("side", "pk"),
                to_attr="party_list",
            )
        )
    )


def dispute_detail_queryset(*, user):
    """Cases in scope with everything the case page shows in one row."""
    return (
        dispute_queryset(user=user)
        .select_related(
            "category",
            "current_center",
            "receiving_center",
            "village",
            "grid",
            "department",
            "mediator",
            "created_by",
        )
        .prefetch_related(
            Prefetch(
                "assisting_departments",
                queryset=Department.objects.select_related("center").order_by("pk"),
            )
        )
    )


def case_parties(dispute):
    """The case's parties, applicants first."""
    return Party.objects.filter(dispute=dispute).order_by("side", "pk")


def case_sessions(dispute):
    return MediationSession.objects.filter(dispute=dispute).prefetch_related("mediators")


def case_follow_ups(dispute):
    """The case's follow-ups (回访), first cycle first."""
    return (
        FollowUp.objects.filter(dispute=dispute)
        .select_related("assigned_to", "answered_by")
        .order_by("cycle")
    )


def case_events(dispute):
    """The timeline, oldest first."""
    return CaseEvent.objects.filter(dispute=dispute).select_related("actor", "center")


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    events: int
    broken_seq: int | None = None
    problem: str = ""


def verify_event_chain(dispute: Dispute) -> ChainCheck:
    """Recompute every event's hash and link: the first altered, missing or re-linked event
    is named. Events are read in sequence order, so a deleted event is a gap in `seq`; the
    case's anchor (how many events, the last one's hash) reveals events cut off the end."""
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
    anchored = (
        Dispute.objects.filter(pk=dispute.pk)
        .values_list("events_recorded", "last_event_hash")
        .first()
    )
    if anchored is not None and anchored != (count, previous_hash):
        return ChainCheck(False, count, min(count, anchored[0]) + 1, "truncated")
    return ChainCheck(True, count)


def case_attachments(dispute):
    """The case's attachments (附件), oldest first, with who uploaded them."""
    return (
        Attachment.objects.filter(dispute=dispute)
        .select_related("uploaded_by")
        .order_by("uploaded_at", "pk")
    )


def attachment_queryset(*, user):
    """The attachments of the cases the user may see: a file of any other case does not exist
    for them (404), exactly like a missing one."""
    return Attachment.objects.filter(dispute__in=dispute_queryset(user=user))


def follow_up_queryset(*, user):
    """The follow-ups (回访) of the cases the user may see, with their case and center."""
    return FollowUp.objects.filter(
        dispute__in=dispute_queryset(user=user).values("pk")
    ).select_related("dispute", "center", "assigned_to")


# --- Printable agreement and repeat petitions -------------------------------------------

REPEAT_LIST_MAX = 10


def case_agreement(*, dispute: Dispute) -> Agreement | None:
    """The case's mediation agreement (调解协议), or None."""
    return Agreement.objects.filter(dispute=dispute).first()


@dataclass(frozen=True)
class RepeatWarning:
    """The applicant's other cases (重复信访): how many, and the most recent few."""

    count: int
    cases: list[Dispute]


def repeat_warning(
    *, user, phones=(), id_numbers=(), exclude_pk=None, limit: int = REPEAT_LIST_MAX
) -> RepeatWarning:
    """`repeat_cases` ready to show: the total and the `limit` most recent cases, with the
    center handling each."""
    queryset = repeat_cases(user=user, phones=phones, id_numbers=id_numbers, exclude_pk=exclude_pk)
    count = queryset.count()
    if not count:
        return RepeatWarning(0, [])
    return RepeatWarning(count, list(queryset.select_related("current_center")[:limit]))


def case_repeat_warning(*, user, dispute: Dispute) -> RepeatWarning:
    """The other cases in the user's scope whose applicant shares a phone or ID number with
    an applicant of this case (open, or registered in the last 90 days)."""
    phones, id_numbers = [], []
    for phone, id_number in dispute.parties.filter(side=PartySide.APPLICANT).values_list(
        "phone", "id_number"
    ):
        phones.append(phone)
        id_numbers.append(id_number)
    return repeat_warning(user=user, phones=phones, id_numbers=id_numbers, exclude_pk=dispute.pk)


# --- The resident's view of their case (no account, by tracking number and access code) -----

TRACKING_NUMBER = re.compile(r"[0-9A-Za-z-]{1,32}")


def dispute_for_resident(*, tracking_number: str, access_code: str | None) -> Dispute | None:
    """The case a resident asks about, or None when there is no such case OR the access code
    is missing or wrong: the caller cannot tell the two apart, and neither can a clock, since
    the code is checked (against a dummy when there is no case) either way."""
    tracking_number = (tracking_number or "").strip()
    access_code = (access_code or "").strip().upper()
    dispute = None
    if TRACKING_NUMBER.fullmatch(tracking_number):
        dispute = (
            Dispute.objects.select_related("category", "current_center")
            .filter(tracking_number=tracking_number)
            .first()
        )
    matches = access_code_matches(access_code, dispute.access_code_hash if dispute else None)
    return dispute if dispute is not None and access_code and matches else None


@dataclass(frozen=True)
class PublicStep:
    """One step of a case as the resident sees it: what happened, when, and at which center
    (the center's name and level after the step). Nothing about any person."""

    step: str
    label: str
    at: datetime
    level: str
    level_label: str
    center: str
    rating: str = ""
    rating_label: str = ""


@dataclass(frozen=True)
class PublicCaseView:
    """Where a case stands, for the resident who filed it: status, the level and center
    handling it, the deadline there, whether a rating is open, and the public steps. The
    applicants' names are masked; no other party, no staff, no free text is included."""

    tracking_number: str
    status: str
    status_label: str
    category: str
    registered_at: datetime
    level: str
    level_label: str
    center: str
    level_due_at: datetime | None
    overdue: bool
    closed_at: datetime | None
    applicants: list[str]
    rating_open: bool
    rating_due_on: date | None
    steps: list[PublicStep]


# The events a resident is shown, by an explicit allow-list: event action → (public step,
# label). Everything else (mediator assignment, sessions, attachments, revealing personal
# data, deadline warnings, supervision, returns, extensions …) stays internal. An event's
# reason and data (staff's free text, who did it) are never shown.
PUBLIC_STEPS = {
    Action.REGISTER: ("received", _("已登记")),
    Action.ACCEPT: ("accepted", _("已受理")),
    Action.NOT_ACCEPT: ("not_accepted", _("不予受理")),
    Action.DISPATCH: ("dispatched", _("已派单")),
    Action.ASSIGN_DOWN: ("dispatched", _("已派单")),
    Action.SIGN: ("signed", _("承办单位已签收")),
    Action.ESCALATE: ("escalated", _("已上报上级中心")),
    Action.START_MEDIATION: ("mediation_started", _("开始调解")),
    Action.AGREE: ("agreement_reached", _("调解成功，达成协议")),
    Action.FAIL: ("mediation_failed", _("调解未成功")),
    Action.CLOSE: ("closed", _("已结案")),
    Action.START_FOLLOW_UP: ("follow_up", _("回访：请您评价")),
    Action.RATE_SATISFIED: ("rated", _("已评价")),
    Action.RATE_UNSATISFIED: ("rated", _("已评价")),
    Action.REOPEN: ("reopened", _("重新办理")),
    Action.FOLLOW_UP_UNREACHABLE: ("follow_up_ended", _("回访结束（未联系上）")),
    Action.ARCHIVE: ("archived", _("已归档")),
}


def _public_steps(event: CaseEvent) -> list[PublicStep]:
    step, label = PUBLIC_STEPS[event.action]
    center = event.center
    common = {
        "at": event.created_at,
        "level": center.level,
        "level_label": str(CenterLevel(center.level).label),
        "center": center.name,
    }
    rating = (event.data or {}).get("rating", "")
    if step == "rated" and rating in Satisfaction.values:
        rated = PublicStep(
            step=step,
            label=str(label),
            rating=rating,
            rating_label=str(Satisfaction(rating).label),
            **common,
        )
        if event.action == Action.RATE_UNSATISFIED:
            # 不满意 reopens the case (重办) in the same step.
            return [rated, PublicStep(step="reopened", label=str(_("重新办理")), **common)]
        return [rated]
    return [PublicStep(step=step, label=str(label), **common)]


def public_case_view(dispute: Dispute) -> PublicCaseView:
    """The resident's view of `dispute` (see PublicCaseView), in the active language."""
    events = (
        CaseEvent.objects.filter(dispute=dispute, action__in=list(PUBLIC_STEPS))
        .select_related("center")
        .order_by("seq")
    )
    steps = [step for event in events for step in _public_steps(event)]
    follow_up = (
        FollowUp.objects.filter(
            dispute=dispute, cycle=dispute.reopen_count, status=FollowUpStatus.OPEN
        )
        .only("due_on")
        .first()
    )
    rating_open = dispute.status == Status.FOLLOW_UP and follow_up is not None
    is_open = dispute.status in OPEN_STATUSES
    applicants = dispute.parties.filter(side=PartySide.APPLICANT).order_by("pk")
    return PublicCaseView(
        tracking_number=dispute.tracking_number,
        status=dispute.status,
        status_label=str(Status(dispute.status).label),
        category=dispute.category.name,
        registered_at=dispute.created_at,
        level=dispute.level,
        level_label=str(CenterLevel(dispute.level).label),
        center=dispute.current_center.name,
        level_due_at=dispute.level_due_at if is_open else None,
        overdue=is_open and dispute.is_overdue,
        closed_at=dispute.closed_at,
        applicants=[mask_name(name) for name in applicants.values_list("name", flat=True)],
        rating_open=rating_open,
        rating_due_on=follow_up.due_on if rating_open else None,
        steps=steps,
    )
