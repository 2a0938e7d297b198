"""The audit pages (审计) for county officials (督查), directors and administrators: every
上报, 督办, 退单 and 重办 of the cases in their subtrees, with filters and CSV/Excel exports,
and the check of the cases' event chains. Other roles get a 403 that says why.

Reads are in disputes.audit; these views only bind the filters and render."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import audit
from .exports import csv_chunks, xlsx_file

AUDIT_PAGE_SIZE = 50
# The chain page checks at most this many cases per request; the command checks any number.
CHAIN_PAGE_LIMIT = 2000
EXPORT_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def audit_required(view):
    """Only auditors (督查), directors, administrators and superusers; others get a 403 page
    that says who may audit."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not audit.may_audit(user=request.user):
            return render(request, "disputes/audit/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def _filtered_rows(request):
    filterset = audit.EscalationAuditFilterSet(request.GET, request=request)
    rows = audit.escalation_audit(user=request.user, narrow=filterset.narrow)
    return filterset, rows


@require_GET
@audit_required
def escalations(request):
    """上报/督办/退单/重办 in the user's subtrees, newest first, 50 a page."""
    filterset, rows = _filtered_rows(request)
    page = Paginator(rows, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "disputes/audit/escalations.html", {"filterset": filterset, "page": page}
    )


def _export_name(request, filterset, extension: str) -> str:
    """escalations-<center code>-<date>.<ext>: the township filtered on, else the user's
    (first) auditing center."""
    center = filterset.chosen_township
    if center is None:
        roots = audit.audit_roots(user=request.user)
        center = roots[0] if roots else None
    code = center.code if center is not None else "all"
    return f"escalations-{code}-{timezone.localdate().isoformat()}.{extension}"


@require_GET
@audit_required
def escalations_export(request, fmt):
    """The filtered list as CSV (UTF-8 with BOM) or Excel, streamed."""
    if fmt not in EXPORT_FORMATS:
        raise Http404
    filterset, rows = _filtered_rows(request)
    filename = _export_name(request, filterset, fmt)
    if fmt == "csv":
        response = StreamingHttpResponse(
            csv_chunks(rows=rows.iterate(), columns=audit.AUDIT_COLUMNS),
            content_type=EXPORT_FORMATS["csv"],
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    workbook = xlsx_file(rows=rows.iterate(), columns=audit.AUDIT_COLUMNS, title=_("上报督办审计"))
    return FileResponse(
        workbook, as_attachment=True, filename=filename, content_type=EXPORT_FORMATS["xlsx"]
    )


@require_GET
@audit_required
def chains(request):
    """The event chains of the cases in the user's subtrees (or a chosen center's), at most
    CHAIN_PAGE_LIMIT cases per request, most recent first."""
    form = audit.ChainCenterForm(request.GET or None, user=request.user)
    center = None
    if form.is_bound:
        if not form.is_valid():
            # A center outside the audit's scope is "not found", never "forbidden".
            raise Http404
        center = form.cleaned_data["center"]
    disputes = audit.audit_disputes(user=request.user, center=center)
    report = audit.chain_report(disputes=disputes, limit=CHAIN_PAGE_LIMIT)
    context = {
        "form": form,
        "center": center,
        "report": report,
        "limit": CHAIN_PAGE_LIMIT,
        "command_code": center.code if center is not None else "",
    }
    return render(request, "disputes/audit/chains.html", context)
