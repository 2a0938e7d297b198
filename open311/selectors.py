"""Reads of the Open311 interface: jurisdictions, services, and the cases it shows.

What is shown, and to whom:
- Confidential cases (保密) never appear here, with or without a key: only their handlers and
  the directors above see them.
- GET requests/{id} needs no key (the specification's "Requires API Key: No"); it shows one
  case by its tracking number, with no personal data (see open311.serializers).
- GET requests (the list) needs a key, although the specification does not ask for one: a
  list of every case in a deployment is too much to hand to anyone who asks. It shows the
  cases received or handled in the client's own subtree.
"""

from datetime import datetime

from django.db.models import Prefetch, QuerySet

from centers.models import Center
from disputes.choices import PartyKind
from disputes.models import Category, Dispute, Party
from disputes.scope import case_scope_q

from .definitions import MAX_RESULTS, statuses_for
from .models import ApiClient

__all__ = [
    "jurisdictions",
    "jurisdiction_get",
    "services",
    "service_get",
    "public_requests",
    "service_request_get",
    "service_requests_list",
]


def jurisdictions() -> QuerySet[Center]:
    """The deployment's jurisdictions: its root centers (a city or a province), whose
    12-digit division codes are the valid `jurisdiction_id`s."""
    return Center.objects.filter(parent__isnull=True, is_active=True).order_by("code")


def jurisdiction_get(code: str) -> Center | None:
    return jurisdictions().filter(code=code).first()


def services() -> QuerySet[Category]:
    """The services: our active dispute categories."""
    return Category.objects.filter(is_active=True).order_by("sort_order", "code")


def service_get(code: str) -> Category | None:
    return services().filter(code=code).first()


def public_requests() -> QuerySet[Dispute]:
    """Non-confidential cases, with what their public form needs loaded (the category, the
    handling center, the village and three centers above it, the names to mask)."""
    return (
        Dispute.objects.filter(is_confidential=False)
        .select_related(
            "category",
            "current_center",
            "village__parent__parent__parent",
        )
        .prefetch_related(
            Prefetch(
                "parties",
                queryset=Party.objects.filter(kind=PartyKind.PERSON).only("dispute_id", "name"),
                to_attr="person_parties",
            )
        )
    )


def _in_jurisdiction(queryset: QuerySet[Dispute], jurisdiction: Center | None):
    if jurisdiction is None:
        return queryset
    return queryset.filter(village__tree_id=jurisdiction.tree_id)


def service_request_get(
    tracking_number: str, *, jurisdiction: Center | None = None
) -> Dispute | None:
    """One public case by its tracking number (None: unknown, confidential, or outside the
    jurisdiction — the caller cannot tell which)."""
    queryset = _in_jurisdiction(public_requests(), jurisdiction)
    return queryset.filter(tracking_number=tracking_number).first()


def client_may_read(client: ApiClient, dispute: Dispute) -> bool:
    """Whether the case was received or is handled in the client's subtree (what its list
    shows)."""
    center = client.center
    return public_requests().filter(pk=dispute.pk).filter(case_scope_q([center])).exists()


def service_requests_list(
    *,
    client: ApiClient,
    jurisdiction: Center | None = None,
    tracking_numbers: list[str] | None = None,
    service_codes: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    statuses: list[str] | None = None,
) -> list[Dispute]:
    """The client's public cases (received or handled in its center's subtree), most recent
    first, at most MAX_RESULTS. Tracking numbers, when given, override every other filter
    (as the specification says); otherwise requested_datetime (our created_at) lies in
    [start, end]."""
    center = client.center
    queryset = public_requests().filter(case_scope_q([center]))
    queryset = _in_jurisdiction(queryset, jurisdiction)
    if tracking_numbers:
        queryset = queryset.filter(tracking_number__in=tracking_numbers)
    else:
        if service_codes:
            queryset = queryset.filter(category__code__in=service_codes)
        if start is not None:
            queryset = queryset.filter(created_at__gte=start)
        if end is not None:
            queryset = queryset.filter(created_at__lte=end)
        if statuses:
            ours = [status for open311 in statuses for status in statuses_for(open311)]
            queryset = queryset.filter(status__in=ours)
    return list(queryset.order_by("-created_at", "-pk")[:MAX_RESULTS])
