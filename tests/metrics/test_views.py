"""The dashboard pages through the test client: who may open which dashboard, the numbers
(the selector's), sorting and drilling down, the period picker, the exports, the monthly
report, the query count and the English pages."""

import csv
import io
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from centers.choices import CenterLevel, Role
from disputes.choices import OPEN_STATUSES
from disputes.models import Dispute
from metrics.definitions import METRICS, Counters
from metrics.periods import Period
from metrics.selectors import dashboard
from tests.factories import CenterFactory, MembershipFactory, UserFactory
from tests.i18n_support import compile_catalogs
from tests.metrics.history import make_history

pytestmark = pytest.mark.django_db

METRIC = {metric.key: metric for metric in METRICS}
YEAR_2025 = {"kind": "year", "year": "2025"}


def page_url(center, **query) -> str:
    code = center.code if center is not None else "all"
    url = reverse("metrics:dashboard", kwargs={"code": code})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def shown(counters: Counters, key: str) -> str:
    """What the page should show for a metric (the selector's counters, computed here)."""
    metric = METRIC[key]
    value = metric.compute(counters)
    if value is None:
        return "—"
    if metric.kind == "rate":
        return f"{value * 100:.1f}%"
    if metric.kind == "average":
        return f"{value:.1f}"
    return str(value)


def headline_value(body: str, key: str) -> str:
    return re.search(rf'data-testid="value-{key}">([^<]*)<', body).group(1)


def child_rows(body: str) -> list[tuple[str, dict]]:
    """[(code, {metric key: text})] of the children table, in order."""
    rows = []
    for chunk in body.split('data-testid="child-row"')[1:]:
        chunk = chunk.split("</tr>")[0]
        code = re.search(r'data-code="(\d+)"', chunk).group(1)
        cells = dict(re.findall(r'data-key="(\w+)">([^<]*)</td>', chunk))
        rows.append((code, cells))
    return rows


@pytest.fixture
def admin(db):
    return UserFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def history(center_tree):
    return make_history(center_tree, seed=11)


# --- Who may open what ----------------------------------------------------------------

SCOPE = [
    # (role at the township, target, expected status)
    ("township", 200),
    ("village", 200),
    ("village2", 200),
    ("sibling_township", 404),
    ("sibling_village", 404),
    ("county", 404),
    ("city", 404),
    ("other_county", 404),
]


@pytest.mark.parametrize(("target", "status"), SCOPE)
def test_township_staff_see_their_township_and_its_villages_only(
    client, center_tree, member, target, status
):
    client.force_login(member(center_tree.township, Role.STAFF))
    center = getattr(center_tree, target)
    assert client.get(page_url(center)).status_code == status
    code = center.code
    assert client.get(reverse("metrics:report", args=[code])).status_code == status
    assert client.get(reverse("metrics:export", args=[code, "csv"])).status_code == status


@pytest.mark.parametrize(
    "role", [Role.MEDIATOR, Role.STAFF, Role.DIRECTOR, Role.AUDITOR, Role.ADMIN]
)
def test_every_role_but_grid_worker_opens_its_own_dashboard(client, center_tree, member, role):
    client.force_login(member(center_tree.county, role))
    response = client.get(reverse("metrics:home"))
    assert response.status_code == 302
    assert response["Location"] == page_url(center_tree.county)
    assert client.get(response["Location"]).status_code == 200


def test_grid_workers_are_refused_with_a_reason(client, center_tree, member):
    client.force_login(member(center_tree.village, Role.GRID_WORKER))
    for url in (
        reverse("metrics:home"),
        page_url(center_tree.village),
        reverse("metrics:report", args=[center_tree.village.code]),
        reverse("metrics:export", args=[center_tree.village.code, "xlsx"]),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert 'data-testid="metrics-forbidden"' in response.content.decode()


def test_a_grid_worker_with_another_role_sees_only_that_roles_subtree(client, center_tree, member):
    user = member(center_tree.village, Role.GRID_WORKER)
    MembershipFactory(user=user, center=center_tree.sibling_township, role=Role.MEDIATOR)
    client.force_login(user)
    assert client.get(reverse("metrics:home"))["Location"] == page_url(center_tree.sibling_township)
    assert client.get(page_url(center_tree.sibling_village)).status_code == 200
    assert client.get(page_url(center_tree.village)).status_code == 404


def test_a_role_at_an_inactive_center_does_not_count(client, center_tree, member):
    user = member(center_tree.township, Role.DIRECTOR)
    center_tree.township.is_active = False
    center_tree.township.save()
    client.force_login(user)
    assert client.get(reverse("metrics:home")).status_code == 403


def test_anonymous_users_are_sent_to_login(client, center_tree):
    for url in (reverse("metrics:home"), page_url(center_tree.township)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_whole_deployment_is_for_superusers(client, center_tree, member, admin):
    client.force_login(member(center_tree.city, Role.DIRECTOR))
    assert client.get(page_url(None)).status_code == 404
    client.force_login(admin)
    assert client.get(reverse("metrics:home"))["Location"] == page_url(None)
    body = client.get(page_url(None)).content.decode()
    assert [code for code, _cells in child_rows(body)] == [center_tree.city.code]


def test_the_main_nav_links_to_the_dashboards_except_for_grid_workers(client, center_tree, member):
    client.force_login(member(center_tree.village, Role.MEDIATOR))
    body = client.get(reverse("disputes:inbox")).content.decode()
    assert 'data-testid="metrics-link"' in body and "指标看板" in body
    client.force_login(member(center_tree.village, Role.GRID_WORKER))
    body = client.get(reverse("disputes:inbox")).content.decode()
    assert 'data-testid="metrics-link"' not in body


# --- The numbers ----------------------------------------------------------------------


def test_the_page_shows_the_selectors_numbers(client, center_tree, history, admin):
    board = dashboard(center=center_tree.county, period=Period.year(2025), user=admin)
    client.force_login(admin)
    body = client.get(page_url(center_tree.county, **YEAR_2025)).content.decode()
    assert board.totals.received > 0
    for key in (
        "resolution_rate",
        "satisfaction_rate",
        "on_time_rate",
        "received",
        "open_now",
        "average_handling_workdays",
    ):
        assert headline_value(body, key) == shown(board.totals, key), key
    counts = re.search(r'data-testid="counts-resolution_rate">([^<]*)<', body).group(1)
    assert counts == f"{board.totals.resolved} / {board.totals.accepted}"
    assert str(METRIC["resolution_rate"].formula) in body  # the formula next to the number

    rows = dict(child_rows(body))
    assert list(rows) == [child.code for child, _counters in board.children]
    for child, counters in board.children:
        for key in ("resolution_rate", "local_resolution_rate", "received", "open_now"):
            assert rows[child.code][key] == shown(counters, key), (child, key)

    for _key, label, counters in board.by_channel:
        assert re.search(
            rf"<th scope=\"row\">{label}</th>\s*<td class=\"num\">{counters.received}</td>", body
        )
    funnel = dict(
        re.findall(
            r'data-testid="funnel-row" data-level="(\w+)">\s*<th[^>]*>[^<]*</th>\s*'
            r'<td class="num">(\d+)</td>',
            body,
        )
    )
    assert funnel == {level: str(count) for level, count in board.funnel if level != "province"}


def test_a_rate_without_a_denominator_is_a_dash(client, center_tree, member):
    client.force_login(member(center_tree.township, Role.STAFF))
    body = client.get(page_url(center_tree.township)).content.decode()
    assert headline_value(body, "resolution_rate") == "—"
    assert headline_value(body, "received") == "0"


def test_the_overdue_list_links_to_the_cases(client, center_tree, history, admin):
    open_cases = Dispute.objects.filter(
        status__in=sorted(OPEN_STATUSES), village=center_tree.village
    )
    late = list(open_cases[:2])
    assert late, "the history has open cases in the village"
    Dispute.objects.filter(pk__in=[case.pk for case in late]).update(is_overdue=True)
    client.force_login(admin)
    body = client.get(page_url(center_tree.township)).content.decode()
    assert body.count('data-testid="overdue-row"') == len(late)
    for case in late:
        assert f'href="{case.get_absolute_url()}"' in body
        assert case.tracking_number in body
    body = client.get(page_url(center_tree.sibling_township)).content.decode()
    assert 'data-testid="no-overdue"' in body


def test_the_page_states_the_period_semantics_and_the_computation_time(client, center_tree, member):
    client.force_login(member(center_tree.township, Role.STAFF))
    body = client.get(page_url(center_tree.township)).content.decode()
    assert 'data-testid="period-note"' in body and "按结案日期" in body
    assert "数据计算于 " + timezone.localdate().isoformat() in body


def test_the_trend_chart_is_inline_svg(client, center_tree, history, admin):
    client.force_login(admin)
    body = client.get(page_url(center_tree.county, kind="month", year=2025, month=6)).content
    body = body.decode()
    figure = re.search(r'data-testid="trend-chart">(.*?)</figure>', body, re.S).group(1)
    assert figure.startswith("<svg") and figure.count('class="chart-bar"') == 12
    description = re.search(r"<desc[^>]*>(.*?)</desc>", figure).group(1)
    assert description.startswith("2024年7月") and "2025年6月" in description
    assert "2025年7月" not in description


# --- Sorting and drilling down --------------------------------------------------------


def test_sorting_by_any_column_in_either_direction(client, center_tree, history, admin):
    board = dashboard(center=center_tree.county, period=Period.year(2025), user=admin)
    received = {child.code: counters.received for child, counters in board.children}
    assert len(set(received.values())) == len(received), "distinct counts to order by"
    client.force_login(admin)
    for direction in ("desc", "asc"):
        url = page_url(center_tree.county, **YEAR_2025, sort="received", dir=direction)
        body = client.get(url).content.decode()
        order = [code for code, _cells in child_rows(body)]
        expected = sorted(received, key=received.get, reverse=direction == "desc")
        assert order == expected, direction
        aria = "descending" if direction == "desc" else "ascending"
        assert f'aria-sort="{aria}"><a class="sort-link"' in body
    body = client.get(page_url(center_tree.county, sort="name", dir="desc")).content.decode()
    names = {center_tree.township.code: "真", center_tree.sibling_township.code: "古"}
    order = [code for code, _ in child_rows(body)]
    assert order == sorted(names, key=names.get, reverse=True)
    # An unknown column keeps the division code order
    body = client.get(page_url(center_tree.county, sort="password")).content.decode()
    assert [code for code, _ in child_rows(body)] == sorted(names)


def test_a_sort_link_flips_the_direction_and_keeps_the_period(client, center_tree, member):
    client.force_login(member(center_tree.county, Role.DIRECTOR))
    body = client.get(
        page_url(center_tree.county, **YEAR_2025, sort="received", dir="desc")
    ).content.decode()
    link = re.search(r'href="([^"]*)" data-testid="sort-received"', body).group(1)
    assert "dir=asc" in link and "kind=year" in link and "year=2025" in link
    link = re.search(r'href="([^"]*)" data-testid="sort-resolution_rate"', body).group(1)
    assert "sort=resolution_rate" in link and "dir=desc" in link


def test_each_child_links_to_its_own_dashboard(client, center_tree, member):
    client.force_login(member(center_tree.county, Role.STAFF))
    body = client.get(page_url(center_tree.county, **YEAR_2025)).content.decode()
    links = re.findall(r'<a href="([^"]*)" data-testid="drill-down">', body)
    assert links == [
        page_url(center) + "?kind=year&amp;year=2025"
        for center in (center_tree.township, center_tree.sibling_township)
    ]
    village_page = client.get(page_url(center_tree.village)).content.decode()
    assert 'data-testid="no-children"' in village_page


def test_the_breadcrumb_stays_within_the_users_scope(client, center_tree, member):
    client.force_login(member(center_tree.county, Role.STAFF))
    body = client.get(page_url(center_tree.village)).content.decode()
    crumbs = re.search(r'data-testid="metrics-breadcrumb">(.*?)</nav>', body, re.S).group(1)
    assert f'href="{page_url(center_tree.county)}"' in crumbs
    assert f'href="{page_url(center_tree.township)}"' in crumbs
    assert center_tree.city.code not in crumbs and center_tree.city.name not in crumbs
    assert center_tree.village.name in crumbs


# --- The period picker ----------------------------------------------------------------


def period_label(body: str) -> str:
    return re.search(r'data-testid="period-label">([^<]*)<', body).group(1)


def test_the_dashboard_opens_on_the_current_month(client, center_tree, member):
    client.force_login(member(center_tree.township, Role.STAFF))
    body = client.get(page_url(center_tree.township)).content.decode()
    today = timezone.localdate()
    assert period_label(body) == f"{today.year}年{today.month}月"
    assert 'data-testid="period-errors"' not in body


@pytest.mark.parametrize(
    ("query", "label", "period"),
    [
        ({"kind": "month", "year": 2025, "month": 3}, "2025年3月", Period.month(2025, 3)),
        ({"kind": "quarter", "year": 2025, "quarter": 2}, "2025年第2季度", Period.quarter(2025, 2)),
        ({"kind": "year", "year": 2025}, "2025年", Period.year(2025)),
        (
            {"kind": "custom", "start": "2025-01-10", "end": "2025-02-20"},
            "2025-01-10 — 2025-02-20",
            Period(date(2025, 1, 10), date(2025, 2, 21)),
        ),
    ],
)
def test_each_kind_of_period(client, center_tree, history, admin, query, label, period):
    client.force_login(admin)
    body = client.get(page_url(center_tree.county, **query)).content.decode()
    assert period_label(body) == label
    board = dashboard(center=center_tree.county, period=period, user=admin)
    assert headline_value(body, "received") == str(board.totals.received)
    assert headline_value(body, "resolution_rate") == shown(board.totals, "resolution_rate")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"kind": "month", "year": 2025, "month": 13}, "month"),
        ({"kind": "month", "year": 2025}, "month"),
        ({"kind": "quarter", "year": 2025, "quarter": 5}, "quarter"),
        ({"kind": "year", "year": "abc"}, "year"),
        ({"kind": "decade", "year": 2025}, "kind"),
        ({"kind": "custom", "start": "2025-03-01", "end": "2025-02-01"}, "end"),
        ({"kind": "custom", "start": "2025-03-01"}, "end"),
    ],
)
def test_a_bad_period_shows_errors_and_the_current_month(client, center_tree, member, query, field):
    client.force_login(member(center_tree.township, Role.STAFF))
    response = client.get(page_url(center_tree.township, **query))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="period-errors"' in body
    assert response.context["form"].errors.keys() == {field}
    block = re.search(rf'class="field field-{field} field-invalid">(.*?)</div>', body, re.S)
    assert block and 'class="errorlist"' in block.group(1)
    today = timezone.localdate()
    assert period_label(body) == f"{today.year}年{today.month}月"


# --- Exports --------------------------------------------------------------------------


def test_the_csv_export_is_the_children_table(client, center_tree, history, admin):
    board = dashboard(center=center_tree.county, period=Period.year(2025), user=admin)
    client.force_login(admin)
    url = reverse("metrics:export", args=[center_tree.county.code, "csv"])
    response = client.get(url, {**YEAR_2025, "sort": "received", "dir": "asc"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert (
        f'filename="metrics-{center_tree.county.code}-2025.csv"' in response["Content-Disposition"]
    )
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["名称", "区划代码", "化解率（%）"]
    assert rows[0][-4:] == ["登记数", "受理数", "在办", "超期在办"]
    by_received = sorted(board.children, key=lambda item: item[1].received)
    assert [row[1] for row in rows[1:-1]] == [child.code for child, _ in by_received]
    for row, (child, counters) in zip(rows[1:-1], by_received, strict=True):
        assert row[0] == child.name
        rate = METRIC["resolution_rate"].compute(counters)
        assert row[2] == ("" if rate is None else f"{round(rate * 100, 1)}")
        assert row[-4] == str(counters.received)
    assert rows[-1][0] == "合计" and rows[-1][-4] == str(board.totals.received)


def test_the_xlsx_export_opens_in_openpyxl(client, center_tree, history, admin):
    board = dashboard(center=center_tree.county, period=Period.quarter(2025, 1), user=admin)
    client.force_login(admin)
    url = reverse("metrics:export", args=[center_tree.county.code, "xlsx"])
    response = client.get(url, {"kind": "quarter", "year": 2025, "quarter": 1})
    assert response.status_code == 200
    assert f"metrics-{center_tree.county.code}-2025Q1.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "名称" and rows[0][8] == "登记数"
    assert [row[1] for row in rows[1:-1]] == [child.code for child, _ in board.children]
    for row, (_child, counters) in zip(rows[1:-1], board.children, strict=True):
        assert row[8] == counters.received
    assert rows[-1][0] == "合计" and rows[-1][8] == board.totals.received


def test_an_unknown_export_format_is_not_found(client, center_tree, member):
    client.force_login(member(center_tree.township, Role.STAFF))
    url = reverse("metrics:export", args=[center_tree.township.code, "pdf"])
    assert client.get(url).status_code == 404


def test_exports_never_carry_a_formula(client, center_tree, member):
    CenterFactory(
        code="420602001011",
        name="=HYPERLINK(1)",
        level=CenterLevel.VILLAGE,
        parent=center_tree.township,
    )
    client.force_login(member(center_tree.township, Role.STAFF))
    response = client.get(reverse("metrics:export", args=[center_tree.township.code, "csv"]))
    assert "'=HYPERLINK(1)" in response.content.decode("utf-8-sig")


# --- The monthly report ---------------------------------------------------------------


def test_the_monthly_report(client, center_tree, history, member):
    user = member(center_tree.county, Role.DIRECTOR)
    client.force_login(user)
    url = reverse("metrics:report", args=[center_tree.county.code])
    response = client.get(url, {"year": 2025, "month": 3})
    assert response.status_code == 200
    body = response.content.decode()
    assert "襄城区综治中心 2025年3月 矛盾纠纷化解工作月报" in body
    board = dashboard(center=center_tree.county, period=Period.month(2025, 3), user=user)
    for key in ("resolution_rate", "local_resolution_rate", "received", "closed"):
        assert headline_value(body, key) == shown(board.totals, key)
    for metric in METRICS:
        assert str(metric.formula) in body
    assert [code for code, _ in child_rows(body)] == [c.code for c, _ in board.children]
    assert 'data-testid="drill-down"' not in body  # paper has no links to follow
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in body
    assert 'data-testid="breakdown-category"' in body and 'data-testid="funnel-table"' in body
    assert "统计期间：2025-03-01 至 2025-03-31" in body


def test_the_report_with_a_bad_month_shows_the_current_one(client, center_tree, member):
    client.force_login(member(center_tree.township, Role.STAFF))
    url = reverse("metrics:report", args=[center_tree.township.code])
    body = client.get(url, {"year": 2025, "month": 14}).content.decode()
    today = timezone.localdate()
    assert 'data-testid="period-errors"' in body
    assert f"真武山街道综治中心 {today.year}年{today.month}月 矛盾纠纷化解工作月报" in body


def test_the_dashboard_links_to_the_report_of_its_periods_last_month(client, center_tree, member):
    client.force_login(member(center_tree.township, Role.STAFF))
    body = client.get(page_url(center_tree.township, kind="quarter", year=2025, quarter=2))
    link = re.search(r'href="([^"]*)" data-testid="report-link"', body.content.decode())
    assert link.group(1) == (
        reverse("metrics:report", args=[center_tree.township.code]) + "?year=2025&amp;month=6"
    )


# --- Cost and language ----------------------------------------------------------------


def test_a_constant_number_of_queries_whatever_the_subtree(client, center_tree, history, admin):
    client.force_login(admin)

    def counts():
        seen = []
        for center in (None, center_tree.city, center_tree.county, center_tree.township):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(page_url(center, **YEAR_2025)).status_code == 200
            seen.append(len(queries.captured_queries))
        return seen

    # The deployment's, the city's and the county's pages read the monthly rollups, the
    # township's the cases: none depends on how many cases there are.
    before = counts()
    make_history(center_tree, seed=77)
    assert counts() == before
    assert max(before) <= 40, before


def test_the_pages_in_english(client, center_tree, history, member):
    compile_catalogs()
    client.force_login(member(center_tree.county, Role.STAFF))
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(page_url(center_tree.county, kind="month", year=2025, month=3)).content
    body = body.decode()
    assert '<html lang="en">' in body
    assert "Dashboard" in body and "Resolution rate" in body and "Resolved ÷ accepted" in body
    assert "Local resolution rate" in body and "Subordinate centers" in body
    assert period_label(body) == "March 2025"
    for chinese in ("主要指标", "化解率", "下级中心", "按类别", "层级漏斗", "统计口径"):
        assert chinese not in body, chinese
    report = client.get(
        reverse("metrics:report", args=[center_tree.county.code]), {"year": 2025, "month": 3}
    ).content.decode()
    assert "Monthly Report" in report and "March 2025" in report
    assert "月报" not in report


def test_a_township_page_says_its_trend_is_from_the_monthly_rollups(client, center_tree):
    make_history(center_tree, seed=3)
    client.force_login(UserFactory(is_superuser=True))
    township = client.get(page_url(center_tree.township)).content.decode()
    assert 'data-testid="trend-from-rollups"' in township and "按月汇总，计算于" in township
    county = client.get(page_url(center_tree.county)).content.decode()
    assert 'data-testid="trend-from-rollups"' not in county
