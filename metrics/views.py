"""The dashboard pages (指标看板): a center's subtree for a period, its exports and its
printable monthly report. Who may see what is decided in metrics.selectors (grid workers get a
403 page; a center outside the user's subtrees is a 404); the numbers come from
`dashboard()`, their presentation from metrics.reports."""

from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from centers.models import Center
from disputes.exports import csv_chunks, xlsx_file

from . import reports
from .forms import MonthForm, month_query, period_from_query
from .selectors import (
    dashboard,
    dashboard_breadcrumb,
    dashboard_centers,
    default_center,
    may_view_dashboards,
)

ALL = "all"  # the code of the whole deployment's dashboard (superusers)
EXPORT_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def dashboard_required(view):
    """Logged-in users holding a role other than grid worker (and superusers); others get a
    403 page that says who may view the dashboards."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not may_view_dashboards(user=request.user):
            return render(request, "metrics/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def dashboard_center(*, user, code: str) -> Center | None:
    """The center of `code` if the user may open its dashboard (None: the whole deployment,
    for a superuser); a 404 otherwise."""
    if code == ALL:
        if not user.is_superuser:
            raise Http404
        return None
    return get_object_or_404(dashboard_centers(user), code=code)


def _code(center: Center | None) -> str:
    return center.code if center is not None else ALL


@require_GET
@dashboard_required
def home(request):
    """The user's own dashboard: their highest center's, or the deployment's."""
    return redirect("metrics:dashboard", code=_code(default_center(request.user)))


def _board(request, code: str):
    center = dashboard_center(user=request.user, code=code)
    form, period = period_from_query(query=request.GET)
    board = dashboard(center=center, period=period, user=request.user)
    sort, direction = reports.clean_sort(
        sort=request.GET.get("sort"), direction=request.GET.get("dir")
    )
    return form, board, sort, direction


@require_GET
@dashboard_required
def dashboard_page(request, code):
    """A center's dashboard for the chosen period (the current month by default)."""
    form, board, sort, direction = _board(request, code)
    context = {
        "form": form,
        "board": board,
        "code": code,
        "center": board.center,
        "period": board.period,
        "breadcrumb": dashboard_breadcrumb(board.center, user=request.user),
        "headline": reports.headline(board.totals),
        "columns": reports.sort_columns(sort=sort, direction=direction),
        "rows": reports.child_rows(board.children, sort=sort, direction=direction),
        "totals": reports.metric_values(board.totals, reports.CHILD_METRIC_KEYS),
        "breakdowns": _breakdowns(board),
        "trend_chart": reports.trend_chart(board),
        "trend_rows": reports.trend_rows(board),
        "funnel": reports.funnel_steps(board),
        "report_query": urlencode(month_query(board.period.last_day)),
    }
    context["funnel_chart"] = reports.funnel_chart(context["funnel"])
    return render(request, "metrics/dashboard.html", context)


def _breakdowns(board) -> list[tuple[str, str, list]]:
    """(key, title, rows) of the category, channel and risk breakdowns."""
    return [
        ("category", _("按类别"), reports.breakdown_rows(board.by_category)),
        ("channel", _("按受理渠道"), reports.breakdown_rows(board.by_channel)),
        ("risk", _("按风险等级"), reports.breakdown_rows(board.by_risk)),
    ]


@require_GET
@dashboard_required
def export(request, code, fmt):
    """The children table (and its total) as CSV (UTF-8 with BOM) or Excel:
    metrics-<code>-<period>.<fmt>."""
    if fmt not in EXPORT_FORMATS:
        raise Http404
    _form, board, sort, direction = _board(request, code)
    rows = reports.export_rows(board, sort=sort, direction=direction)
    columns = reports.export_columns()
    filename = f"metrics-{code}-{board.period.slug()}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(
            b"".join(csv_chunks(rows=rows, columns=columns)), content_type=EXPORT_FORMATS["csv"]
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    workbook = xlsx_file(rows=rows, columns=columns, title=_("下级中心指标"))
    return FileResponse(
        workbook, as_attachment=True, filename=filename, content_type=EXPORT_FORMATS["xlsx"]
    )


@require_GET
@dashboard_required
def report(request, code):
    """The printable monthly report (月报) of a center: ?year=&month= (this month by default)."""
    center = dashboard_center(user=request.user, code=code)
    form, period = period_from_query(query=request.GET, form_class=MonthForm)
    board = dashboard(center=center, period=period, user=request.user)
    context = {
        "form": form,
        "board": board,
        "code": code,
        "center": center,
        "period": period,
        "title": reports.report_title(center, period),
        "issuer": reports.issuer_name(center),
        "headline": reports.headline(board.totals),
        "columns": reports.sort_columns(sort=None, direction="asc"),
        "rows": reports.child_rows(board.children, sort=None, direction="asc"),
        "totals": reports.metric_values(board.totals, reports.CHILD_METRIC_KEYS),
        "breakdowns": _breakdowns(board),
        "trend_chart": reports.trend_chart(board, id_prefix="report-trend"),
        "funnel": reports.funnel_steps(board),
        "dashboard_query": urlencode({"kind": "month", **month_query(period.start)}),
    }
    return render(request, "metrics/report.html", context)
