"""Counters read from the monthly rollups, with the same shape as metrics.raw.raw_counters:
for the whole deployment, a province or a city, over whole months."""

from collections import defaultdict

from django.db.models import Max, Sum

from centers.choices import CenterLevel
from centers.models import Center

from .definitions import Counters
from .models import ROLLUP_COUNTERS, Dimension, Grain, MonthlyCounts
from .periods import Period
from .raw import raw_counters

__all__ = ["serves", "rollup_counters", "rollup_freshness"]

_GROUPS = {"category": Dimension.CATEGORY, "channel": Dimension.CHANNEL}
_GROUPS["risk_level"] = Dimension.RISK


def serves(center, period: Period) -> bool:
    """Whether rollups can answer for this subtree and period (big subtrees, whole months)."""
    level = None if center is None else center.level
    return period.whole_months and level in (None, CenterLevel.PROVINCE, CenterLevel.CITY)


def _scope(center):
    """The rows of the subtree: (grain, filter), and the column naming each row's child."""
    if center is None:
        roots = Center.objects.root_nodes().filter(is_active=True).values_list("level", flat=True)
        child = "parent" if CenterLevel.PROVINCE in roots else "center"
        return MonthlyCounts.objects.filter(grain=Grain.CITY), child
    if center.level == CenterLevel.PROVINCE:
        return MonthlyCounts.objects.filter(grain=Grain.CITY, parent=center), "center"
    return MonthlyCounts.objects.filter(grain=Grain.COUNTY, parent=center), "center"


def rollup_counters(*, center, period: Period, group: str | None = None) -> dict:
    """{key: Counters} like raw_counters. `group` None, "children", "category", "channel",
    "risk_level" or "month"; open and overdue (now) are read from the cases."""
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
        live_group = {"children": _child_column(center), None: None}.get(group, group)
        now = raw_counters(center=center, period=period, group=live_group, now_only=True)
        for name_key, values in now.items():
            result[name_key].open_now = values.open_now
            result[name_key].overdue_now = values.overdue_now
    return dict(result)


def _child_column(center) -> str:
    from .raw import LOC_FIELD

    if center is None:
        roots = Center.objects.root_nodes().filter(is_active=True).values_list("level", flat=True)
        return LOC_FIELD[
            CenterLevel.PROVINCE if CenterLevel.PROVINCE in roots else CenterLevel.CITY
        ]
    return LOC_FIELD[
        CenterLevel.CITY if center.level == CenterLevel.PROVINCE else CenterLevel.COUNTY
    ]


def rollup_freshness(center):
    """When the rows of this subtree were last computed."""
    rows, _child = _scope(center)
    return rows.aggregate(latest=Max("refreshed_at"))["latest"]
