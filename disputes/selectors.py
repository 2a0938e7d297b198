"""Reads of the disputes app."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Prefetch, Q
from django.utils import timezone

from centers.models import Center, Department, subtree_q

from .choices import OPEN_STATUSES, PartySide, RequestType
from .models import Agreement, Attachment, CaseEvent, Dispute, FollowUp, MediationSession, Party

__all__ = [
    "ChainCheck",
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
    "dispute_list_queryset",
    "dispute_queryset",
    "follow_up_queryset",
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
    return ~Q(request_type=RequestType.REPORT) | subtree_q(roots, "receiving_center__")


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
