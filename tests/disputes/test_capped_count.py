"""The lists' capped count (governance.pagination.CappedPaginator) on cases."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from disputes.models import Dispute
from governance.pagination import CappedPaginator

pytestmark = pytest.mark.django_db


def test_the_capped_count_does_not_sort(register):
    """The count stops at cap + 1 rows, whichever: it must not make the database sort every
    row in scope first."""
    for _ in range(3):
        register()
    paginator = CappedPaginator(Dispute.objects.order_by("-created_at", "-id"), 1, cap=2)
    with CaptureQueriesContext(connection) as captured:
        assert (paginator.count, paginator.capped) == (2, True)
    (query,) = captured.captured_queries
    assert "ORDER BY" not in query["sql"].upper(), query["sql"]
