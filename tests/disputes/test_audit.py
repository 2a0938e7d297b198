"""The escalation audit (上报、督办、退单、重办) and the chain check: who may see them, what they
list and how it is filtered, the CSV and Excel exports, and the verification of the cases'
event chains by page and by command.

The steps audited are real: automatic escalations by the deadline watch
(`deadline_scan(now=level_due_at + 1 s)`), manual ones, returns, reopens and 不满意 through
the services."""

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from centers.choices import CenterLevel, Role
from centers.models import Membership
from disputes import audit_views
from disputes.audit import AUDIT_COLUMNS, AuditKind, escalation_audit
from disputes.choices import Satisfaction
from disputes.exports import neutralize
from disputes.models import Category, Dispute, Escalation
from disputes.services import (
    deadline_scan,
    dispute_accept,
    dispute_agree,
    dispute_close,
    dispute_dispatch,
    dispute_escalate,
    dispute_reopen,
    dispute_return,
    dispute_start_follow_up,
    dispute_start_mediation,
    dispute_supervise,
    follow_up_record,
)
from tests.factories import UserFactory
from tests.i18n_support import compile_catalogs

pytestmark = pytest.mark.django_db

SECOND = timedelta(seconds=1)
# disputes/migrations/0003: on PostgreSQL it refuses UPDATE and DELETE of case events.
APPEND_ONLY_TRIGGER = "disputes_caseevent_append_only"
AUDIT_URL = reverse("disputes:audit_escalations")
CHAINS_URL = reverse("disputes:audit_chains")
HEADERS = [
    "时间",
    "受理编号",
    "纠纷类别",
    "类型",
    "原承办中心",
    "原层级",
    "新承办中心",
    "新层级",
    "方式",
    "操作人",
    "理由",
    "原层级期限",
    "是否超期",
    "已用工作日",
    "进入原层级时间",
    "本级停留（天）",
    "新期限",
]


def reload(case):
    return Dispute.objects.select_related("current_center").get(pk=case.pk)


def export_url(fmt, **params):
    url = reverse("disputes:audit_escalations_export", args=[fmt])
    if params:
        url += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return url


def listed(response) -> list[tuple[str, str]]:
    """(tracking number, kind) of the rows on the page, in order."""
    return [(row.tracking_number, row.kind) for row in response.context["page"].object_list]


def numbers(response) -> set[str]:
    return {number for number, _kind in listed(response)}


def close(case, mediator):
    dispute_accept(dispute_id=case.pk, actor=mediator)
    dispute_start_mediation(dispute_id=case.pk, actor=mediator)
    dispute_agree(dispute_id=case.pk, actor=mediator, content="达成协议", signed_on=date.today())
    return dispute_close(dispute_id=case.pk, actor=mediator)


def tamper(case, seq):
    """Change an event behind the application's back (as someone with database access
    would): UPDATE is refused by the model, so through SQL; on PostgreSQL the append-only
    trigger is switched off inside the test's transaction (and back on; all rolled back with
    the test). ALTER TABLE waits for no deferred foreign-key checks: they run first."""
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgresql:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE disputes_caseevent DISABLE TRIGGER {APPEND_ONLY_TRIGGER}")
        cursor.execute(
            "UPDATE disputes_caseevent SET reason = %s WHERE dispute_id = %s AND seq = %s",
            ["事后改动", case.pk, seq],
        )
        if postgresql:
            cursor.execute(f"ALTER TABLE disputes_caseevent ENABLE TRIGGER {APPEND_ONLY_TRIGGER}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.fixture
def labour():
    return Category.objects.get_or_create(code="labour", defaults={"name": "劳动争议"})[0]


@pytest.fixture
def steps(register, people, member, center_tree, labour):
    """One of each step in 真武山街道 (and an automatic escalation in the sibling 古城街道):

    auto      village → township by the deadline watch (劳动争议)
    sibling   古城 village → 古城街道 by the deadline watch
    manual    village → township by township staff, then 督办 there by the director
    returned  dispatched by the township to the village, which returns it
    reopened  closed at the village, reopened by township staff
    unhappy   closed, followed up, rated 不满意 online by the resident (reopened)
    """
    t = center_tree
    sibling_mediator = member(t.sibling_village, Role.MEDIATOR, username="sv_mediator")
    auto = register(category=labour, summary="欠薪纠纷").dispute
    sibling = register(
        actor=sibling_mediator, receiving_center=t.sibling_village, village=t.sibling_village
    ).dispute
    deadline_scan(now=reload(auto).level_due_at + SECOND)

    manual = register().dispute
    dispute_accept(dispute_id=manual.pk, actor=people.village_mediator)
    dispute_escalate(dispute_id=manual.pk, actor=people.township_staff, reason="调解不成，上报街道")
    dispute_supervise(dispute_id=manual.pk, actor=people.township_director, reason="限期办结")

    returned = register(actor=people.township_staff, receiving_center=t.township).dispute
    dispute_accept(dispute_id=returned.pk, actor=people.township_staff)
    dispute_dispatch(dispute_id=returned.pk, actor=people.township_staff, center=t.village)
    dispute_return(dispute_id=returned.pk, actor=people.village_mediator, reason="不属本村管辖")

    reopened = close(register().dispute, people.village_mediator)
    dispute_reopen(dispute_id=reopened.pk, actor=people.township_staff, reason="协议未履行")

    unhappy = close(register().dispute, people.village_mediator)
    dispute_start_follow_up(dispute_id=unhappy.pk, actor=None)
    follow_up_record(
        dispute_id=unhappy.pk, actor=None, rating=Satisfaction.UNSATISFIED, comment="没解决"
    )
    return type(
        "Steps",
        (),
        {
            name: reload(case)
            for name, case in {
                "auto": auto,
                "sibling": sibling,
                "manual": manual,
                "returned": returned,
                "reopened": reopened,
                "unhappy": unhappy,
            }.items()
        },
    )


# --- Who may audit ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("county_auditor", 200),
        ("township_director", 200),
        ("village_mediator", 403),
        ("township_mediator", 403),
        ("township_staff", 403),
        ("county_staff", 403),
        ("sibling_staff", 403),
    ],
)
def test_role_matrix(client, people, who, status):
    client.force_login(getattr(people, who))
    for url in (AUDIT_URL, export_url("csv"), export_url("xlsx"), CHAINS_URL):
        response = client.get(url)
        assert response.status_code == status, url
        if status == 403:
            assert "审计页面仅向督查、中心主任和管理员开放" in response.content.decode()


def test_admins_superusers_and_grid_workers(client, center_tree, member):
    client.force_login(member(center_tree.county, Role.ADMIN))
    assert client.get(AUDIT_URL).status_code == 200
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    assert client.get(AUDIT_URL).status_code == 200
    client.force_login(member(center_tree.village, Role.GRID_WORKER))
    assert client.get(AUDIT_URL).status_code == 403
    client.logout()
    response = client.get(AUDIT_URL)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_role_at_an_inactive_center_does_not_count(client, center_tree, member):
    director = member(center_tree.sibling_township, Role.DIRECTOR)
    center_tree.sibling_township.is_active = False
    center_tree.sibling_township.save()
    client.force_login(director)
    assert client.get(AUDIT_URL).status_code == 403


def test_the_main_nav_links_to_the_audit_only_for_auditing_roles(client, people):
    client.force_login(people.county_auditor)
    page = client.get(reverse("disputes:inbox")).content.decode()
    assert 'data-testid="audit-link"' in page and AUDIT_URL in page
    audit_page = client.get(AUDIT_URL).content.decode()
    # On the audit pages the audit link is the current one, not 矛盾纠纷.
    assert f'href="{AUDIT_URL}" data-testid="audit-link" aria-current="page"' in audit_page
    assert f'href="{reverse("disputes:inbox")}" aria-current="page"' not in audit_page
    client.force_login(people.township_staff)
    assert 'data-testid="audit-link"' not in client.get(reverse("disputes:inbox")).text


# --- What the audit lists ---------------------------------------------------------------


def test_every_kind_of_step_is_listed_newest_first(client, people, steps, center_tree):
    client.force_login(people.county_auditor)
    response = client.get(AUDIT_URL)
    assert response.status_code == 200
    rows = response.context["page"].object_list
    assert [row.at for row in rows] == sorted((row.at for row in rows), reverse=True)
    assert sorted(listed(response)) == sorted(
        [
            (steps.auto.tracking_number, AuditKind.ESCALATE),
            (steps.sibling.tracking_number, AuditKind.ESCALATE),
            (steps.manual.tracking_number, AuditKind.ESCALATE),
            (steps.manual.tracking_number, AuditKind.SUPERVISE),
            (steps.returned.tracking_number, AuditKind.RETURN),
            (steps.reopened.tracking_number, AuditKind.REOPEN),
            (steps.unhappy.tracking_number, AuditKind.REOPEN),
        ]
    )
    by_key = {(row.tracking_number, row.kind): row for row in rows}

    auto = by_key[(steps.auto.tracking_number, AuditKind.ESCALATE)]
    step = Escalation.objects.get(dispute=steps.auto)
    assert auto.automatic and auto.actor is None and auto.actor_name == "系统"
    assert (auto.from_center, auto.to_center) == (center_tree.village, center_tree.township)
    assert (auto.from_level, auto.to_level) == (CenterLevel.VILLAGE, CenterLevel.TOWNSHIP)
    assert auto.deadline == step.missed_deadline and auto.overdue is True
    assert auto.workdays_used == step.workdays_held
    assert auto.new_deadline == steps.auto.level_deadline
    assert auto.category == "劳动争议"

    manual = by_key[(steps.manual.tracking_number, AuditKind.ESCALATE)]
    assert not manual.automatic and manual.actor == people.township_staff
    assert manual.reason == "调解不成，上报街道" and manual.overdue is False
    supervision = by_key[(steps.manual.tracking_number, AuditKind.SUPERVISE)]
    assert supervision.actor == people.township_director
    assert supervision.from_center == supervision.to_center == center_tree.township

    returned = by_key[(steps.returned.tracking_number, AuditKind.RETURN)]
    assert returned.actor == people.village_mediator and not returned.automatic
    assert (returned.from_center, returned.to_center) == (center_tree.village, center_tree.township)
    assert (returned.from_level, returned.to_level) == (CenterLevel.VILLAGE, CenterLevel.TOWNSHIP)
    assert returned.reason == "不属本村管辖"
    assert returned.deadline is not None and returned.overdue is False
    assert returned.workdays_used == 0 and returned.level_entered_at is not None

    reopened = by_key[(steps.reopened.tracking_number, AuditKind.REOPEN)]
    assert reopened.actor == people.township_staff and reopened.reason == "协议未履行"
    assert reopened.from_center == reopened.to_center == center_tree.village
    assert reopened.deadline is not None and reopened.new_deadline is not None
    unhappy = by_key[(steps.unhappy.tracking_number, AuditKind.REOPEN)]
    assert unhappy.automatic and unhappy.by_resident and unhappy.actor_name == "群众（在线评价）"
    assert "没解决" in unhappy.reason

    page = response.content.decode()
    assert f'href="{steps.auto.get_absolute_url()}#timeline"' in page
    assert "系统" in page and "自动" in page and "人工" in page and "张三" in page


def test_the_case_link_reaches_the_timeline(client, people, steps):
    client.force_login(people.county_auditor)
    page = client.get(steps.auto.get_absolute_url()).content.decode()
    assert 'id="timeline"' in page


def test_a_township_director_sees_only_their_township(client, people, steps):
    client.force_login(people.township_director)
    shown = numbers(client.get(AUDIT_URL))
    assert steps.auto.tracking_number in shown and steps.returned.tracking_number in shown
    assert steps.sibling.tracking_number not in shown
    # Not through the exports either.
    body = b"".join(client.get(export_url("csv")).streaming_content).decode("utf-8-sig")
    assert steps.auto.tracking_number in body and steps.sibling.tracking_number not in body


def test_other_counties_are_out_of_scope(client, people, register, member, center_tree, steps):
    other_mediator = member(center_tree.other_village, Role.MEDIATOR)
    other = register(
        actor=other_mediator,
        receiving_center=center_tree.other_village,
        village=center_tree.other_village,
    ).dispute
    deadline_scan(now=reload(other).level_due_at + SECOND)
    assert Escalation.objects.filter(dispute=other).exists()
    client.force_login(people.county_auditor)
    assert other.tracking_number not in numbers(client.get(AUDIT_URL))
    client.force_login(UserFactory(username="root", is_superuser=True))
    assert other.tracking_number in numbers(client.get(AUDIT_URL))


def test_confidential_cases_stay_with_their_handlers(client, people, register, member, center_tree):
    secret = register(is_confidential=True).dispute
    dispute_escalate(dispute_id=secret.pk, actor=people.township_director, reason="保密案件上报")
    client.force_login(people.county_auditor)
    assert secret.tracking_number not in numbers(client.get(AUDIT_URL))
    # A director above the center holding it sees it.
    client.force_login(member(center_tree.county, Role.DIRECTOR))
    assert secret.tracking_number in numbers(client.get(AUDIT_URL))


def test_an_auditor_elsewhere_does_not_audit_their_other_scopes(client, people, steps, center_tree):
    """A mediator in 真武山 who audits 古城 sees 古城's steps only on the audit pages."""
    user = people.village_mediator
    Membership.objects.create(user=user, center=center_tree.sibling_township, role=Role.AUDITOR)
    client.force_login(user)
    assert numbers(client.get(AUDIT_URL)) == {steps.sibling.tracking_number}


# --- Filters ----------------------------------------------------------------------------


def test_filter_by_kind(client, people, steps):
    client.force_login(people.county_auditor)
    kinds = {
        value: {kind for _n, kind in listed(client.get(AUDIT_URL, {"kind": value}))}
        for value in AuditKind.values
    }
    assert kinds == {value: {value} for value in AuditKind.values}
    assert numbers(client.get(AUDIT_URL, {"kind": "reopen"})) == {
        steps.reopened.tracking_number,
        steps.unhappy.tracking_number,
    }
    assert numbers(client.get(AUDIT_URL, {"kind": "return"})) == {steps.returned.tracking_number}


def test_filter_automatic_or_manual(client, people, steps):
    client.force_login(people.county_auditor)
    automatic = listed(client.get(AUDIT_URL, {"mode": "auto"}))
    assert sorted(automatic) == sorted(
        [
            (steps.auto.tracking_number, "escalate"),
            (steps.sibling.tracking_number, "escalate"),
            (steps.unhappy.tracking_number, "reopen"),
        ]
    )
    manual = listed(client.get(AUDIT_URL, {"mode": "manual"}))
    assert sorted(manual) == sorted(
        [
            (steps.manual.tracking_number, "escalate"),
            (steps.manual.tracking_number, "supervise"),
            (steps.returned.tracking_number, "return"),
            (steps.reopened.tracking_number, "reopen"),
        ]
    )


def test_filter_by_the_level_left(client, people, steps):
    client.force_login(people.county_auditor)
    assert listed(client.get(AUDIT_URL, {"level": "township"})) == [
        (steps.manual.tracking_number, "supervise")
    ]
    village = listed(client.get(AUDIT_URL, {"level": "village"}))
    assert len(village) == 6 and (steps.manual.tracking_number, "supervise") not in village
    assert listed(client.get(AUDIT_URL, {"level": "county"})) == []


def test_filter_by_category(client, people, steps, labour):
    client.force_login(people.county_auditor)
    assert listed(client.get(AUDIT_URL, {"category": labour.pk})) == [
        (steps.auto.tracking_number, "escalate")
    ]


def test_filter_by_township(client, people, steps, center_tree, register):
    """Steps taken away from the township or its villages: the township's own escalation to
    the county included, the sibling township's not."""
    dispute_escalate(dispute_id=steps.auto.pk, actor=people.county_staff, reason="街道化解不了")
    # The county dispatches a case to the township, which returns it.
    sent_down = register(actor=people.county_staff, receiving_center=center_tree.county).dispute
    dispute_accept(dispute_id=sent_down.pk, actor=people.county_staff)
    dispute_dispatch(
        dispute_id=sent_down.pk, actor=people.county_staff, center=center_tree.township
    )
    dispute_return(dispute_id=sent_down.pk, actor=people.township_staff, reason="不属街道管辖")
    client.force_login(people.county_auditor)
    sibling = listed(client.get(AUDIT_URL, {"township": center_tree.sibling_township.code}))
    assert sibling == [(steps.sibling.tracking_number, "escalate")]
    own = listed(client.get(AUDIT_URL, {"township": center_tree.township.code}))
    assert len(own) == 8 and steps.sibling.tracking_number not in dict(own)
    # Newest first: 真武山街道 → 襄城区 both times.
    assert own[:2] == [
        (sent_down.tracking_number, "return"),
        (steps.auto.tracking_number, "escalate"),
    ]
    # Only townships in the user's scope are offered; another is an error, and lists nothing.
    response = client.get(AUDIT_URL, {"township": center_tree.other_township.code})
    assert response.context["filterset"].errors["township"]
    assert listed(response) == []


def test_filter_by_period(client, people, steps):
    step = Escalation.objects.get(dispute=steps.auto)
    step.created_at = timezone.now() - timedelta(days=10)
    step.save(update_fields=["created_at"])
    client.force_login(people.county_auditor)
    five_days_ago = (timezone.localdate() - timedelta(days=5)).isoformat()
    assert listed(client.get(AUDIT_URL, {"date_to": five_days_ago})) == [
        (steps.auto.tracking_number, "escalate")
    ]
    recent = listed(client.get(AUDIT_URL, {"date_from": five_days_ago}))
    assert len(recent) == 6 and (steps.auto.tracking_number, "escalate") not in recent
    today = timezone.localdate().isoformat()
    assert len(listed(client.get(AUDIT_URL, {"date_from": today, "date_to": today}))) == 6
    # The oldest row comes last.
    assert listed(client.get(AUDIT_URL))[-1] == (steps.auto.tracking_number, "escalate")


def test_filters_combine_and_a_bad_value_lists_nothing(client, people, steps):
    client.force_login(people.county_auditor)
    assert listed(client.get(AUDIT_URL, {"kind": "escalate", "mode": "manual"})) == [
        (steps.manual.tracking_number, "escalate")
    ]
    response = client.get(AUDIT_URL, {"level": "planet"})
    assert response.status_code == 200 and response.context["filterset"].errors["level"]
    assert listed(response) == []


def test_fifty_rows_a_page(client, people, register, monkeypatch):
    assert audit_views.AUDIT_PAGE_SIZE == 50
    monkeypatch.setattr(audit_views, "AUDIT_PAGE_SIZE", 2)
    for _index in range(3):
        case = register().dispute
        dispute_escalate(dispute_id=case.pk, actor=people.township_staff, reason="上报")
    client.force_login(people.county_auditor)
    first = client.get(AUDIT_URL)
    assert len(listed(first)) == 2 and first.context["page"].paginator.count == 3
    second = client.get(AUDIT_URL, {"page": 2})
    assert len(listed(second)) == 1
    assert not set(listed(first)) & set(listed(second))


def test_rows_are_built_in_a_constant_number_of_queries(
    client, people, register, django_assert_max_num_queries
):
    def add_steps(count):
        for _index in range(count):
            case = register().dispute
            dispute_escalate(dispute_id=case.pk, actor=people.township_staff, reason="上报")
            closed = close(register().dispute, people.village_mediator)
            dispute_reopen(dispute_id=closed.pk, actor=people.township_staff, reason="重办")

    def page_queries():
        with CaptureQueriesContext(connection) as captured:
            rows = escalation_audit(user=people.county_auditor)
            page = Paginator(rows, 50).page(1)
            assert len(page.object_list) == page.paginator.count
            for row in page.object_list:
                str(row.from_center), row.actor_name, row.category, row.held_days  # noqa: B018
        return len(captured), page.paginator.count

    add_steps(2)
    page_queries()  # warm the per-process caches (the holiday calendar)
    few, small = page_queries()
    add_steps(8)
    many, large = page_queries()
    assert (small, large) == (4, 20)
    # Scope (2), count, page, escalations, events (with the previous ones), their centers.
    assert many == few <= 7

    client.force_login(people.county_auditor)
    client.get(AUDIT_URL)  # warm the per-process caches (calendar, catalogs)
    with django_assert_max_num_queries(15):
        assert len(listed(client.get(AUDIT_URL))) == 20


# --- Exports ----------------------------------------------------------------------------


def test_csv_export(client, people, steps, center_tree):
    client.force_login(people.county_auditor)
    response = client.get(export_url("csv", kind="escalate"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    today = timezone.localdate().isoformat()
    assert (
        f'filename="escalations-{center_tree.county.code}-{today}.csv"'
        in response["Content-Disposition"]
    )
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0] == HEADERS
    body = table[1:]
    assert sorted(row[1] for row in body) == sorted(
        [steps.auto.tracking_number, steps.sibling.tracking_number, steps.manual.tracking_number]
    )
    auto = next(row for row in body if row[1] == steps.auto.tracking_number)
    record = dict(zip(HEADERS, auto, strict=True))
    step = Escalation.objects.get(dispute=steps.auto)
    assert record["类型"] == "上报" and record["方式"] == "自动" and record["操作人"] == "系统"
    assert record["原承办中心"] == center_tree.village.name and record["原层级"] == "村级"
    assert record["新承办中心"] == center_tree.township.name and record["新层级"] == "乡级"
    assert record["纠纷类别"] == "劳动争议" and record["是否超期"] == "是"
    assert record["原层级期限"] == step.missed_deadline.isoformat()
    assert record["已用工作日"] == str(step.workdays_held)
    assert record["时间"] == timezone.localtime(step.created_at).strftime("%Y-%m-%d %H:%M")


def test_csv_export_follows_the_filters_and_the_township_names_the_file(
    client, people, steps, center_tree
):
    client.force_login(people.county_auditor)
    code = center_tree.sibling_township.code
    response = client.get(export_url("csv", township=code))
    assert f"escalations-{code}-" in response["Content-Disposition"]
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [row[1] for row in table[1:]] == [steps.sibling.tracking_number]


def test_xlsx_export(client, people, steps, center_tree):
    client.force_login(people.county_auditor)
    response = client.get(export_url("xlsx", kind="return"))
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    assert f"escalations-{center_tree.county.code}-" in response["Content-Disposition"]
    assert ".xlsx" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS and len(rows) == 2
    record = dict(zip(HEADERS, rows[1], strict=True))
    assert record["受理编号"] == steps.returned.tracking_number
    assert record["类型"] == "退单" and record["方式"] == "人工"
    assert record["操作人"] == "张三" and record["理由"] == "不属本村管辖"
    # Real dates and times, in Beijing time.
    assert isinstance(record["时间"], datetime) and isinstance(record["原层级期限"], datetime)
    event = steps.returned.events.get(action="disputes.case.returned")
    local = timezone.localtime(event.created_at).replace(tzinfo=None)
    assert abs(record["时间"] - local) < timedelta(seconds=1)
    assert record["已用工作日"] == 0 and isinstance(record["本级停留（天）"], int | float)


def test_exports_of_every_row_match_the_page(client, people, steps):
    client.force_login(people.county_auditor)
    on_page = listed(client.get(AUDIT_URL))
    raw = b"".join(client.get(export_url("csv")).streaming_content).decode("utf-8-sig")
    kinds = {label: value for value, label in AuditKind.choices}
    table = list(csv.reader(io.StringIO(raw)))[1:]
    assert [(row[1], kinds[row[3]]) for row in table] == on_page
    sheet = load_workbook(
        io.BytesIO(b"".join(client.get(export_url("xlsx")).streaming_content))
    ).active
    assert [(row[1], kinds[row[3]]) for row in sheet.iter_rows(min_row=2, values_only=True)] == (
        on_page
    )


def test_an_unknown_export_format_is_not_found(client, people):
    client.force_login(people.county_auditor)
    assert client.get(export_url("pdf")).status_code == 404


@pytest.mark.parametrize("reason", ['=HYPERLINK("http://x")', "+1+2", "-3+4", "@SUM(A1)"])
def test_exports_never_carry_a_formula(client, people, register, reason):
    case = register().dispute
    dispute_escalate(dispute_id=case.pk, actor=people.township_staff, reason=reason)
    client.force_login(people.county_auditor)
    raw = b"".join(client.get(export_url("csv")).streaming_content).decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(raw)))[1]
    assert row[HEADERS.index("理由")] == "'" + reason
    sheet = load_workbook(
        io.BytesIO(b"".join(client.get(export_url("xlsx")).streaming_content))
    ).active
    cell = sheet.cell(row=2, column=HEADERS.index("理由") + 1)
    assert cell.data_type == "s" and cell.value == "'" + reason


def test_neutralize():
    assert neutralize("=1+1") == "'=1+1"
    assert neutralize("\t=1") == "'\t=1"
    assert neutralize("调解不成") == "调解不成"
    assert neutralize("a=b") == "a=b"
    assert [str(column.header) for column in AUDIT_COLUMNS] == HEADERS


# --- Chain verification -----------------------------------------------------------------


def run_command(*args):
    out = io.StringIO()
    call_command("verify_event_chains", *args, stdout=out)
    return out.getvalue()


def test_the_command_passes_intact_chains(steps):
    output = run_command()
    cases = Dispute.objects.count()
    assert f"已校验 {cases} 件案件" in output and "链条断裂 0 件" in output
    assert "event #" not in output


def test_the_command_names_the_first_broken_link_and_fails(steps):
    tamper(steps.manual, 3)
    tamper(steps.manual, 5)
    tamper(steps.returned, 2)
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("verify_event_chains", stdout=out)
    assert failure.value.returncode == 1
    lines = out.getvalue().splitlines()
    assert f"{steps.manual.tracking_number}: event #3 (hash)" in lines
    assert f"{steps.returned.tracking_number}: event #2 (hash)" in lines
    assert not any(line.endswith("event #5 (hash)") for line in lines)  # the first link only
    assert "链条断裂 2 件" in lines[-1]


def test_the_command_checks_one_subtree(steps, center_tree):
    tamper(steps.sibling, 1)
    # 真武山街道's cases are intact.
    output = run_command("--code", center_tree.township.code)
    assert "已校验 5 件案件" in output and "链条断裂 0 件" in output
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_event_chains", "--code", center_tree.sibling_township.code, stdout=out)
    assert "已校验 1 件案件" in out.getvalue()
    assert f"{steps.sibling.tracking_number}: event #1 (hash)" in out.getvalue()


def test_the_command_checks_one_case(steps):
    tamper(steps.auto, 2)
    output = run_command("--tracking-number", steps.returned.tracking_number)
    assert "已校验 1 件案件" in output and "链条断裂 0 件" in output
    with pytest.raises(CommandError) as failure:
        run_command("--tracking-number", steps.auto.tracking_number)
    assert failure.value.returncode == 1


def test_the_command_refuses_unknown_centers_and_cases(db, center_tree):
    for args in (("--code", "429999000000"), ("--tracking-number", "NO-SUCH-CASE")):
        with pytest.raises(CommandError) as failure:
            run_command(*args)
        assert failure.value.returncode == 2


def test_the_chain_page(client, people, steps):
    client.force_login(people.county_auditor)
    response = client.get(CHAINS_URL)
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.total, report.checked, report.intact, report.broken) == (6, 6, 6, [])
    assert 'data-testid="chain-all-intact"' in response.text

    tamper(steps.returned, 4)
    response = client.get(CHAINS_URL)
    report = response.context["report"]
    assert report.intact == 5
    assert [(b.tracking_number, b.check.broken_seq) for b in report.broken] == [
        (steps.returned.tracking_number, 4)
    ]
    page = response.content.decode()
    assert steps.returned.tracking_number in page and "第 4 条" in page
    assert "内容与散列不符（被改动）" in page
    assert 'data-testid="chain-limited"' not in page


def test_the_chain_page_checks_a_chosen_center_within_scope(client, people, steps, center_tree):
    tamper(steps.sibling, 1)
    client.force_login(people.county_auditor)
    own = client.get(CHAINS_URL, {"center": center_tree.township.code}).context["report"]
    assert (own.checked, own.broken) == (5, [])
    sibling = client.get(CHAINS_URL, {"center": center_tree.sibling_township.code})
    assert [b.tracking_number for b in sibling.context["report"].broken] == [
        steps.sibling.tracking_number
    ]
    # Outside the audit's scope: not found.
    assert client.get(CHAINS_URL, {"center": center_tree.other_county.code}).status_code == 404
    client.force_login(people.township_director)
    assert client.get(CHAINS_URL, {"center": center_tree.county.code}).status_code == 404
    report = client.get(CHAINS_URL).context["report"]
    assert report.total == 5 and not report.broken  # the sibling's case is not theirs


def test_the_chain_page_caps_its_work(client, people, steps, center_tree, monkeypatch):
    monkeypatch.setattr(audit_views, "CHAIN_PAGE_LIMIT", 2)
    client.force_login(people.county_auditor)
    response = client.get(CHAINS_URL, {"center": center_tree.township.code})
    report = response.context["report"]
    assert (report.total, report.checked) == (5, 2)
    page = response.content.decode()
    assert 'data-testid="chain-limited"' in page
    assert f"verify_event_chains --code {center_tree.township.code}" in page


# --- English ----------------------------------------------------------------------------


@pytest.fixture
def english():
    """The test client's requests activate English in this thread; later tests expect the
    default language again."""
    compile_catalogs()
    yield
    translation.deactivate()


def test_the_audit_pages_in_english(client, people, steps, english):
    client.force_login(people.county_auditor)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(AUDIT_URL).content.decode()
    assert '<html lang="en">' in page
    for text in ("Escalation audit", "Escalation", "Supervision", "Return", "Reopen"):
        assert text in page, text
    assert "Automatic" in page and "Manual" in page and "System" in page
    assert "Resident (online rating)" in page and "7 records" in page
    # (The reasons stay as written, in Chinese.)
    for chinese in ("上报督办审计", "导出", "原层级期限", "已用工作日", "人工", "群众（在线评价）"):
        assert chinese not in page, chinese
    chains = client.get(CHAINS_URL).content.decode()
    assert "Chain check" in chains and "Intact" in chains and "链条" not in chains
    client.force_login(people.township_staff)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    forbidden = client.get(AUDIT_URL).content.decode()
    assert "open to auditors, directors and administrators" in forbidden
