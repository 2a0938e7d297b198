"""The dashboard of a subtree (综治中心 指标看板): all metrics for a period, its children,
breakdowns by category, channel and risk level, a monthly trend, the ladder's funnel and the
open overdue cases. A fixed number of queries whatever the subtree's size."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone

from centers.choices import CenterLevel, Role
from centers.models import Center
from centers.models import subtree_q as center_subtree_q
from disputes.choices import OPEN_STATUSES, Channel, RiskLevel
from disputes.models import Category, Dispute

from .definitions import LEVELS_TOP_DOWN, Counters
from .periods import Period, month_start, next_month
from .raw import LOC_FIELD, raw_counters, subtree_q
from .rollups import rollup_counters, rollup_freshness, serves, township_months

__all__ = [
    "DASHBOARD_ROLES",
    "Dashboard",
    "dashboard",
    "dashboard_breadcrumb",
    "dashboard_centers",
    "dashboard_roots",
    "default_center",
    "is_dashboard_center",
    "may_view_dashboards",
    "TREND_MONTHS",
]

TREND_MONTHS = 12
OVERDUE_LIST_SIZE = 20
# Who may open the dashboards: every role of a center but the grid worker (网格员), whose work
# is reporting from the grid, not managing a subtree.
DASHBOARD_ROLES = tuple(role for role in Role if role != Role.GRID_WORKER)


@dataclass
class Dashboard:
    center: Center | None
    period: Period
    totals: Counters
    children: list = field(default_factory=list)  # [(Center, Counters)]
    # [(key, label, Counters)]: key = category code, channel or risk level (stable in the API)
    by_category: list = field(default_factory=list)
    by_channel: list = field(default_factory=list)
    by_risk: list = field(default_factory=list)
    trend: list = field(default_factory=list)  # [(first day of month, Counters)]
    funnel: list = field(default_factory=list)  # [(level, cases that climbed that high)]
    overdue_cases: list = field(default_factory=list)
    computed_at: datetime | None = None
    from_rollups: bool = False  # read from the monthly rollups (see metrics.rollups)
    # When a township's trend comes from its rollup rows (the rest from its cases): as of
    # the rollup job's last run.
    trend_computed_at: datetime | None = None


def dashboard_roots(user) -> list[Center]:
    """The active centers where `user` holds a dashboard role, minus any lying inside another:
    the dashboards cover their subtrees. Cached on the user object for the request."""
    if not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, "_zongzhi_dashboard_roots", None)
    if cached is not None:
        return cached
    own = (
        Center.objects.filter(
            memberships__user=user, memberships__role__in=DASHBOARD_ROLES, is_active=True
        )
        .distinct()
        .order_by("tree_id", "lft")
    )
    roots: list[Center] = []
    for center in own:
        if not any(center.is_descendant_of(root, include_self=True) for root in roots):
            roots.append(center)
    user._zongzhi_dashboard_roots = roots
    return roots


def may_view_dashboards(*, user, memberships=None) -> bool:
    """Whether `user` may open the dashboards at all: a superuser, or a role other than grid
    worker at an active center. `memberships` (with their centers), when the caller already
    has them, saves the query."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if memberships is None:
        return bool(dashboard_roots(user))
    return any(m.role in DASHBOARD_ROLES and m.center.is_active for m in memberships)


def dashboard_centers(user):
    """The centers whose dashboards the user may open: those in the subtrees of their
    dashboard roles (every center for a superuser)."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        return Center.objects.all()
    return Center.objects.filter(center_subtree_q(dashboard_roots(user)))


def is_dashboard_center(center: Center, *, user) -> bool:
    """Whether `user` may open `center`'s dashboard, without a query per center."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(center.is_descendant_of(root, include_self=True) for root in dashboard_roots(user))


def default_center(user) -> Center | None:
    """Where the dashboard opens: the user's own (highest) center; None (the whole
    deployment) for a superuser."""
    if user.is_superuser:
        return None
    roots = dashboard_roots(user)
    return roots[0] if roots else None


def dashboard_breadcrumb(center: Center | None, *, user) -> list[Center]:
    """The ancestors of `center` (root first, itself excluded) whose dashboards the user may
    open: the path to drill back up."""
    if center is None:
        return []
    # One query, for a root as for any other center (get_ancestors() skips it for roots).
    ancestors = Center.objects.filter(
        tree_id=center.tree_id, lft__lt=center.lft, rght__gt=center.rght
    ).order_by("lft")
    return [a for a in ancestors if is_dashboard_center(a, user=user)]


def _trend_period(period: Period) -> Period:
    last = month_start(date.fromordinal(period.end.toordinal() - 1))
    start = last
    for _ in range(TREND_MONTHS - 1):
        start = month_start(date.fromordinal(start.toordinal() - 1))
    return Period(start, next_month(last))


def _counters(center, period: Period, group: str | None, *, child_column=None) -> dict:
    """Counters from the rollups where they serve (big subtrees, whole months), else from
    the cases; the same numbers either way (tests hold the two to each other)."""
    if serves(center, period):
        return rollup_counters(center=center, period=period, group=group)
    return raw_counters(
        center=center, period=period, group=child_column if group == "children" else group
    )


def _month_key(value) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date()
    return value


def dashboard(*, center: Center | None, period: Period, user) -> Dashboard:
    """Everything the dashboard page shows for `center`'s subtree (None: the deployment).
    The caller checks that the user may see `center` (dashboard_centers)."""
    from_rollups = serves(center, period)
    totals = _counters(center, period, None).get(None, Counters())
    computed_at = rollup_freshness(center) if from_rollups else None
    board = Dashboard(center, period, totals, computed_at=computed_at or timezone.now())
    board.from_rollups = from_rollups

    children = list(
        (center.get_children() if center is not None else Center.objects.root_nodes())
        .filter(is_active=True)
        .order_by("code")
    )
    group = LOC_FIELD.get(children[0].level) if children else None
    if group is not None:
        per_child = _counters(center, period, "children", child_column=group)
        board.children = [(child, per_child.get(child.pk, Counters())) for child in children]

    per_category = _counters(center, period, "category")
    names = {
        pk: (code, name)
        for pk, code, name in Category.objects.filter(pk__in=list(per_category)).values_list(
            "pk", "code", "name"
        )
    }
    board.by_category = sorted(
        ((*names.get(k, ("", "—")), v) for k, v in per_category.items()),
        key=lambda i: (-i[2].received, i[0]),
    )
    per_channel = _counters(center, period, "channel")
    board.by_channel = [
        (value, label, per_channel[value])
        for value, label in Channel.choices
        if value in per_channel
    ]
    per_risk = _counters(center, period, "risk_level")
    board.by_risk = [
        (value, label, per_risk[value]) for value, label in RiskLevel.choices if value in per_risk
    ]

    trend_period = _trend_period(period)
    if center is not None and center.level == CenterLevel.TOWNSHIP:
        per_month = township_months(center=center, period=trend_period)
        board.trend_computed_at = rollup_freshness(center) or board.computed_at
    else:
        per_month = _counters(center, trend_period, "month")
    months = {_month_key(k): v for k, v in per_month.items() if k is not None}
    month = trend_period.start
    while month < trend_period.end:
        board.trend.append((month, months.get(month, Counters())))
        month = next_month(month)

    board.funnel = [(level, getattr(totals, f"top_{level}")) for level in reversed(LEVELS_TOP_DOWN)]
    board.overdue_cases = list(
        Dispute.objects.visible_to(user)
        .filter(subtree_q(center), status__in=sorted(OPEN_STATUSES), is_overdue=True)
        .select_related("current_center", "category")
        .order_by("level_deadline")[:OVERDUE_LIST_SIZE]
    )
    return board
