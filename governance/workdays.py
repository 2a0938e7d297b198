"""Working days (工作日) on the PRC calendar, for deadlines counted in working days.

A day is a working day when it is Monday–Friday and not a public holiday (法定节假日), or when it
is a Saturday or Sunday the State Council has made a working day (调休上班). The exceptions live
in `CalendarDay`, grouped by `CalendarYear`; the table is the source of truth, seeded from the
`chinesecalendar` package (`sync_holidays`) and edited in the admin when a new year's notice is
published. A year without a `CalendarYear` row falls back to weekends-only, and
`calendar_warnings()` says so.

Counting rule (the same for both functions):
- the day a period starts (e.g. the day a case reached a level) does not count;
- `add_workdays(start, n)` is the n-th working day after `start`: the last day of an n-working-day
  limit (the deadline, inclusive); `add_workdays(start, 0)` is `start` itself;
- `workdays_between(start, end)` is the number of working days `d` with `start < d <= end`: the
  working days used by `end` (0 when `end <= start`).
So `workdays_between(s, add_workdays(s, n)) == n` for every `s` and every `n >= 0`, and
`add_workdays(s, workdays_between(s, e)) <= e`, with equality when `e` is a working day after `s`.

Datetimes are turned into dates in the platform's time zone (`settings.TIME_ZONE`,
Asia/Shanghai) first; naive datetimes are taken to be local already.

The exceptions are read from the database once and kept in memory. Every save or delete of a
calendar row drops that copy in the process that made it, and bumps a version number in the
Django cache (Redis in production) that other processes compare on each call; as a last resort
each process reloads at least every `CACHE_SECONDS`.
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import CalendarDay, CalendarDayKind, CalendarSource, CalendarYear
from .sharedcache import UNAVAILABLE, cache_breaker

__all__ = [
    "CACHE_SECONDS",
    "CalendarSyncResult",
    "add_workdays",
    "calendar_sync_from_package",
    "calendar_warnings",
    "covered_years",
    "invalidate_calendar_cache",
    "is_workday",
    "package_schedule",
    "workdays_between",
]

# Longest time a process keeps its copy of the calendar without seeing a version change (a
# safety net for a deployment without a shared cache: `make run` without REDIS_URL).
CACHE_SECONDS = 300
# The next year's schedule is usually published in November; from November 1 on, a deadline set
# today can reach into next year, so from then on a missing next year is reported too.
NEXT_YEAR_WARNING_FROM = (11, 1)

_VERSION_KEY = "governance:calendar:version"


@dataclass(frozen=True)
class _Calendar:
    """An in-memory copy of the exception table."""

    years: frozenset[int]
    # Public holidays falling on Monday–Friday, and make-up working Saturdays/Sundays, sorted:
    # the only exceptions that change whether a day is a working day.
    weekday_holidays: tuple[date, ...]
    weekend_workdays: tuple[date, ...]
    weekday_holiday_set: frozenset[date]
    weekend_workday_set: frozenset[date]
    version: object
    loaded_at: float


_lock = threading.Lock()
_calendar_copy: _Calendar | None = None


# When the shared cache (Redis) fails, its breaker (governance.sharedcache) skips it for a while
# and this process relies on its own copy (reloaded from the database every CACHE_SECONDS):
# deadlines never wait on a dead Redis.
_UNKNOWN = UNAVAILABLE


def _shared(call, *args, **kwargs):
    """Run a cache call; on any cache failure return _UNKNOWN and stop asking for a while."""
    return cache_breaker().call(call, *args, what="calendar version check", **kwargs)


def invalidate_calendar_cache() -> None:
    """Forget this process's copy and tell the other processes (through the Django cache) that
    the calendar changed. Called by the models' post_save/post_delete handlers, again when the
    transaction commits, and by `calendar_sync_from_package` (bulk writes send no signals)."""
    global _calendar_copy
    with _lock:
        _calendar_copy = None
    _shared(_bump_version)


def _bump_version() -> None:
    cache.add(_VERSION_KEY, 0, timeout=None)
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:  # evicted between add and incr
        cache.set(_VERSION_KEY, 1, timeout=None)


def _load() -> _Calendar:
    version = _shared(cache.get, _VERSION_KEY)
    holidays: list[date] = []
    workdays: list[date] = []
    for day, kind in CalendarDay.objects.order_by("date").values_list("date", "kind"):
        if kind == CalendarDayKind.HOLIDAY and day.weekday() < 5:
            holidays.append(day)
        elif kind == CalendarDayKind.WORKDAY and day.weekday() >= 5:
            workdays.append(day)
    years = frozenset(CalendarYear.objects.values_list("year", flat=True))
    return _Calendar(
        years=years,
        weekday_holidays=tuple(holidays),
        weekend_workdays=tuple(workdays),
        weekday_holiday_set=frozenset(holidays),
        weekend_workday_set=frozenset(workdays),
        version=version,
        loaded_at=time.monotonic(),
    )


def _calendar() -> _Calendar:
    global _calendar_copy
    current = _calendar_copy
    if current is not None and time.monotonic() - current.loaded_at < CACHE_SECONDS:
        version = _shared(cache.get, _VERSION_KEY)
        if version is _UNKNOWN or version == current.version:
            return current
    fresh = _load()
    with _lock:
        _calendar_copy = fresh
    return fresh


def _local_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            return timezone.localtime(value).date()
        return value.date()
    return value


def _is_workday(day: date, calendar: _Calendar) -> bool:
    if day.weekday() < 5:
        return day not in calendar.weekday_holiday_set
    return day in calendar.weekend_workday_set


def is_workday(day: date | datetime) -> bool:
    """Whether `day` (a datetime: its local date) is a working day."""
    return _is_workday(_local_date(day), _calendar())


def add_workdays(start: date | datetime, days: int) -> date:
    """The `days`-th working day after `start` (a datetime: its local date): the deadline of a
    limit of `days` working days for something that started on `start`. The start day itself
    never counts, whether or not it is a working day; `days == 0` gives `start`'s date.

    Example: a 15-working-day limit from 2025-09-26 (Friday) skips the 国庆/中秋 block
    (Oct 1–8) and counts the make-up Sunday Sep 28 and Saturday Oct 11: the deadline is
    2025-10-23."""
    if days < 0:
        raise ValueError("days must be >= 0")
    calendar = _calendar()
    day = _local_date(start)
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if _is_workday(day, calendar):
            remaining -= 1
    return day


def _weekdays_through(day: date) -> int:
    """Monday–Friday days from 0001-01-01 (a Monday) through `day`."""
    ordinal = day.toordinal()
    return ordinal // 7 * 5 + min(ordinal % 7, 5)


def _count_in(sorted_days: tuple[date, ...], start: date, end: date) -> int:
    """How many of `sorted_days` lie in (start, end]."""
    return bisect_right(sorted_days, end) - bisect_right(sorted_days, start)


def workdays_between(start: date | datetime, end: date | datetime) -> int:
    """The working days `d` with `start < d <= end` (datetimes: their local dates): how many
    working days of a limit that started on `start` have been used by `end`. 0 if `end` is not
    after `start`. Computed without walking the days, so any span is cheap."""
    first, last = _local_date(start), _local_date(end)
    if last <= first:
        return 0
    calendar = _calendar()
    return (
        _weekdays_through(last)
        - _weekdays_through(first)
        - _count_in(calendar.weekday_holidays, first, last)
        + _count_in(calendar.weekend_workdays, first, last)
    )


def covered_years() -> frozenset[int]:
    """The years whose holiday schedule has been entered (a `CalendarYear` row)."""
    return _calendar().years


def calendar_warnings(*, today: date | None = None) -> list[str]:
    """Messages for staff when deadlines may be counted without the official schedule: the
    current year, and from November 1 also the next year, has no `CalendarYear` row."""
    today = today or timezone.localdate()
    years = [today.year]
    if (today.month, today.day) >= NEXT_YEAR_WARNING_FROM:
        years.append(today.year + 1)
    covered = covered_years()
    return [
        _("%(year)s年节假日安排尚未录入，期限按仅跳过周末计算。") % {"year": year}
        for year in years
        if year not in covered
    ]


# --- Seeding from the chinesecalendar package ----------------------------------------------

# chinesecalendar names its holidays in English; these are the names the notices use.
_PACKAGE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def package_schedule() -> dict[date, tuple[str, str]]:
    """{date: (kind, Chinese name)} for every exception the installed chinesecalendar knows."""
    import chinese_calendar

    schedule = {
        day: (CalendarDayKind.HOLIDAY.value, _PACKAGE_NAMES.get(name, name))
        for day, name in chinese_calendar.holidays.items()
    }
    schedule.update(
        (day, (CalendarDayKind.WORKDAY.value, _PACKAGE_NAMES.get(name, name)))
        for day, name in chinese_calendar.workdays.items()
    )
    return schedule


@dataclass(frozen=True)
class CalendarSyncResult:
    years_created: int = 0
    days_created: int = 0
    days_updated: int = 0
    days_deleted: int = 0
    manual_days_kept: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.years_created + self.days_created + self.days_updated + self.days_deleted)


@transaction.atomic
def calendar_sync_from_package() -> CalendarSyncResult:
    """Bring the `package` rows in line with the installed chinesecalendar: create the missing
    years and days, correct `package` days whose kind or name changed, and delete `package` days
    the package no longer lists in a year it covers. `manual` rows (an admin's entries or
    corrections) are never touched, and a run with nothing new writes nothing."""
    schedule = package_schedule()
    package_years = {day.year for day in schedule}
    years = {row.year: row for row in CalendarYear.objects.select_for_update()}
    new_years = [
        CalendarYear(year=year, source=CalendarSource.PACKAGE)
        for year in sorted(package_years - years.keys())
    ]
    for row in CalendarYear.objects.bulk_create(new_years):
        years[row.year] = row
    if new_years and any(row.pk is None for row in new_years):  # backends without RETURNING
        years = {row.year: row for row in CalendarYear.objects.all()}

    existing = {row.date: row for row in CalendarDay.objects.select_for_update()}
    to_create, to_update, manual_kept = [], [], 0
    for day, (kind, name) in sorted(schedule.items()):
        row = existing.get(day)
        if row is None:
            to_create.append(
                CalendarDay(
                    calendar_year=years[day.year],
                    date=day,
                    kind=kind,
                    name=name,
                    source=CalendarSource.PACKAGE,
                )
            )
        elif row.source == CalendarSource.MANUAL:
            manual_kept += (row.kind, row.name) != (kind, name)
        elif (row.kind, row.name) != (kind, name):
            row.kind, row.name = kind, name
            to_update.append(row)
    stale = [
        row.pk
        for day, row in existing.items()
        if row.source == CalendarSource.PACKAGE
        and day.year in package_years
        and day not in schedule
    ]
    CalendarDay.objects.bulk_create(to_create)
    now = timezone.now()
    for row in to_update:
        row.updated_at = now
    CalendarDay.objects.bulk_update(to_update, ["kind", "name", "updated_at"])
    deleted = CalendarDay.objects.filter(pk__in=stale).delete()[0] if stale else 0
    result = CalendarSyncResult(
        years_created=len(new_years),
        days_created=len(to_create),
        days_updated=len(to_update),
        days_deleted=deleted,
        manual_days_kept=manual_kept,
    )
    if result.changed:
        invalidate_calendar_cache()
        transaction.on_commit(invalidate_calendar_cache)
    return result
