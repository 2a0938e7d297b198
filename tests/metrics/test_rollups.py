"""The monthly rollups give exactly the numbers the cases give, for the big subtrees they
serve, every split and any run of whole months; steps mark their months, the job catches up."""

import random
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disputes.services import dispute_accept
from metrics.definitions import Counters
from metrics.models import DirtyMonth, MonthlyCounts
from metrics.periods import Period, next_month
from metrics.raw import raw_counters
from metrics.rollups import _child_column, rollup_counters, serves
from metrics.selectors import dashboard
from metrics.services import open_counts_refresh, rollups_rebuild, rollups_refresh
from tests.factories import UserFactory
from tests.metrics.history import make_history

pytestmark = pytest.mark.django_db


def months(start: date, count: int) -> Period:
    end = start
    for _ in range(count):
        end = next_month(end)
    return Period(start, end)


def as_dicts(result: dict) -> dict:
    return {key: value.as_dict() for key, value in result.items() if any(value.as_dict().values())}


@pytest.fixture
def rolled(center_tree):
    history = make_history(center_tree, seed=99)
    assert rollups_rebuild() > 0
    while rollups_refresh(limit=50):
        pass
    open_counts_refresh()
    assert not DirtyMonth.objects.exists()
    return history


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 10**6),
    group=st.sampled_from([None, "children", "category", "channel", "risk_level", "month"]),
)
def test_rollups_agree_with_the_cases(rolled, center_tree, seed, group):
    rng = random.Random(seed)
    center = rng.choice([None, center_tree.city, center_tree.county])
    period = months(date(2025, rng.randint(1, 12), 1), rng.choice([1, 1, 3, 12]))
    assert serves(center, period)
    raw_group = _child_column(center) if group == "children" else group
    raw = raw_counters(center=center, period=period, group=raw_group)
    if group == "month":
        from django.utils import timezone

        raw = {timezone.localtime(k).date(): v for k, v in raw.items()}
    assert as_dicts(rollup_counters(center=center, period=period, group=group)) == as_dicts(raw)


def test_a_step_marks_its_months_and_the_job_brings_the_rollups_up_to_date(
    rolled, register, people, center_tree
):
    now = date.today().replace(day=1)
    this_month = Period(now, next_month(now))
    before = rollup_counters(center=center_tree.city, period=this_month).get(None, Counters())
    case = register().dispute
    assert DirtyMonth.objects.filter(center=center_tree.county, month=now).exists()
    dispute_accept(dispute_id=case.pk, actor=people.village_mediator)
    stale = rollup_counters(center=center_tree.city, period=this_month).get(None, Counters())
    assert stale.received == before.received  # not yet: the job has not run
    assert rollups_refresh() == 1
    after = rollup_counters(center=center_tree.city, period=this_month)[None]
    assert (after.received, after.accepted) == (before.received + 1, before.accepted + 1)
    assert rollups_refresh() == 0  # nothing left to do


def test_the_job_recounts_the_open_cases_for_the_big_subtrees(rolled, register, center_tree):
    from metrics.tasks import refresh_rollups

    now = date.today().replace(day=1)
    this_month = Period(now, next_month(now))
    before = rollup_counters(center=center_tree.city, period=this_month)[None]
    register()
    stale = rollup_counters(center=center_tree.city, period=this_month)[None]
    assert stale.open_now == before.open_now  # not yet: the job has not run
    refresh_rollups()
    for center in (None, center_tree.city, center_tree.county):
        for group in (None, "children", "category", "channel", "risk_level"):
            raw_group = _child_column(center) if group == "children" else group
            live = raw_counters(center=center, period=this_month, group=raw_group, now_only=True)
            read = rollup_counters(center=center, period=this_month, group=group)
            assert {key: (c.open_now, c.overdue_now) for key, c in read.items() if c.open_now} == {
                key: (c.open_now, c.overdue_now) for key, c in live.items() if c.open_now
            }
    after = rollup_counters(center=center_tree.city, period=this_month)[None]
    assert after.open_now == before.open_now + 1


def test_the_dashboard_reads_rollups_for_big_subtrees_and_cases_for_small_ones(rolled, center_tree):
    admin = UserFactory(is_superuser=True)
    year = Period.year(2025)
    for center in (None, center_tree.city, center_tree.county):
        board = dashboard(center=center, period=year, user=admin)
        assert board.from_rollups
        assert board.totals.as_dict() == raw_counters(center=center, period=year)[None].as_dict()
    township = dashboard(center=center_tree.township, period=year, user=admin)
    assert not township.from_rollups
    custom = Period(date(2025, 3, 5), date(2025, 4, 5))
    assert not dashboard(center=center_tree.city, period=custom, user=admin).from_rollups
    assert MonthlyCounts.objects.filter(grain="city").exists()


def test_the_refresh_command_rebuilds_everything(center_tree):
    from io import StringIO

    from django.core.management import call_command

    make_history(center_tree, seed=5)
    MonthlyCounts.objects.all().delete()
    DirtyMonth.objects.all().delete()
    out = StringIO()
    call_command("refresh_metrics", "--rebuild", stdout=out)
    assert "Recomputed" in out.getvalue() and not DirtyMonth.objects.exists()
    year = Period.year(2025)
    assert (
        rollup_counters(center=center_tree.city, period=year)[None].as_dict()
        == raw_counters(center=center_tree.city, period=year)[None].as_dict()
    )


def test_the_set_based_build_writes_the_same_rows_as_the_job(rolled):
    from metrics.models import ROLLUP_COUNTERS
    from metrics.services import rollups_build_all

    def snapshot():
        fields = ["grain", "center_id", "parent_id", "month", "dimension", "value"]
        return {
            tuple(row[f] for f in fields): tuple(row[n] for n in ROLLUP_COUNTERS)
            for row in MonthlyCounts.objects.values(*fields, *ROLLUP_COUNTERS)
        }

    by_job = snapshot()
    assert rollups_build_all() == len(by_job)
    assert snapshot() == by_job


def _planner_row_count(table: str) -> float | None:
    """The table's row count as the planner's statistics have it (None: never analyzed)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            (count,) = cursor.fetchone()
            return None if count < 0 else count
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return None
        # One row per index, each starting with the table's row count.
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s LIMIT 1", [table])
        row = cursor.fetchone()
        return None if row is None else float(row[0].split()[0])


def test_the_set_based_build_leaves_the_planner_fresh_statistics(center_tree):
    """After a wholesale rebuild the planner must know the new rows (else it reads a city's
    month through the wrong index until autovacuum gets there)."""
    from metrics.models import OpenCounts
    from metrics.services import rollups_build_all

    make_history(center_tree, seed=7)
    rollups_build_all()
    for model in (MonthlyCounts, OpenCounts):
        rows = model.objects.count()
        assert rows > 0
        assert _planner_row_count(model._meta.db_table) == rows, model.__name__


def _raw_months(center, period) -> dict:
    from django.utils import timezone

    raw = raw_counters(center=center, period=period, group="month")
    return {timezone.localtime(k).date(): v for k, v in raw.items() if k is not None}


def test_each_townships_months_agree_with_its_cases(rolled, center_tree):
    from metrics.rollups import township_months

    period = months(date(2024, 12, 1), 14)
    townships = [center_tree.township, center_tree.sibling_township, center_tree.other_township]
    assert any(township_months(center=t, period=period) for t in townships)
    for township in townships:
        assert as_dicts(township_months(center=township, period=period)) == as_dicts(
            _raw_months(township, period)
        ), township


def test_a_township_dashboard_reads_its_trend_from_the_rollups(
    rolled, register, people, center_tree
):
    admin = UserFactory(is_superuser=True)
    year = Period.year(2025)
    board = dashboard(center=center_tree.township, period=year, user=admin)
    assert not board.from_rollups and board.trend_computed_at is not None
    raw = _raw_months(center_tree.township, months(date(2025, 1, 1), 12))
    assert [(m, c.as_dict()) for m, c in board.trend] == [
        (m, raw.get(m, Counters()).as_dict()) for m, _c in board.trend
    ]
    # A new case shows in the trend once the job has run (the page says as of when).
    now = date.today().replace(day=1)
    this_year = Period(now, next_month(now))
    register()
    trend = dict(dashboard(center=center_tree.township, period=this_year, user=admin).trend)
    assert trend[now].received == _raw_months(center_tree.township, this_year)[now].received - 1
    rollups_refresh()
    trend = dict(dashboard(center=center_tree.township, period=this_year, user=admin).trend)
    assert trend[now].received == _raw_months(center_tree.township, this_year)[now].received
    dispute_accept(dispute_id=register().dispute.pk, actor=people.village_mediator)
    rollups_refresh()
    trend = dict(dashboard(center=center_tree.township, period=this_year, user=admin).trend)
    assert trend[now].as_dict() == _raw_months(center_tree.township, this_year)[now].as_dict()


def test_the_migration_marks_the_computed_cells_for_their_townships(rolled, center_tree):
    import importlib

    from django.apps import apps

    MonthlyCounts.objects.filter(grain="township").delete()  # as before the migration
    migration = importlib.import_module("metrics.migrations.0004_township_grain")
    migration.mark_cells_for_townships(apps, None)
    cells = set(
        MonthlyCounts.objects.filter(grain="county", dimension="").values_list("center", "month")
    )
    assert set(DirtyMonth.objects.values_list("center", "month")) == cells
    while rollups_refresh(limit=50):
        pass
    period = months(date(2024, 12, 1), 14)
    from metrics.rollups import township_months

    assert as_dicts(township_months(center=center_tree.township, period=period)) == as_dicts(
        _raw_months(center_tree.township, period)
    )
