"""The dashboard (metrics.selectors.dashboard) as the pages, the exports and the API show it:
each metric with its value, numerator, denominator and formula; the children's rows, sorted;
the breakdowns; the ladder's funnel; the trend chart; the export's columns; the titles.

Pure functions of a Dashboard: no queries here."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from centers.choices import CenterLevel
from centers.models import Center
from disputes.exports import Column

from .charts import HBarSeries, bar_line_chart, hbar_chart
from .definitions import METRICS, RESOLVED_SHARE_BY_LEVEL, Counters, Metric
from .periods import Period
from .selectors import Dashboard

__all__ = [
    "CHILD_METRIC_KEYS",
    "ChildRow",
    "FunnelStep",
    "MetricValue",
    "SortColumn",
    "breakdown_rows",
    "child_rows",
    "export_columns",
    "export_rows",
    "funnel_chart",
    "funnel_steps",
    "headline",
    "issuer_name",
    "metric_values",
    "report_title",
    "sort_columns",
    "trend_chart",
    "trend_rows",
]

METRICS_BY_KEY = {metric.key: metric for metric in METRICS}
# The children table's columns, after the name: the key rates, then the counts.
CHILD_METRIC_KEYS = (
    "resolution_rate",
    "local_resolution_rate",
    "mediation_success_rate",
    "on_time_rate",
    "satisfaction_rate",
    "escalation_rate",
    "received",
    "accepted",
    "open_now",
    "overdue_now",
)
SORT_KEYS = ("name", *CHILD_METRIC_KEYS)
DIRECTIONS = ("asc", "desc")
HEADLINE_COUNT_KEYS = (
    "received",
    "accepted",
    "resolved",
    "closed",
    "unreachable",
    "open_now",
    "overdue_now",
    "average_handling_workdays",
)
# The levels of the funnel; the province only where cases reached it.
FUNNEL_LEVELS = ("village", "township", "county", "city", "province")
EMPTY = "—"


@dataclass(frozen=True)
class MetricValue:
    """One metric of one subtree and period: the value (None when the denominator is 0), and
    the counts it is computed from."""

    metric: Metric
    value: float | int | None
    numerator: int
    denominator: int | None

    @property
    def key(self) -> str:
        return self.metric.key

    @property
    def label(self) -> str:
        return str(self.metric.label)

    @property
    def formula(self) -> str:
        return str(self.metric.formula)

    @property
    def kind(self) -> str:
        return self.metric.kind

    @property
    def display(self) -> str:
        """As shown: a rate as a percentage with one decimal, an average with one decimal, a
        count as is; "—" when there is nothing to divide by."""
        if self.value is None:
            return EMPTY
        if self.kind == "rate":
            return f"{self.value * 100:.1f}%"
        if self.kind == "average":
            return f"{self.value:.1f}"
        return str(self.value)

    @property
    def number(self) -> float | int | None:
        """As exported: a rate in percent and an average rounded to one decimal, a count."""
        if self.value is None:
            return None
        if self.kind == "rate":
            return round(self.value * 100, 1)
        if self.kind == "average":
            return round(self.value, 1)
        return self.value


def metric_value(counters: Counters, metric: Metric) -> MetricValue:
    denominator = getattr(counters, metric.denominator) if metric.denominator else None
    return MetricValue(
        metric=metric,
        value=metric.compute(counters),
        numerator=getattr(counters, metric.numerator),
        denominator=denominator if metric.kind != "count" else None,
    )


def metric_values(counters: Counters, keys: Iterable[str] | None = None) -> list[MetricValue]:
    """The metrics of `keys` (all of METRICS by default), in that order."""
    chosen = [METRICS_BY_KEY[key] for key in keys] if keys is not None else METRICS
    return [metric_value(counters, metric) for metric in chosen]


def headline(counters: Counters) -> dict:
    """The headline cards: every rate, then the counts and the average handling time."""
    return {
        "rates": [metric_value(counters, m) for m in METRICS if m.kind == "rate"],
        "counts": metric_values(counters, HEADLINE_COUNT_KEYS),
    }


# --- The children table ---------------------------------------------------------------


@dataclass(frozen=True)
class ChildRow:
    """One child center of the dashboard's center, with its metrics (CHILD_METRIC_KEYS). In
    an export's total row, `center` is a stand-in with the name and code only."""

    center: Center
    counters: Counters
    cells: list[MetricValue]

    def cell(self, key: str) -> MetricValue:
        return next(cell for cell in self.cells if cell.key == key)


@dataclass(frozen=True)
class SortColumn:
    """A sortable column header: whether the table is sorted by it, and the sort its link
    asks for next."""

    key: str
    label: str
    numeric: bool
    active: bool
    direction: str  # the current direction when active
    next_direction: str

    @property
    def aria_sort(self) -> str:
        if not self.active:
            return "none"
        return "ascending" if self.direction == "asc" else "descending"


def clean_sort(*, sort: str | None, direction: str | None) -> tuple[str | None, str]:
    """A known column and direction, or (None, "asc"): the centers' code order."""
    if sort not in SORT_KEYS:
        return None, "asc"
    if direction not in DIRECTIONS:
        direction = "asc" if sort == "name" else "desc"
    return sort, direction


def child_rows(
    children: Sequence[tuple[Center, Counters]], *, sort: str | None, direction: str
) -> list[ChildRow]:
    """The rows, sorted by `sort` (a key of SORT_KEYS; None keeps the code order) in
    `direction`; rows without a value ("—") come last either way, in code order."""
    rows = [
        ChildRow(center, counters, metric_values(counters, CHILD_METRIC_KEYS))
        for center, counters in children
    ]
    sort, direction = clean_sort(sort=sort, direction=direction)
    if sort is None:
        return rows
    if sort == "name":
        by_name = sorted(rows, key=lambda r: (r.center.name, r.center.code))
        return by_name[::-1] if direction == "desc" else by_name
    valued = [r for r in rows if r.cell(sort).value is not None]
    blank = [r for r in rows if r.cell(sort).value is None]
    valued.sort(key=lambda r: r.center.code)
    valued.sort(key=lambda r: r.cell(sort).value, reverse=direction == "desc")
    return valued + blank


def sort_columns(*, sort: str | None, direction: str) -> list[SortColumn]:
    sort, direction = clean_sort(sort=sort, direction=direction)
    columns = []
    for key in SORT_KEYS:
        active = key == sort
        flipped = "asc" if direction == "desc" else "desc"
        upcoming = flipped if active else ("asc" if key == "name" else "desc")
        label = gettext("名称") if key == "name" else str(METRICS_BY_KEY[key].label)
        columns.append(
            SortColumn(key, label, key != "name", active, direction if active else "", upcoming)
        )
    return columns


# --- Breakdowns, funnel, trend --------------------------------------------------------


def breakdown_rows(items: Sequence[tuple[str, str, Counters]]) -> list[dict]:
    """A breakdown's rows: the key, the label, the counters and the 化解率."""
    metric = METRICS_BY_KEY["resolution_rate"]
    return [
        {
            "key": key,
            "label": str(label),
            "counters": counters,
            "resolution": metric_value(counters, metric),
        }
        for key, label, counters in items
    ]


@dataclass(frozen=True)
class FunnelStep:
    """One rung of the ladder: the accepted cases whose highest level was this one, those
    that climbed at least this high, and those resolved at this level (shares of accepted)."""

    level: str
    label: str
    reached: int
    climbed: int
    resolved: int
    accepted: int

    def _share(self, count: int) -> float | None:
        return count / self.accepted if self.accepted else None

    @property
    def reached_share(self) -> float | None:
        return self._share(self.reached)

    @property
    def climbed_share(self) -> float | None:
        return self._share(self.climbed)

    @property
    def resolved_share(self) -> float | None:
        return self._share(self.resolved)

    @staticmethod
    def shown(share: float | None) -> str:
        return EMPTY if share is None else f"{share * 100:.1f}%"

    @property
    def reached_display(self) -> str:
        return self.shown(self.reached_share)

    @property
    def climbed_display(self) -> str:
        return self.shown(self.climbed_share)

    @property
    def resolved_display(self) -> str:
        return self.shown(self.resolved_share)


def funnel_steps(board: Dashboard) -> list[FunnelStep]:
    """The ladder from the village up (the province only when cases reached it)."""
    reached = dict(board.funnel)
    resolved = {level: getattr(board.totals, name) for level, name in RESOLVED_SHARE_BY_LEVEL}
    levels = [
        level
        for level in FUNNEL_LEVELS
        if level != "province" or reached.get(level) or resolved.get(level)
    ]
    steps, climbed = [], 0
    for level in reversed(levels):
        climbed += reached.get(level, 0)
        steps.append(
            FunnelStep(
                level=level,
                label=str(CenterLevel(level).label),
                reached=reached.get(level, 0),
                climbed=climbed,
                resolved=resolved.get(level, 0),
                accepted=board.totals.accepted,
            )
        )
    return list(reversed(steps))


def funnel_chart(steps: Sequence[FunnelStep], *, id_prefix: str = "funnel"):
    reached_name = gettext("最高到达该级")
    resolved_name = gettext("在该级化解")
    description = "; ".join(
        f"{s.label}: {reached_name} {s.reached_display}, {resolved_name} {s.resolved_display}"
        for s in steps
    )
    return hbar_chart(
        id_prefix=id_prefix,
        title=gettext("层级漏斗：案件最高上报到哪一级、在哪一级化解（占受理数）"),
        description=description,
        groups=[s.label for s in steps],
        series=[
            HBarSeries(reached_name, [s.reached_share for s in steps]),
            HBarSeries(resolved_name, [s.resolved_share for s in steps]),
        ],
    )


def month_label(month: date) -> str:
    """A month on a chart axis: 3月 / Mar."""
    # Translators: a Django date format (the "date" template filter's letters).
    return formats.date_format(month, gettext("n月"))


def trend_rows(board: Dashboard) -> list[dict]:
    """The trend's months: the month, its counters and its 化解率."""
    metric = METRICS_BY_KEY["resolution_rate"]
    return [
        {
            "month": month,
            "label": formats.date_format(month, "YEAR_MONTH_FORMAT"),
            "counters": counters,
            "resolution": metric_value(counters, metric),
        }
        for month, counters in board.trend
    ]


def trend_chart(board: Dashboard, *, id_prefix: str = "trend"):
    """The received cases (bars) and the 化解率 (line) of the trend's twelve months."""
    rows = trend_rows(board)
    received_name = str(METRICS_BY_KEY["received"].label)
    rate_name = str(METRICS_BY_KEY["resolution_rate"].label)
    description = "; ".join(
        f"{row['label']}: {received_name} {row['counters'].received}, "
        f"{rate_name} {row['resolution'].display}"
        for row in rows
    )
    return bar_line_chart(
        id_prefix=id_prefix,
        title=gettext("月度趋势：登记数与化解率"),
        description=description,
        labels=[month_label(row["month"]) for row in rows],
        sublabels=[
            str(row["month"].year) if index == 0 or row["month"].month == 1 else ""
            for index, row in enumerate(rows)
        ],
        bars=[row["counters"].received for row in rows],
        line=[row["resolution"].value for row in rows],
        bar_name=received_name,
        line_name=rate_name,
    )


# --- Exports and titles ---------------------------------------------------------------


def _metric_column(key: str) -> Column:
    metric = METRICS_BY_KEY[key]
    header = metric.label
    if metric.kind == "rate":
        header = gettext("%(label)s（%%）") % {"label": metric.label}
    return Column(header=header, value=lambda row: row.cell(key).number, width=12)


def export_columns() -> list[Column]:
    """The children table's columns, as in the page: name, code, then CHILD_METRIC_KEYS."""
    return [
        Column(header=_("名称"), value=lambda row: row.center.name, width=24),
        Column(header=_("区划代码"), value=lambda row: row.center.code, width=16),
        *[_metric_column(key) for key in CHILD_METRIC_KEYS],
    ]


@dataclass(frozen=True)
class _TotalCenter:
    name: str
    code: str


def export_rows(board: Dashboard, *, sort: str | None, direction: str) -> list[ChildRow]:
    """The children's rows as on the page, then a total row (the center itself)."""
    rows = child_rows(board.children, sort=sort, direction=direction)
    code = board.center.code if board.center is not None else ""
    total = ChildRow(
        _TotalCenter(gettext("合计"), code),
        board.totals,
        metric_values(board.totals, CHILD_METRIC_KEYS),
    )
    return [*rows, total]


def issuer_name(center: Center | None) -> str:
    """襄城区综治中心; the whole deployment when None."""
    if center is None:
        return gettext("全部综治中心")
    return gettext("%(name)s综治中心") % {"name": center.name}


def report_title(center: Center | None, period: Period) -> str:
    """襄城区综治中心 2025年3月 矛盾纠纷化解工作月报."""
    return gettext("%(issuer)s %(period)s 矛盾纠纷化解工作月报") % {
        "issuer": issuer_name(center),
        "period": period.display(),
    }
