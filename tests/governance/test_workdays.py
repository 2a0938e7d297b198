"""Working days on the PRC calendar (governance.workdays, the calendar tables, sync_holidays).

The expected dates are written out by hand from the State Council's notices, not read from the
chinesecalendar package the table is seeded from:
- 《国务院办公厅关于2025年部分节假日安排的通知》(published November 2024);
- 《国务院办公厅关于2026年部分节假日安排的通知》(published November 2025).
"""

from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance.models import CalendarDay, CalendarDayKind, CalendarSource, CalendarYear
from governance.workdays import (
    add_workdays,
    calendar_sync_from_package,
    calendar_warnings,
    covered_years,
    invalidate_calendar_cache,
    is_workday,
    workdays_between,
)
from tests.i18n_support import compile_catalogs

pytestmark = pytest.mark.django_db

d = date


@pytest.fixture(autouse=True)
def fresh_calendar_cache():
    """A test's rolled-back writes must not leave their rows in the process's calendar copy."""
    invalidate_calendar_cache()
    yield
    invalidate_calendar_cache()


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(n) for n in range((last - first).days + 1)]


# --- 2025 (国务院办公厅关于2025年部分节假日安排的通知) ----------------------------------------
HOLIDAYS_2025 = [
    d(2025, 1, 1),  # 元旦: 1月1日（周三）放假1天
    *days(d(2025, 1, 28), d(2025, 2, 4)),  # 春节: 1月28日（除夕、周二）至2月4日（周二），共8天
    *days(d(2025, 4, 4), d(2025, 4, 6)),  # 清明节: 4月4日（周五）至6日（周日）
    *days(d(2025, 5, 1), d(2025, 5, 5)),  # 劳动节: 5月1日（周四）至5日（周一），共5天
    *days(d(2025, 5, 31), d(2025, 6, 2)),  # 端午节: 5月31日（周六）至6月2日（周一）
    *days(d(2025, 10, 1), d(2025, 10, 8)),  # 国庆节、中秋节: 10月1日（周三）至8日（周三），共8天
]
MAKEUP_WORKDAYS_2025 = [
    d(2025, 1, 26),  # 春节: 1月26日（周日）上班
    d(2025, 2, 8),  # 春节: 2月8日（周六）上班
    d(2025, 4, 27),  # 劳动节: 4月27日（周日）上班
    d(2025, 9, 28),  # 国庆节: 9月28日（周日）上班
    d(2025, 10, 11),  # 国庆节: 10月11日（周六）上班
]

# --- 2026 (国务院办公厅关于2026年部分节假日安排的通知) ----------------------------------------
HOLIDAYS_2026 = [
    *days(d(2026, 1, 1), d(2026, 1, 3)),  # 元旦: 1月1日（周四）至3日（周六）
    *days(d(2026, 2, 15), d(2026, 2, 23)),  # 春节: 2月15日（腊月二十八、周日）至23日（周一），共9天
    *days(d(2026, 4, 4), d(2026, 4, 6)),  # 清明节: 4月4日（周六）至6日（周一）
    *days(d(2026, 5, 1), d(2026, 5, 5)),  # 劳动节: 5月1日（周五）至5日（周二）
    *days(d(2026, 6, 19), d(2026, 6, 21)),  # 端午节: 6月19日（周五）至21日（周日）
    *days(d(2026, 9, 25), d(2026, 9, 27)),  # 中秋节: 9月25日（周五）至27日（周日）
    *days(d(2026, 10, 1), d(2026, 10, 7)),  # 国庆节: 10月1日（周四）至7日（周三），共7天
]
MAKEUP_WORKDAYS_2026 = [
    d(2026, 1, 4),  # 元旦: 1月4日（周日）上班
    d(2026, 2, 14),  # 春节: 2月14日（周六）上班
    d(2026, 2, 28),  # 春节: 2月28日（周六）上班
    d(2026, 5, 9),  # 劳动节: 5月9日（周六）上班
    d(2026, 9, 20),  # 国庆节: 9月20日（周日）上班
    d(2026, 10, 10),  # 国庆节: 10月10日（周六）上班
]


@pytest.mark.parametrize("day", HOLIDAYS_2025 + HOLIDAYS_2026, ids=str)
def test_public_holidays_are_not_working_days(day):
    assert not is_workday(day)


@pytest.mark.parametrize("day", MAKEUP_WORKDAYS_2025 + MAKEUP_WORKDAYS_2026, ids=str)
def test_makeup_weekend_days_are_working_days(day):
    assert day.weekday() >= 5  # written down right: each is a Saturday or Sunday
    assert is_workday(day)


@pytest.mark.parametrize(
    ("year", "holidays", "makeup"),
    [(2025, HOLIDAYS_2025, MAKEUP_WORKDAYS_2025), (2026, HOLIDAYS_2026, MAKEUP_WORKDAYS_2026)],
)
def test_every_other_day_of_the_year_follows_the_weekday_rule(year, holidays, makeup):
    exceptions = set(holidays) | set(makeup)
    for day in days(d(year, 1, 1), d(year, 12, 31)):
        if day not in exceptions:
            assert is_workday(day) == (day.weekday() < 5), day


def test_working_days_per_year_counted_by_hand():
    # 2025 starts on a Wednesday: 261 weekdays − 18 weekday holidays + 5 make-up days = 248.
    assert workdays_between(d(2024, 12, 31), d(2025, 12, 31)) == 248
    # 2026 starts on a Thursday: 261 weekdays − 19 weekday holidays + 6 make-up days = 248.
    assert workdays_between(d(2025, 12, 31), d(2026, 12, 31)) == 248


def test_seeded_years_and_days_are_everything_the_package_covers():
    assert set(CalendarYear.objects.values_list("year", flat=True)) == set(range(2004, 2027))
    assert covered_years() == frozenset(range(2004, 2027))
    assert CalendarDay.objects.count() == len(chinese_calendar.holidays) + len(
        chinese_calendar.workdays
    )
    national_day = CalendarDay.objects.get(date=d(2025, 10, 1))
    assert (national_day.kind, national_day.name, national_day.source) == (
        CalendarDayKind.HOLIDAY,
        "国庆节",
        CalendarSource.PACKAGE,
    )


# --- add_workdays / workdays_between --------------------------------------------------------


def test_fifteen_working_days_across_the_2025_national_day_block():
    # Start Fri 2025-09-26 (not counted). Sat 27 off; Sun 28 make-up = 1, Mon 29 = 2,
    # Tue 30 = 3; Oct 1–8 off; Thu 9 = 4, Fri 10 = 5, Sat 11 make-up = 6; Sun 12 off;
    # Oct 13–17 = 7–11; Oct 20, 21, 22, 23 = 12–15.
    assert add_workdays(d(2025, 9, 26), 15) == d(2025, 10, 23)
    assert workdays_between(d(2025, 9, 26), d(2025, 10, 23)) == 15
    assert workdays_between(d(2025, 9, 26), d(2025, 10, 8)) == 3


def test_five_working_days_across_the_2026_spring_festival():
    # Start Fri 2026-02-13. Sat 14 make-up = 1; Feb 15–23 off; Tue 24 = 2, Wed 25 = 3,
    # Thu 26 = 4, Fri 27 = 5.
    assert add_workdays(d(2026, 2, 13), 5) == d(2026, 2, 27)
    # ... and the sixth is the make-up Saturday Feb 28.
    assert add_workdays(d(2026, 2, 13), 6) == d(2026, 2, 28)


def test_the_start_day_never_counts():
    assert add_workdays(d(2025, 10, 1), 0) == d(2025, 10, 1)
    assert add_workdays(d(2025, 10, 1), 1) == d(2025, 10, 9)  # started on a holiday
    assert add_workdays(d(2025, 10, 11), 1) == d(2025, 10, 13)  # started on a make-up Saturday
    assert workdays_between(d(2025, 10, 11), d(2025, 10, 11)) == 0
    assert workdays_between(d(2025, 10, 13), d(2025, 10, 11)) == 0
    with pytest.raises(ValueError):
        add_workdays(d(2025, 10, 1), -1)


def test_datetimes_count_from_their_date_in_shanghai():
    # 2025-09-28 16:30 UTC is 2025-09-29 00:30 in Shanghai: the period starts on Monday 29.
    late_evening_utc = datetime(2025, 9, 28, 16, 30, tzinfo=UTC)
    assert add_workdays(late_evening_utc, 1) == d(2025, 9, 30)
    assert add_workdays(late_evening_utc, 0) == d(2025, 9, 29)
    # 2025-09-30 16:30 UTC is already 10月1日 in Shanghai.
    assert not is_workday(datetime(2025, 9, 30, 16, 30, tzinfo=UTC))
    assert workdays_between(late_evening_utc, datetime(2025, 10, 9, 1, tzinfo=UTC)) == 2


# --- years without a schedule ---------------------------------------------------------------


def test_a_year_without_a_schedule_only_skips_weekends_and_is_reported():
    assert 2027 not in covered_years()
    assert is_workday(d(2027, 1, 1))  # a Friday: nothing says it is 元旦 yet
    assert add_workdays(d(2027, 9, 30), 5) == d(2027, 10, 7)  # Thu → Fri 1, Mon 4 … Thu 7
    assert calendar_warnings(today=d(2026, 11, 26)) == [
        "2027年节假日安排尚未录入，期限按仅跳过周末计算。"
    ]
    assert calendar_warnings(today=d(2026, 6, 1)) == []  # next year's notice isn't due yet
    assert calendar_warnings(today=d(2027, 3, 1)) == [
        "2027年节假日安排尚未录入，期限按仅跳过周末计算。"
    ]


def test_the_warning_is_translated():
    compile_catalogs()
    with translation.override("en"):
        assert calendar_warnings(today=d(2026, 11, 26)) == [
            "The public holiday schedule for 2027 has not been entered yet; "
            "deadlines skip weekends only."
        ]


def test_entering_a_year_in_the_admin_changes_deadlines_at_once(admin_client):
    # A made-up 2027 schedule: the real notice is not out when this is written.
    assert add_workdays(d(2027, 9, 30), 5) == d(2027, 10, 7)  # loads the calendar copy
    response = admin_client.post(
        "/admin/governance/calendaryear/add/",
        {
            "year": "2027",
            "notice": "国务院办公厅关于2027年部分节假日安排的通知",
            "days-TOTAL_FORMS": "4",
            "days-INITIAL_FORMS": "0",
            "days-MIN_NUM_FORMS": "0",
            "days-MAX_NUM_FORMS": "1000",
            "days-0-date": "2027-10-01",
            "days-0-kind": CalendarDayKind.HOLIDAY,
            "days-0-name": "国庆节",
            "days-1-date": "2027-10-04",
            "days-1-kind": CalendarDayKind.HOLIDAY,
            "days-1-name": "国庆节",
            "days-2-date": "2027-10-05",
            "days-2-kind": CalendarDayKind.HOLIDAY,
            "days-2-name": "国庆节",
            "days-3-date": "2027-10-09",
            "days-3-kind": CalendarDayKind.WORKDAY,
            "days-3-name": "国庆节",
        },
    )
    assert response.status_code == 302, response.content.decode()
    year = CalendarYear.objects.get(year=2027)
    assert year.source == CalendarSource.MANUAL
    assert set(year.days.values_list("source", flat=True)) == {CalendarSource.MANUAL}
    # Thu Sep 30 → Oct 1, 4, 5 off; Wed 6 = 1, Thu 7 = 2, Fri 8 = 3, Sat 9 make-up = 4,
    # Mon 11 = 5.
    assert add_workdays(d(2027, 9, 30), 5) == d(2027, 10, 11)
    assert calendar_warnings(today=d(2027, 3, 1)) == []
    CalendarDay.objects.get(date=d(2027, 10, 9)).delete()
    assert add_workdays(d(2027, 9, 30), 5) == d(2027, 10, 12)


def test_admin_rejects_a_workday_on_a_weekday_and_a_date_outside_the_year(admin_client):
    year = CalendarYear.objects.create(year=2027)
    response = admin_client.post(
        "/admin/governance/calendarday/add/",
        {
            "calendar_year": year.pk,
            "date": "2027-10-06",  # a Wednesday
            "kind": CalendarDayKind.WORKDAY,
            "name": "国庆节",
        },
    )
    assert response.status_code == 200
    assert not CalendarDay.objects.filter(date=d(2027, 10, 6)).exists()
    response = admin_client.post(
        "/admin/governance/calendarday/add/",
        {
            "calendar_year": year.pk,
            "date": "2028-01-01",
            "kind": CalendarDayKind.HOLIDAY,
            "name": "元旦",
        },
    )
    assert response.status_code == 200
    assert not CalendarDay.objects.filter(date=d(2028, 1, 1)).exists()


@pytest.mark.parametrize("model", ["calendarday", "calendaryear"])
def test_admin_changelists_show_the_calendar_warning(admin_client, model):
    from django.utils import timezone

    this_year = timezone.localdate().year
    CalendarYear.objects.filter(year=this_year).delete()
    page = admin_client.get(f"/admin/governance/{model}/")
    assert page.status_code == 200
    assert f"{this_year}年节假日安排尚未录入" in page.content.decode()


def test_admin_edit_turns_a_package_row_manual_and_sync_keeps_it(admin_client):
    row = CalendarDay.objects.get(date=d(2025, 10, 6))
    assert (row.name, row.source) == ("中秋节", CalendarSource.PACKAGE)
    response = admin_client.post(
        f"/admin/governance/calendarday/{row.pk}/change/",
        {
            "calendar_year": row.calendar_year_id,
            "date": "2025-10-06",
            "kind": CalendarDayKind.HOLIDAY,
            "name": "国庆节、中秋节",
        },
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.name, row.source) == ("国庆节、中秋节", CalendarSource.MANUAL)
    result = calendar_sync_from_package()
    assert not result.changed
    assert result.manual_days_kept == 1
    row.refresh_from_db()
    assert row.name == "国庆节、中秋节"


# --- sync_holidays ---------------------------------------------------------------------------


def snapshot():
    return sorted(
        CalendarDay.objects.values_list("date", "kind", "name", "source", "updated_at")
    ), sorted(CalendarYear.objects.values_list("year", "source", "updated_at"))


def test_sync_holidays_repairs_package_rows_keeps_manual_ones_and_is_idempotent(capsys):
    # Damage the seeded rows the way an older package version might have left them ...
    CalendarDay.objects.filter(date__year=2026).delete()
    CalendarYear.objects.filter(year=2026).delete()
    CalendarDay.objects.filter(date=d(2025, 1, 1)).update(name="New Year")
    CalendarDay.objects.create(
        calendar_year=CalendarYear.objects.get(year=2025),
        date=d(2025, 3, 3),
        kind=CalendarDayKind.HOLIDAY,
        name="过时的数据",
        source=CalendarSource.PACKAGE,
    )
    # ... and enter two rows by hand: one that disagrees with the package, one it lacks.
    CalendarDay.objects.filter(date=d(2025, 10, 11)).update(
        kind=CalendarDayKind.HOLIDAY, source=CalendarSource.MANUAL
    )
    CalendarYear.objects.create(year=2027, source=CalendarSource.MANUAL)
    CalendarDay.objects.create(
        calendar_year=CalendarYear.objects.get(year=2027),
        date=d(2027, 1, 1),
        kind=CalendarDayKind.HOLIDAY,
        name="元旦",
        source=CalendarSource.MANUAL,
    )

    call_command("sync_holidays")
    # 2026: 33 holiday dates (3 + 9 + 3 + 5 + 3 + 3 + 7) and 6 make-up days, from the notice.
    assert capsys.readouterr().out.startswith(
        "years created: 1, days created: 39, updated: 1, deleted: 1, "
        "manual days that differ from the package (kept): 1"
    )
    assert len(HOLIDAYS_2026) + len(MAKEUP_WORKDAYS_2026) == 39
    assert not is_workday(d(2026, 10, 1))
    assert CalendarDay.objects.get(date=d(2025, 1, 1)).name == "元旦"
    assert not CalendarDay.objects.filter(date=d(2025, 3, 3)).exists()
    assert CalendarDay.objects.get(date=d(2025, 10, 11)).kind == CalendarDayKind.HOLIDAY
    assert CalendarDay.objects.get(date=d(2027, 1, 1)).source == CalendarSource.MANUAL

    before = snapshot()
    with CaptureQueriesContext(connection) as queries:
        call_command("sync_holidays")
    assert "Nothing to change." in capsys.readouterr().out
    assert snapshot() == before
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []


def test_sync_right_after_the_migration_changes_nothing():
    before = snapshot()
    assert not calendar_sync_from_package().changed
    assert snapshot() == before


# --- properties -----------------------------------------------------------------------------

dates_2024_2027 = st.dates(min_value=d(2024, 1, 1), max_value=d(2027, 12, 31))
property_settings = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@property_settings
@given(start=dates_2024_2027, n=st.integers(min_value=0, max_value=60))
def test_add_workdays_properties(start, n):
    deadline = add_workdays(start, n)
    if n == 0:
        assert deadline == start
    else:
        assert deadline > start
        assert is_workday(deadline)
    assert add_workdays(start, n + 1) > deadline  # strictly monotone in n
    # The exact invariant: workdays_between(s, add_workdays(s, n)) == n for every n >= 0.
    assert workdays_between(start, deadline) == n


@property_settings
@given(start=dates_2024_2027, span=st.integers(min_value=0, max_value=120))
def test_workdays_between_counts_the_working_days_after_start(start, span):
    end = start + timedelta(span)
    used = workdays_between(start, end)
    assert used == sum(is_workday(day) for day in days(start + timedelta(1), end))
    # Its inverse: add_workdays lands on end when end is a working day, else on the last
    # working day before it (or on start when none has passed).
    back = add_workdays(start, used)
    assert start <= back <= end
    assert (back == end) == (span == 0 or is_workday(end))


@property_settings
@given(day=st.dates(min_value=d(2004, 1, 1), max_value=d(2026, 12, 31)))
def test_the_seeded_table_agrees_with_the_package(day):
    assert is_workday(day) == chinese_calendar.is_workday(day)


def test_deadlines_do_not_depend_on_a_working_shared_cache(settings, monkeypatch):
    """With Redis down, working-day arithmetic goes on from the database and this process's
    copy, and stops asking the dead cache for a while (no wait per call)."""
    from django.core.cache import caches

    from governance import workdays
    from governance.sharedcache import cache_breaker

    calls = []
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    monkeypatch.setattr(workdays, "_calendar_copy", None)
    breaker = cache_breaker()
    breaker.reset()
    real_get = caches["default"].get

    def counting_get(*args, **kwargs):
        calls.append(args)
        return real_get(*args, **kwargs)

    monkeypatch.setattr(caches["default"], "get", counting_get)
    try:
        # 2026-10-01..07 is the National Day holiday; Saturday 10-10 is worked.
        assert workdays.add_workdays(date(2026, 9, 30), 1) == date(2026, 10, 8)
        assert workdays.add_workdays(date(2026, 9, 30), 3) == date(2026, 10, 10)
        assert workdays.workdays_between(date(2026, 9, 30), date(2026, 10, 12)) == 4
        assert len(calls) == 1  # asked once, then left alone
        assert breaker.is_open
    finally:
        breaker.reset()
