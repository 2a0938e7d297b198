"""The case list counts at most a cap of rows, and says when there are more."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.models import CalendarYear
from governance.pagination import CappedPaginator

pytestmark = pytest.mark.django_db


def test_counts_stop_at_the_cap():
    rows = CalendarYear.objects.order_by("year")  # 2004–2026, seeded by a migration
    total = rows.count()
    exact = CappedPaginator(rows, 5, cap=100)
    assert (exact.count, exact.capped, exact.num_pages) == (total, False, -(-total // 5))
    capped = CappedPaginator(rows, 5, cap=10)
    assert (capped.count, capped.capped, capped.num_pages) == (10, True, 2)
    with CaptureQueriesContext(connection) as queries:
        assert CappedPaginator(rows, 5, cap=10).count == 10
    assert "LIMIT 11" in queries.captured_queries[0]["sql"].upper().replace('"', "")


def test_the_inbox_says_when_there_are_more_than_it_counted(client, register, people, monkeypatch):
    from disputes import views

    for _ in range(3):
        register()
    monkeypatch.setattr(views, "CappedPaginator", lambda qs, n: CappedPaginator(qs, n, cap=2))
    client.force_login(people.village_mediator)
    page = client.get(reverse("disputes:inbox")).content.decode()
    assert "超过 2 件" in page
