"""The dashboard's parts agree with each other and cost a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics.definitions import Counters
from metrics.periods import Period
from metrics.selectors import dashboard, default_center
from tests.factories import UserFactory
from tests.metrics.history import make_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db):
    return UserFactory(is_superuser=True)


def test_children_categories_channels_and_risks_add_up_to_the_totals(center_tree, admin):
    make_history(center_tree, seed=7)
    for center in (None, center_tree.city, center_tree.county, center_tree.township):
        board = dashboard(center=center, period=Period.year(2025), user=admin)
        for part in (board.children, board.by_category, board.by_channel, board.by_risk):
            if not part:
                continue
            summed = sum((item[-1] for item in part), Counters())
            assert summed.as_dict() == board.totals.as_dict(), (center, part)
        assert len(board.trend) == 12
        assert sum(count for _level, count in board.funnel) == board.totals.accepted


def test_a_fixed_number_of_queries_whatever_the_subtree(center_tree, admin):
    """Counts depend on which source serves the subtree (rollups for the deployment down to
    counties, the cases below), never on how many cases or centers it holds."""
    counts = {}
    for seed in (8, 9):
        make_history(center_tree, seed=seed)
        for center in (None, center_tree.city, center_tree.county, center_tree.township):
            with CaptureQueriesContext(connection) as queries:
                dashboard(center=center, period=Period.year(2025), user=admin)
            counts.setdefault(center, []).append(len(queries.captured_queries))
    for center, seen in counts.items():
        assert len(set(seen)) == 1 and seen[0] <= 30, (center, seen)


def test_the_dashboard_opens_on_the_users_own_center(center_tree, member, admin):
    from centers.choices import Role

    staff = member(center_tree.township, Role.STAFF)
    assert default_center(staff) == center_tree.township
    assert default_center(admin) is None
