"""The lists' capped count (governance.pagination.CappedPaginator) on cases: it stops at the
cap, it does not sort, and on PostgreSQL it has a time budget past which the planner's
estimate is shown, without leaving the budget behind for the rest of the request."""

import pytest
from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from centers.choices import Role
from disputes.models import Dispute
from governance.pagination import CappedPaginator, rough

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="statement timeouts are a PostgreSQL matter"
)

pytestmark = pytest.mark.django_db


def test_the_capped_count_does_not_sort(register):
    """The count stops at cap + 1 rows, whichever: it must not make the database sort every
    row in scope first."""
    for _ in range(3):
        register()
    paginator = CappedPaginator(Dispute.objects.order_by("-created_at", "-id"), 1, cap=2)
    with CaptureQueriesContext(connection) as captured:
        assert (paginator.count, paginator.capped, paginator.estimated) == (2, True, False)
    (query,) = [q for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert "ORDER BY" not in query["sql"].upper(), query["sql"]


def _sleep_seconds(cursor, seconds: float) -> None:
    cursor.execute("SELECT pg_sleep(%s)", [seconds])


@postgresql_only
def test_a_count_in_time_is_exact_and_leaves_no_budget_behind(register):
    for _ in range(3):
        register()
    paginator = CappedPaginator(Dispute.objects.all(), 1, budget_ms=100)
    assert (paginator.count, paginator.capped, paginator.estimated) == (3, False, False)
    with connection.cursor() as cursor:  # longer than the budget, in the same transaction
        _sleep_seconds(cursor, 0.15)


@postgresql_only
def test_a_count_out_of_time_shows_the_estimate_and_the_request_goes_on(register):
    for _ in range(3):
        register()
    # Every row waits on a 50 ms sleep: the count cannot finish within 5 ms.
    slow = Dispute.objects.alias(
        slow=RawSQL("(SELECT true FROM pg_sleep(0.05))", [], output_field=BooleanField())
    ).filter(slow=True)
    paginator = CappedPaginator(slow.order_by("-created_at"), 2, budget_ms=5)
    assert paginator.estimated
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (FORMAT JSON) SELECT id FROM disputes_dispute "
            "WHERE (SELECT true FROM pg_sleep(0.05))"
        )
        plan = cursor.fetchone()[0]
    assert paginator.count == rough(plan[0]["Plan"]["Plan Rows"])
    # The transaction is usable and has its old timeout back; the page's rows still come.
    assert len(paginator.page(1).object_list) == 2
    with connection.cursor() as cursor:
        _sleep_seconds(cursor, 0.1)


def test_rough_keeps_two_significant_digits():
    assert [rough(n) for n in (0, 7, 97, 100, 999, 12_345, 35_386, 170_503)] == [
        0,
        7,
        97,
        100,
        1_000,
        12_000,
        35_000,
        170_000,
    ]


def test_the_list_and_the_api_say_when_the_count_is_an_estimate(
    register, member, center_tree, client, monkeypatch
):
    register()
    monkeypatch.setattr(CappedPaginator, "_counted", property(lambda self: (3_456, True)))
    client.force_login(member(center_tree.township, Role.DIRECTOR))
    page = client.get(reverse("disputes:inbox")).content.decode()
    assert "约 3500 件" in page or "约 3,500 件" in page
    assert "/ 约 140 页" in page
    body = client.get("/api/v1/cases/").json()
    assert (body["count"], body["count_capped"], body["count_estimated"]) == (3_500, False, True)
