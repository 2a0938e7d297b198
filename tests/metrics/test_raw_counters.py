"""Every counter, for random subtrees, periods and splits, agrees exactly with a plain
recomputation from the case rows (Python loops, no SQL aggregation)."""

import random
from collections import Counter as Tally
from datetime import date, timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disputes.choices import OPEN_STATUSES, FollowUpStatus, Satisfaction
from metrics.definitions import Counters
from metrics.periods import Period
from metrics.raw import LOC_FIELD, raw_counters
from tests.metrics.history import make_history

pytestmark = pytest.mark.django_db

GOOD = {Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED}


def in_period(moment, period: Period) -> bool:
    return moment is not None and period.start_at <= moment < period.end_at


def plain_counters(cases, follow_ups, period: Period) -> Counters:
    c = Counters()
    for d in cases:
        if in_period(d.created_at, period):
            c.received += 1
            c.repeat += d.is_repeat
            if d.dispatch_count:
                c.dispatched += 1
                c.returned += d.return_count > 0
            if d.accepted_at is not None:
                c.accepted += 1
                c.escalated += d.escalation_count > 0
                c.was_overdue += d.was_overdue
                c.mediated += d.mediation_started_at is not None
                setattr(c, f"top_{d.top_level}", getattr(c, f"top_{d.top_level}") + 1)
                if d.resolved_at is not None:
                    c.resolved += 1
                    c.agreed += d.mediation_started_at is not None
                    c.resolved_local += d.resolved_level == d.receiving_level
                    name = f"resolved_{d.resolved_level}"
                    setattr(c, name, getattr(c, name) + 1)
        if in_period(d.closed_at, period):
            c.closed += 1
            c.closed_on_time += d.closed_on_time is True
            c.handling_workdays += d.handling_workdays or 0
        if d.status in OPEN_STATUSES:
            c.open_now += 1
            c.overdue_now += d.is_overdue
    for f in follow_ups:
        if in_period(f.ended_at, period):
            if f.status == FollowUpStatus.ANSWERED:
                c.follow_ups_reached += 1
                c.satisfied += f.rating in GOOD
            elif f.status == FollowUpStatus.UNREACHABLE:
                c.unreachable += 1
    return c


def in_subtree(case, center) -> bool:
    return center is None or getattr(case, f"{LOC_FIELD[center.level]}_id") == center.pk


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(0, 10**6), split=st.sampled_from([None, "child", "category", "month"]))
def test_raw_counters_match_a_plain_recomputation(history, seed, split):
    rng = random.Random(seed)
    center = rng.choice(history.centers)
    start = date(2025, rng.randint(1, 12), 1) + timedelta(days=rng.choice([0, 0, 9]))
    period = Period(start, start + timedelta(days=rng.choice([10, 31, 92, 400])))
    group = {
        None: None,
        "child": history.child_fields.get(center.pk if center else None),
        "category": "category",
        "month": "month",
    }[split]
    cases = [d for d in history.cases if in_subtree(d, center)]
    ids = {d.pk for d in cases}
    follow_ups = [f for f in history.follow_ups if f.dispute_id in ids]
    got = raw_counters(center=center, period=period, group=group)

    if group is None:
        assert (
            got.get(None, Counters()).as_dict()
            == plain_counters(cases, follow_ups, period).as_dict()
        )
        return
    if group == "month":
        for month_start, counters in got.items():
            month = timezone.localtime(month_start).date()
            sub = Period(max(month, period.start), min(next_month(month), period.end))
            expected = plain_counters(cases, follow_ups, sub)
            expected.open_now = expected.overdue_now = 0
            assert counters.as_dict() == expected.as_dict(), month
        return
    keys = Tally(getattr(d, f"{group}_id") for d in cases)
    for key in keys:
        part = [d for d in cases if getattr(d, f"{group}_id") == key]
        part_ids = {d.pk for d in part}
        expected = plain_counters(part, [f for f in follow_ups if f.dispute_id in part_ids], period)
        assert got.get(key, Counters()).as_dict() == expected.as_dict(), key


def next_month(day):
    from metrics.periods import next_month as nm

    return nm(day)


@pytest.fixture
def history(center_tree):
    return make_history(center_tree, seed=20261126)
