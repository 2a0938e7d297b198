"""Counters computed straight from the cases, for any subtree and period, optionally split by
a column (children, category, channel, risk level, month). Four aggregate queries whatever
the subtree's size: the intake cohort, the closures, the follow-ups and the open cases.

This is what the rollups are built from, what serves small subtrees (townships, villages)
directly, and the reference the correctness tests hold the rollups to."""

from collections import defaultdict

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth

from centers.choices import CenterLevel
from disputes.choices import OPEN_STATUSES, FollowUpStatus, Satisfaction, Status
from disputes.models import Dispute, FollowUp

from .definitions import Counters
from .periods import Period

__all__ = ["subtree_q", "child_field", "raw_counters", "LOC_FIELD"]

# The case column that says which center of each level a case happened under.
LOC_FIELD = {
    CenterLevel.PROVINCE: "loc_province",
    CenterLevel.CITY: "loc_city",
    CenterLevel.COUNTY: "loc_county",
    CenterLevel.TOWNSHIP: "loc_township",
    CenterLevel.VILLAGE: "village",
}
_CHILD_LEVEL = {
    None: CenterLevel.PROVINCE,
    CenterLevel.PROVINCE: CenterLevel.CITY,
    CenterLevel.CITY: CenterLevel.COUNTY,
    CenterLevel.COUNTY: CenterLevel.TOWNSHIP,
    CenterLevel.TOWNSHIP: CenterLevel.VILLAGE,
}

_NOT_ACCEPTED = (Status.REGISTERED, Status.NOT_ACCEPTED)


# Counted from the columns of the open cases' partial index alone (no row id: PostgreSQL then
# answers with an index-only scan).
OPEN_NOW = Count("*")
OVERDUE_NOW = Count("is_overdue", filter=Q(is_overdue=True))


def subtree_q(center, prefix: str = "") -> Q:
    """The cases that happened in `center`'s subtree (None: the whole deployment)."""
    if center is None:
        return Q()
    return Q(**{f"{prefix}{LOC_FIELD[center.level]}": center.pk})


def child_field(center) -> str | None:
    """The case column naming the child of `center` each case happened under."""
    level = None if center is None else center.level
    child = _CHILD_LEVEL.get(level)
    return LOC_FIELD[child] if child else None


# The 属地 columns a follow-up carries as copies of its case's.
_FOLLOW_UP_PLACE = frozenset(FollowUp.PLACE_FIELDS)


def _follow_ups(center, extra: Q | None, cases):
    """The follow-ups of the cases of `center`'s subtree: by the follow-up's own copy of the
    case's 属地 column where it has one (a small index range per month), else through the
    cases; so is `extra` (a filter on the cases)."""
    field = None if center is None else LOC_FIELD[center.level]
    if field not in _FOLLOW_UP_PLACE:
        return FollowUp.objects.filter(dispute__in=cases)
    follow_ups = FollowUp.objects.filter(**{field: center.pk})
    if extra is None:
        return follow_ups
    if _on_place_only(extra):
        return follow_ups.filter(extra)
    return follow_ups.filter(dispute__in=Dispute.objects.filter(extra))


def _on_place_only(q: Q) -> bool:
    """Whether the filter `q` reads nothing but 属地 columns a follow-up has too."""
    return all(
        _on_place_only(child)
        if isinstance(child, Q)
        else child[0].split("__")[0] in _FOLLOW_UP_PLACE
        for child in q.children
    )


def _cohort_aggregates() -> dict:
    accepted = Q(accepted_at__isnull=False)
    resolved = accepted & Q(resolved_at__isnull=False)
    counts = {
        "received": Count("pk"),
        "accepted": Count("pk", filter=accepted),
        "resolved": Count("pk", filter=resolved),
        "resolved_local": Count("pk", filter=resolved & Q(resolved_level=F("receiving_level"))),
        "mediated": Count("pk", filter=accepted & Q(mediation_started_at__isnull=False)),
        "agreed": Count("pk", filter=resolved & Q(mediation_started_at__isnull=False)),
        "escalated": Count("pk", filter=accepted & Q(escalation_count__gt=0)),
        "dispatched": Count("pk", filter=Q(dispatch_count__gt=0)),
        "returned": Count("pk", filter=Q(dispatch_count__gt=0, return_count__gt=0)),
        "repeat": Count("pk", filter=Q(is_repeat=True)),
        "was_overdue": Count("pk", filter=accepted & Q(was_overdue=True)),
    }
    for level in ("village", "township", "county", "city", "province"):
        counts[f"resolved_{level}"] = Count("pk", filter=resolved & Q(resolved_level=level))
        counts[f"top_{level}"] = Count("pk", filter=accepted & Q(top_level=level))
    return counts


def _grouped(queryset, group: str | None, aggregates: dict) -> dict:
    if group is None:
        return {None: queryset.aggregate(**aggregates)}
    rows = queryset.values(group).annotate(**aggregates).order_by()
    return {row.pop(group): row for row in rows}


def raw_counters(
    *,
    center=None,
    period: Period,
    group: str | None = None,
    extra: Q | None = None,
    now_only: bool = False,
) -> dict:
    """{group value: Counters} for the cases of `center`'s subtree (`group` None: one entry,
    key None). `group` is a case column (e.g. "loc_county", "category", "channel",
    "risk_level") or "month" (the month each counter's own date falls in)."""
    cases = Dispute.objects.filter(subtree_q(center))
    if extra is not None:
        cases = cases.filter(extra)
    month = group == "month"
    result: dict = defaultdict(Counters)

    def add(rows: dict) -> None:
        for key, values in rows.items():
            counters = result[key]
            for name, value in values.items():
                setattr(counters, name, getattr(counters, name) + (value or 0))

    if now_only:
        open_cases = cases.filter(status__in=sorted(OPEN_STATUSES))
        add(
            _grouped(
                open_cases,
                group,
                {"open_now": OPEN_NOW, "overdue_now": OVERDUE_NOW},
            )
        )
        return dict(result)

    cohort = cases.filter(created_at__gte=period.start_at, created_at__lt=period.end_at)
    if month:
        cohort = cohort.annotate(month=TruncMonth("created_at"))
    add(_grouped(cohort, group, _cohort_aggregates()))

    closed = cases.filter(closed_at__gte=period.start_at, closed_at__lt=period.end_at)
    if month:
        closed = closed.annotate(month=TruncMonth("closed_at"))
    add(
        _grouped(
            closed,
            group,
            {
                "closed": Count("pk"),
                "closed_on_time": Count("pk", filter=Q(closed_on_time=True)),
                "handling_workdays": Coalesce(Sum("handling_workdays"), 0),
            },
        )
    )

    ended = _follow_ups(center, extra, cases).filter(
        ended_at__gte=period.start_at, ended_at__lt=period.end_at
    )
    follow_group = None
    if group == "month":
        ended = ended.annotate(month=TruncMonth("ended_at"))
        follow_group = "month"
    elif group in _FOLLOW_UP_PLACE:
        follow_group = group
    elif group is not None:
        ended = ended.annotate(group_value=F(f"dispute__{group}"))
        follow_group = "group_value"
    good = [Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED]
    add(
        _grouped(
            ended,
            follow_group,
            {
                "follow_ups_reached": Count("pk", filter=Q(status=FollowUpStatus.ANSWERED)),
                "satisfied": Count("pk", filter=Q(status=FollowUpStatus.ANSWERED, rating__in=good)),
                "unreachable": Count("pk", filter=Q(status=FollowUpStatus.UNREACHABLE)),
            },
        )
    )

    if not month:
        open_cases = cases.filter(status__in=sorted(OPEN_STATUSES))
        add(
            _grouped(
                open_cases,
                group,
                {"open_now": OPEN_NOW, "overdue_now": OVERDUE_NOW},
            )
        )
    return dict(result)
