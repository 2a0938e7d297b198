"""Keeping the rollups current: steps mark the (county, month) cells they may change; a job
recomputes marked cells from the cases (with the same code as everything else reads), with
the whole-month rows of the unit's townships, and sums each touched city's month from its
counties."""

import logging
from collections import defaultdict
from datetime import date

from django.db import connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from centers.models import Center
from disputes.models import Dispute, FollowUp

from .models import ROLLUP_COUNTERS, Dimension, DirtyMonth, Grain, MonthlyCounts, OpenCounts
from .periods import Period, month_start, next_month
from .raw import raw_counters

__all__ = [
    "open_counts_refresh",
    "rollup_unit",
    "rollups_build_all",
    "rollups_mark_dirty",
    "rollups_refresh",
    "rollups_rebuild",
]

logger = logging.getLogger(__name__)

DIMENSIONS = [Dimension.CATEGORY, Dimension.CHANNEL, Dimension.RISK]


def rollup_unit(dispute: Dispute) -> int | None:
    """The county-grain unit of a case: its county, or its city when the city has no
    county level (e.g. 东莞: townships directly under the city)."""
    return dispute.loc_county_id or dispute.loc_city_id


def rollups_mark_dirty(dispute: Dispute, *moments) -> None:
    """Mark the case's unit dirty for the months of `moments` (datetimes or None). Call in
    the transaction of the change."""
    unit = rollup_unit(dispute)
    if unit is None:
        return
    months = {month_start(timezone.localtime(m).date()) for m in moments if m is not None}
    DirtyMonth.objects.bulk_create(
        [DirtyMonth(center_id=unit, month=month) for month in months], ignore_conflicts=True
    )


def _rows(counters: dict, *, grain, center, parent, month, dimension) -> list:
    rows = []
    for key, values in counters.items():
        if dimension and key is None:
            continue
        rows.append(
            MonthlyCounts(
                grain=grain,
                center=center,
                parent=parent,
                month=month,
                dimension=dimension,
                value="" if not dimension else str(key),
                **{name: getattr(values, name) for name in ROLLUP_COUNTERS},
            )
        )
    return rows


def _refresh_unit(unit: Center, month: date) -> Center | None:
    """Recompute one county-grain cell (all dimensions); returns the city to re-sum."""
    period = Period(month, next_month(month))
    city = (
        unit
        if unit.level == "city"
        else Center.objects.filter(
            tree_id=unit.tree_id, lft__lt=unit.lft, rght__gt=unit.rght, level="city"
        ).first()
    )
    # A city's own cell holds only its cases outside any county.
    extra = Q(loc_county__isnull=True) if unit.level == "city" else None
    rows = []
    total = raw_counters(center=unit, period=period, extra=extra)
    rows += _rows(total, grain=Grain.COUNTY, center=unit, parent=city, month=month, dimension="")
    for dimension in DIMENSIONS:
        split = raw_counters(center=unit, period=period, group=dimension, extra=extra)
        rows += _rows(
            split, grain=Grain.COUNTY, center=unit, parent=city, month=month, dimension=dimension
        )
    per_township = raw_counters(center=unit, period=period, group="loc_township", extra=extra)
    rows += [
        MonthlyCounts(
            grain=Grain.TOWNSHIP,
            center_id=township,
            parent=unit,
            month=month,
            dimension="",
            value="",
            **{name: getattr(values, name) for name in ROLLUP_COUNTERS},
        )
        for township, values in per_township.items()
        if township is not None
    ]
    MonthlyCounts.objects.filter(grain=Grain.COUNTY, center=unit, month=month).delete()
    MonthlyCounts.objects.filter(grain=Grain.TOWNSHIP, parent=unit, month=month).delete()
    MonthlyCounts.objects.bulk_create([row for row in rows if _nonzero(row)])
    return city


def _nonzero(row: MonthlyCounts) -> bool:
    return any(getattr(row, name) for name in ROLLUP_COUNTERS)


def _resum_city(city: Center, month: date) -> None:
    """A city's month is the sum of its county-grain cells."""
    province = city.get_ancestors().filter(level="province").first()
    sums = (
        MonthlyCounts.objects.filter(grain=Grain.COUNTY, parent=city, month=month)
        .values("dimension", "value")
        .annotate(**{name: Sum(name) for name in ROLLUP_COUNTERS})
        .order_by()
    )
    MonthlyCounts.objects.filter(grain=Grain.CITY, center=city, month=month).delete()
    MonthlyCounts.objects.bulk_create(
        [
            MonthlyCounts(
                grain=Grain.CITY,
                center=city,
                parent=province,
                month=month,
                dimension=row["dimension"],
                value=row["value"],
                **{name: row[name] or 0 for name in ROLLUP_COUNTERS},
            )
            for row in sums
        ]
    )


def rollups_refresh(*, limit: int = 200) -> int:
    """Recompute up to `limit` dirty cells, then the cities they belong to. Each batch is one
    transaction: the dirty marks are taken (SKIP LOCKED: two jobs share the work) and removed
    before the cases are read, so a change committed meanwhile marks its cell again."""
    with transaction.atomic():
        marks = list(
            DirtyMonth.objects.select_for_update(skip_locked=True)
            .select_related("center")
            .order_by("marked_at")[:limit]
        )
        if not marks:
            return 0
        DirtyMonth.objects.filter(pk__in=[mark.pk for mark in marks]).delete()
        cities = defaultdict(set)
        for mark in marks:
            city = _refresh_unit(mark.center, mark.month)
            if city is not None:
                cities[city].add(mark.month)
        for city, months in cities.items():
            for month in months:
                _resum_city(city, month)
    return len(marks)


def rollups_rebuild() -> int:
    """Mark every (unit, month) that has cases dirty (after an import, or to start over);
    the refresh job then recomputes them. Returns how many cells were marked."""
    marks = set()
    for county, city, *moments in Dispute.objects.values_list(
        "loc_county", "loc_city", "created_at", "closed_at"
    ).iterator():
        unit = county or city
        if unit is None:
            continue
        for moment in moments:
            if moment is not None:
                marks.add((unit, month_start(timezone.localtime(moment).date())))
    for county, city, moment in (
        FollowUp.objects.filter(ended_at__isnull=False)
        .values_list("loc_county", "loc_city", "ended_at")
        .iterator()
    ):
        if county or city:
            marks.add((county or city, month_start(timezone.localtime(moment).date())))
    DirtyMonth.objects.bulk_create(
        [DirtyMonth(center_id=unit, month=month) for unit, month in marks],
        ignore_conflicts=True,
        batch_size=1000,
    )
    return len(marks)


def _cities_and_provinces() -> dict[int, tuple[int | None, int | None]]:
    """For every county-grain unit (a county, or a city without counties): its city and the
    city's province, from the tree's intervals in two queries."""
    from bisect import bisect_right

    def intervals(level: str) -> dict[int, tuple[list, list]]:
        by_tree: dict[int, list] = defaultdict(list)
        for pk, tree_id, lft, rght in (
            Center.objects.filter(level=level)
            .order_by("tree_id", "lft")
            .values_list("pk", "tree_id", "lft", "rght")
        ):
            by_tree[tree_id].append((lft, rght, pk))
        return {tree: ([lft for lft, _r, _p in rows], rows) for tree, rows in by_tree.items()}

    def containing(index, tree_id: int, lft: int) -> int | None:
        starts, rows = index.get(tree_id, ([], []))
        position = bisect_right(starts, lft) - 1
        if position >= 0 and rows[position][1] > lft:
            return rows[position][2]
        return None

    cities, provinces = intervals("city"), intervals("province")
    result = {}
    for pk, level, tree_id, lft in Center.objects.filter(level__in=["city", "county"]).values_list(
        "pk", "level", "tree_id", "lft"
    ):
        city = pk if level == "city" else containing(cities, tree_id, lft)
        result[pk] = (city, containing(provinces, tree_id, lft))
    return result


def _build_sections():
    from django.db.models import Count
    from django.db.models.functions import Coalesce

    from disputes.choices import FollowUpStatus, Satisfaction

    from .raw import _cohort_aggregates

    good = [Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED]
    return [
        (Dispute.objects.all(), "created_at", "", _cohort_aggregates()),
        (
            Dispute.objects.filter(closed_at__isnull=False),
            "closed_at",
            "",
            {
                "closed": Count("pk"),
                "closed_on_time": Count("pk", filter=Q(closed_on_time=True)),
                "handling_workdays": Coalesce(Sum("handling_workdays"), 0),
            },
        ),
        (
            FollowUp.objects.filter(ended_at__isnull=False),
            "ended_at",
            "dispute__",
            {
                "follow_ups_reached": Count("pk", filter=Q(status=FollowUpStatus.ANSWERED)),
                "satisfied": Count("pk", filter=Q(status=FollowUpStatus.ANSWERED, rating__in=good)),
                "unreachable": Count("pk", filter=Q(status=FollowUpStatus.UNREACHABLE)),
            },
        ),
    ]


def _county_rows(cells, city_cells, places, dimension):
    """The county-grain rows of one dimension's cells, adding each into its city's cell."""
    for (unit, month, value), counts in cells.items():
        city, _province = places.get(unit, (None, None))
        if city is not None:
            summed = city_cells[(city, month, value)]
            for name, count in counts.items():
                summed[name] += count
        yield MonthlyCounts(
            grain=Grain.COUNTY,
            center_id=unit,
            parent_id=city,
            month=month,
            dimension=dimension,
            value=value,
            **{name: counts.get(name, 0) for name in ROLLUP_COUNTERS},
        )


def _township_rows(township_cells):
    for (township, unit, month), counts in township_cells.items():
        if not any(counts.values()):
            continue  # as the job: no row for a month with nothing to count
        yield MonthlyCounts(
            grain=Grain.TOWNSHIP,
            center_id=township,
            parent_id=unit,
            month=month,
            dimension="",
            value="",
            **{name: counts.get(name, 0) for name in ROLLUP_COUNTERS},
        )


def _city_rows(city_cells, places, dimension):
    for (city, month, value), counts in city_cells.items():
        yield MonthlyCounts(
            grain=Grain.CITY,
            center_id=city,
            parent_id=places.get(city, (None, None))[1],
            month=month,
            dimension=dimension,
            value=value,
            **{name: counts.get(name, 0) for name in ROLLUP_COUNTERS},
        )


def rollups_build_all(*, batch_size: int = 5000) -> int:
    """Recompute every row (township, county and city grain) in a few set-based passes over
    the cases (GROUP BY unit, month and one dimension; the whole-month pass by township too),
    for a first build or after a bulk load — instead of one cell at a time. One dimension at
    a time is held in memory; county rows are summed from their townships' cells and city
    rows from their counties' as they are written. One transaction: readers see the old rows
    or the new ones. Returns the number of rows written."""
    from itertools import islice

    from django.db.models.functions import Coalesce, TruncMonth

    places = _cities_and_provinces()
    sections = _build_sections()
    written = 0

    def save(rows) -> int:
        count = 0
        iterator = iter(rows)
        while batch := list(islice(iterator, batch_size)):
            MonthlyCounts.objects.bulk_create(batch)
            count += len(batch)
        return count

    with transaction.atomic():
        MonthlyCounts.objects.all().delete()
        DirtyMonth.objects.all().delete()
        for dimension in [Dimension.TOTAL, *DIMENSIONS]:
            cells: dict = defaultdict(lambda: defaultdict(int))
            township_cells: dict = defaultdict(lambda: defaultdict(int))
            for queryset, moment, prefix, aggregates in sections:
                annotated = queryset.annotate(
                    unit=Coalesce(f"{prefix}loc_county", f"{prefix}loc_city"),
                    month=TruncMonth(moment),
                ).filter(unit__isnull=False)
                keys = ["unit", "month"]
                if dimension:
                    annotated = annotated.annotate(dim_value=F(f"{prefix}{dimension}"))
                    keys.append("dim_value")
                else:
                    annotated = annotated.annotate(township=F(f"{prefix}loc_township"))
                    keys.append("township")
                rows = annotated.values(*keys).annotate(**aggregates).order_by()
                for row in rows.iterator(chunk_size=10_000):
                    value = row.pop("dim_value", "")
                    if dimension and value is None:
                        continue
                    township = row.pop("township", None)
                    month = timezone.localtime(row.pop("month")).date()
                    unit = row.pop("unit")
                    cell = cells[(unit, month, str(value))]
                    for name, count in row.items():
                        cell[name] += count or 0
                    if township is not None:
                        township_cell = township_cells[(township, unit, month)]
                        for name, count in row.items():
                            township_cell[name] += count or 0
            written += save(_township_rows(township_cells))
            del township_cells
            city_cells: dict = defaultdict(lambda: defaultdict(int))
            written += save(_county_rows(cells, city_cells, places, dimension))
            del cells
            written += save(_city_rows(city_cells, places, dimension))
    open_counts_refresh()
    _analyze(MonthlyCounts, OpenCounts)
    return written


def _analyze(*models) -> None:
    """Refresh the planner's statistics of tables just rewritten wholesale: until autovacuum
    gets to them, PostgreSQL plans the dashboards' reads as if the tables were empty (a city's
    month read through the wrong index: 40–60 ms instead of 1 ms on the national data)."""
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def open_counts_refresh(*, batch_size: int = 5000) -> int:
    """Recount the cases open now (and overdue) per unit, whole and per dimension value, in
    one GROUP BY per dimension over the open cases, and replace every OpenCounts row in one
    transaction (readers see the old rows or the new ones). Returns the rows written."""
    from django.db.models.functions import Coalesce

    from disputes.choices import OPEN_STATUSES

    from .raw import OPEN_NOW, OVERDUE_NOW

    now = timezone.now()
    open_cases = Dispute.objects.filter(status__in=sorted(OPEN_STATUSES)).annotate(
        unit=Coalesce("loc_county", "loc_city")
    )
    rows = []
    for dimension in [Dimension.TOTAL, *DIMENSIONS]:
        keys = ["unit", "loc_city", "loc_province"] + ([dimension] if dimension else [])
        grouped = (
            open_cases.filter(unit__isnull=False)
            .values(*keys)
            .annotate(open_now=OPEN_NOW, overdue_now=OVERDUE_NOW)
            .order_by()
        )
        for row in grouped:
            value = row.get(dimension, "") if dimension else ""
            if dimension and value is None:
                continue
            rows.append(
                OpenCounts(
                    unit_id=row["unit"],
                    city_id=row["loc_city"],
                    province_id=row["loc_province"],
                    dimension=dimension,
                    value=str(value),
                    open_now=row["open_now"],
                    overdue_now=row["overdue_now"],
                    refreshed_at=now,
                )
            )
    with transaction.atomic():
        OpenCounts.objects.all().delete()
        OpenCounts.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)
