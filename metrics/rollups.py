"""Counters read from the monthly rollups, with the same shape as metrics.raw.raw_counters:
for the whole deployment, a province, a city or a county, over whole months. A county's
children (its townships) are counted from the cases; the townships' own whole-month rows
serve their dashboards' 12-month trend (`township_months`)."""

from collections import defaultdict

from django.db.models import Max, Sum

from centers.choices import CenterLevel
from centers.models import Center

from .definitions import Counters
from .models import ROLLUP_COUNTERS, Dimension, Grain, MonthlyCounts, OpenCounts
from .periods import Period
from .raw import raw_counters

__all__ = ["serves", "rollup_counters", "rollup_freshness", "township_months"]

_GROUPS = {"category": Dimension.CATEGORY, "channel": Dimension.CHANNEL}
_GROUPS["risk_level"] = Dimension.RISK


def serves(center, period: Period) -> bool:
    """Whether rollups can answer for this subtree and period (big subtrees, whole months)."""
    level = None if center is None else center.level
    return period.whole_months and level in (
        None,
        CenterLevel.PROVINCE,
        CenterLevel.CITY,
        CenterLevel.COUNTY,
    )


def _scope(center):
    """The rows of the subtree: (grain, filter), and the column naming each row's child."""
    if center is None:
        roots = Center.objects.root_nodes().filter(is_active=True).values_list("level", flat=True)
        child = "parent" if CenterLevel.PROVINCE in roots else "center"
        return MonthlyCounts.objects.filter(grain=Grain.CITY), child
    if center.level == CenterLevel.PROVINCE:
        return MonthlyCounts.objects.filter(grain=Grain.CITY, parent=center), "center"
    if center.level == CenterLevel.COUNTY:
        return MonthlyCounts.objects.filter(grain=Grain.COUNTY, center=center), None
    return MonthlyCounts.objects.filter(grain=Grain.COUNTY, parent=center), "center"


def rollup_counters(*, center, period: Period, group: str | None = None) -> dict:
    """{key: Counters} like raw_counters. `group` None, "children", "category", "channel",
    "risk_level" or "month"; open and overdue now from OpenCounts (the job recounts them)."""
    if group == "children" and center is not None and center.level == CenterLevel.COUNTY:
        return raw_counters(center=center, period=period, group=_child_column(center))
    rows, child = _scope(center)
    rows = rows.filter(month__gte=period.start, month__lt=period.end)
    dimension = _GROUPS.get(group, Dimension.TOTAL)
    rows = rows.filter(dimension=dimension)
    key = {None: None, "children": child, "month": "month"}.get(group, "value")
    sums = {name: Sum(name) for name in ROLLUP_COUNTERS}
    if key is None:
        found = {None: rows.aggregate(**sums)}
    else:
        found = {row.pop(key): row for row in rows.values(key).annotate(**sums).order_by()}
    result: dict = defaultdict(Counters)
    for name_key, values in found.items():
        if group == "category" and name_key not in (None, ""):
            name_key = int(name_key)
        counters = result[name_key]
        for name, value in values.items():
            setattr(counters, name, value or 0)
    if group != "month":
        for name_key, (open_now, overdue_now) in open_counts(center=center, group=group).items():
            result[name_key].open_now = open_now
            result[name_key].overdue_now = overdue_now
    return dict(result)


def open_counts(*, center, group: str | None = None) -> dict:
    """{key: (open now, overdue now)} from OpenCounts for the deployment, a province or a
    city, keyed like rollup_counters (`group` None, "children", or a dimension)."""
    rows = OpenCounts.objects.filter(dimension=_GROUPS.get(group, Dimension.TOTAL))
    if center is not None:
        column = {CenterLevel.PROVINCE: "province", CenterLevel.COUNTY: "unit"}
        rows = rows.filter(**{column.get(center.level, "city"): center})
    sums = {"open": Sum("open_now"), "overdue": Sum("overdue_now")}
    if group is None:
        found = rows.aggregate(**sums)
        return {None: (found["open"] or 0, found["overdue"] or 0)}
    key = _open_child_column(center) if group == "children" else "value"
    result = {}
    for row in rows.values(key).annotate(**sums).order_by():
        name_key = row[key]
        if group == "category" and name_key not in (None, ""):
            name_key = int(name_key)
        result[name_key] = (row["open"] or 0, row["overdue"] or 0)
    return result


def _open_child_column(center) -> str:
    """The OpenCounts column naming each row's child center."""
    column = _child_column(center)  # loc_province, loc_city or loc_county
    return {"loc_province": "province", "loc_city": "city", "loc_county": "unit"}[column]


def _child_column(center) -> str:
    from .raw import LOC_FIELD

    if center is None:
        roots = Center.objects.root_nodes().filter(is_active=True).values_list("level", flat=True)
        return LOC_FIELD[
            CenterLevel.PROVINCE if CenterLevel.PROVINCE in roots else CenterLevel.CITY
        ]
    return LOC_FIELD[
        {
            CenterLevel.PROVINCE: CenterLevel.CITY,
            CenterLevel.CITY: CenterLevel.COUNTY,
            CenterLevel.COUNTY: CenterLevel.TOWNSHIP,
        }[center.level]
    ]


def rollup_freshness(center):
    """When the job last brought the rollups up to date: every run recounts the open cases
    (all OpenCounts rows carry that run's time), after recomputing the months marked dirty.
    Without open cases, the newest month row of this subtree."""
    recounted = OpenCounts.objects.values_list("refreshed_at", flat=True).first()
    if recounted is not None:
        return recounted
    rows, _child = _scope(center)
    return rows.aggregate(latest=Max("refreshed_at"))["latest"]


def township_months(*, center, period: Period) -> dict:
    """{first day of month: Counters} of a township's whole months, from its rollup rows
    (the 12-month trend: a year of a busy township's cases is 15,000 rows all over the
    table, its rollup rows are 12). Months without cases have no row."""
    rows = MonthlyCounts.objects.filter(
        grain=Grain.TOWNSHIP,
        center=center,
        dimension=Dimension.TOTAL,
        month__gte=period.start,
        month__lt=period.end,
    ).values("month", *ROLLUP_COUNTERS)
    result = {}
    for row in rows:
        counters = Counters()
        month = row.pop("month")
        for name, value in row.items():
            setattr(counters, name, value)
        result[month] = counters
    return result
