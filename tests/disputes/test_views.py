"""The mediator workspace through the test client: intake and its one-time receipt, the inbox
and its tabs and filters, the case page and its actions, scoping (404) and stale forms."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from centers.choices import Role
from disputes.access_codes import access_code_matches
from disputes.choices import RiskLevel, Status
from disputes.models import CaseEvent, Category, Dispute, Party, TrackingSequence
from disputes.services import (
    dispute_accept,
    dispute_dispatch,
    dispute_escalate,
    dispute_start_mediation,
)
from governance.pagination import budget_statements
from tests.factories import MembershipFactory
from tests.i18n_support import compile_catalogs

pytestmark = pytest.mark.django_db

ACCESS_CODE = re.compile(r'data-testid="access-code">([0-9A-Z]{8})<')


def intake_data(center_tree, **overrides):
    data = {
        "receiving_center": center_tree.village.pk,
        "channel": "walk_in",
        "category": Category.objects.get(code="neighbour").pk,
        "risk_level": "ordinary",
        "request_type": "help",
        "summary": "邻里排水纠纷",
        "description": "雨水从邻居院墙排入申请人院内。",
        "occurred_at": "2025-03-01T09:30",
        "village": center_tree.village.code,
        "address": "檀溪路12号",
        "parties-TOTAL_FORMS": "4",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "1",
        "parties-MAX_NUM_FORMS": "10",
        "parties-0-side": "applicant",
        "parties-0-kind": "person",
        "parties-0-name": "李秀兰",
        "parties-0-phone": "13907101234",
        "parties-0-id_number": "420602198503152541",
        "parties-0-address": "襄城区檀溪路12号",
        "parties-1-side": "respondent",
        "parties-1-kind": "person",
        "parties-1-name": "王建军",
        "parties-1-phone": "13807105678",
        # Spare rows left as the form offered them: ignored.
        "parties-2-side": "applicant",
        "parties-2-kind": "person",
        "parties-3-side": "respondent",
        "parties-3-kind": "person",
    }
    data.update(overrides)
    return data


def detail_url(case):
    return reverse("disputes:detail", args=[case.tracking_number])


def act_url(case, slug):
    return reverse("disputes:act", args=[case.tracking_number, slug])


def listed(response):
    return [case.tracking_number for case in response.context["page"].object_list]


# --- Intake and receipt -----------------------------------------------------------------


def test_intake_registers_the_case_and_shows_the_access_code_once(client, center_tree, people):
    client.force_login(people.village_mediator)
    assert client.get(reverse("disputes:intake")).status_code == 200

    response = client.post(reverse("disputes:intake"), intake_data(center_tree), follow=True)

    case = Dispute.objects.get()
    assert response.redirect_chain[-1][0] == reverse(
        "disputes:receipt", args=[case.tracking_number]
    )
    assert case.receiving_center == center_tree.village
    assert case.created_by == people.village_mediator
    assert sorted(case.parties.values_list("side", "name")) == [
        ("applicant", "李秀兰"),
        ("respondent", "王建军"),
    ]
    html = response.content.decode()
    code = ACCESS_CODE.search(html).group(1)
    assert access_code_matches(code, case.access_code_hash)
    assert case.tracking_number in html
    assert "李秀兰" in html
    assert "@media print" in Path("static/css/app.css").read_text(encoding="utf-8")

    again = client.get(reverse("disputes:receipt", args=[case.tracking_number])).content.decode()
    assert code not in again
    assert ACCESS_CODE.search(again) is None
    assert "查询码已在登记时显示过一次" in again


def test_intake_with_a_bad_phone_and_id_number_shows_field_errors_and_saves_nothing(
    client, center_tree, people
):
    client.force_login(people.village_mediator)
    data = intake_data(
        center_tree,
        **{"parties-0-phone": "12345", "parties-1-id_number": "420602198503152540"},
    )

    response = client.post(reverse("disputes:intake"), data)

    assert response.status_code == 200
    forms = response.context["formset"].forms
    assert "phone" in forms[0].errors
    assert "id_number" in forms[1].errors
    assert not forms[0].errors.get("id_number")
    assert "登记未保存" in response.content.decode()
    assert Dispute.objects.count() == 0
    assert Party.objects.count() == 0
    assert CaseEvent.objects.count() == 0
    assert TrackingSequence.objects.filter(last__gt=0).count() == 0


def test_intake_needs_an_applicant_and_a_village_of_the_receiving_center(
    client, center_tree, people
):
    client.force_login(people.township_staff)
    data = intake_data(
        center_tree,
        receiving_center=center_tree.township.pk,
        village=center_tree.sibling_village.code,
        **{"parties-0-side": "respondent"},
    )
    response = client.post(reverse("disputes:intake"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["village"]
    assert response.context["formset"].non_form_errors()
    assert Dispute.objects.count() == 0


def test_a_village_outside_the_receiving_center_is_refused_by_the_service(
    client, center_tree, people, member
):
    # A user at two places may pick the other place's village: the service refuses it.
    user = member(center_tree.township, username="two_places")
    MembershipFactory(user=user, center=center_tree.sibling_township, role=Role.STAFF)
    client.force_login(user)
    data = intake_data(
        center_tree,
        receiving_center=center_tree.township.pk,
        village=center_tree.sibling_village.code,
    )
    response = client.post(reverse("disputes:intake"), data)
    assert response.status_code == 200
    assert "发生地须为本中心辖区内的村/社区" in str(response.context["form"].errors["village"])
    assert Dispute.objects.count() == 0


# --- Inbox ------------------------------------------------------------------------------


def test_inbox_lists_the_cases_in_scope_and_a_sibling_township_sees_none(client, register, people):
    first = register().dispute
    second = register(summary="宅基地边界纠纷", risk_level=RiskLevel.SERIOUS).dispute

    client.force_login(people.township_staff)
    response = client.get(reverse("disputes:inbox"))
    assert response.status_code == 200
    assert set(listed(response)) == {first.tracking_number, second.tracking_number}
    html = response.content.decode()
    assert "李**" in html
    assert "李秀兰" not in html

    client.force_login(people.sibling_staff)
    response = client.get(reverse("disputes:inbox"))
    assert listed(response) == []
    assert first.tracking_number not in response.content.decode()


def test_inbox_filters_by_field_text_and_date(client, register, people):
    first = register().dispute
    second = register(summary="宅基地边界纠纷", risk_level=RiskLevel.SERIOUS).dispute
    client.force_login(people.township_staff)
    inbox = reverse("disputes:inbox")

    assert listed(client.get(inbox, {"risk_level": "serious"})) == [second.tracking_number]
    assert listed(client.get(inbox, {"q": "宅基地"})) == [second.tracking_number]
    assert listed(client.get(inbox, {"q": first.tracking_number})) == [first.tracking_number]
    assert set(listed(client.get(inbox, {"q": "王建军"}))) == {
        first.tracking_number,
        second.tracking_number,
    }
    assert listed(client.get(inbox, {"q": "不存在的人"})) == []
    today = timezone.localdate()
    assert len(listed(client.get(inbox, {"created_from": today.isoformat()}))) == 2
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert listed(client.get(inbox, {"created_from": tomorrow})) == []
    assert listed(client.get(inbox, {"sort": "created_at"})) == [
        first.tracking_number,
        second.tracking_number,
    ]
    assert listed(client.get(inbox, {"sort": "-created_at"})) == [
        second.tracking_number,
        first.tracking_number,
    ]


def test_inbox_tabs(client, register, people, center_tree):
    mine = register().dispute
    to_sign = register(summary="派往村里").dispute
    late = register(summary="超期案件").dispute
    soon = register(summary="即将到期").dispute
    mediator = people.village_mediator
    dispute_accept(dispute_id=mine.pk, actor=mediator)
    dispute_start_mediation(dispute_id=mine.pk, actor=mediator)
    dispute_accept(dispute_id=to_sign.pk, actor=mediator)
    # The township takes the case over, then dispatches it back down to the village.
    dispute_escalate(dispute_id=to_sign.pk, actor=people.township_staff, reason="需街道协调")
    dispute_dispatch(dispute_id=to_sign.pk, actor=people.township_staff, center=center_tree.village)
    today = timezone.localdate()
    Dispute.objects.filter(pk=late.pk).update(level_deadline=today - timedelta(days=1))
    Dispute.objects.filter(pk=soon.pk).update(level_deadline=today)
    Dispute.objects.filter(pk=mine.pk).update(level_deadline=today + timedelta(days=30))
    Dispute.objects.filter(pk=to_sign.pk).update(level_deadline=today + timedelta(days=30))

    client.force_login(mediator)
    inbox = reverse("disputes:inbox")
    assert listed(client.get(inbox, {"tab": "mine"})) == [mine.tracking_number]
    assert listed(client.get(inbox, {"tab": "to_sign"})) == [to_sign.tracking_number]
    assert listed(client.get(inbox, {"tab": "overdue"})) == [late.tracking_number]
    assert listed(client.get(inbox, {"tab": "due_soon"})) == [soon.tracking_number]
    assert len(listed(client.get(inbox, {"tab": "all"}))) == 4
    assert len(listed(client.get(inbox))) == 4
    # A closed case is not overdue, whatever its deadline.
    Dispute.objects.filter(pk=late.pk).update(status=Status.CLOSED)
    assert listed(client.get(inbox, {"tab": "overdue"})) == []
    # 待签收 is about the user's own centers: the township does not sign for the village.
    client.force_login(people.township_staff)
    assert listed(client.get(inbox, {"tab": "to_sign"})) == []


def test_inbox_runs_a_constant_number_of_queries(
    client, register, people, django_assert_max_num_queries
):
    for _ in range(2):
        register()
    client.force_login(people.township_staff)
    inbox = reverse("disputes:inbox")
    client.get(inbox)  # warm up the session and the calendar cache
    with django_assert_max_num_queries(12 + budget_statements(connection)) as few:
        response = client.get(inbox)
    assert len(listed(response)) == 2
    for _ in range(10):
        register()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(inbox, {"tab": "all", "q": "排水"})
    assert len(listed(response)) == 12


# --- Case page and actions --------------------------------------------------------------


def post_action(client, case, slug, **data):
    case.refresh_from_db()
    data.setdefault("version", case.version)
    return client.post(act_url(case, slug), data, follow=True)


def test_the_case_is_worked_through_posts_and_the_timeline_shows_each_step(
    client, register, people
):
    case = register().dispute
    client.force_login(people.village_mediator)

    page = client.get(detail_url(case)).content.decode()
    assert 'data-action="accept"' in page
    assert 'data-action="close"' not in page
    assert "139****1234" in page
    assert "4206**********2541" in page
    assert "13907101234" not in page
    assert "李秀兰" in page

    response = post_action(client, case, "accept")
    assert "已完成“受理”" in response.content.decode()
    post_action(client, case, "start-mediation")
    post_action(
        client,
        case,
        "record-session",
        held_at="2025-03-05T10:00",
        notes="双方同意修排水沟。",
        attendees="李秀兰、王建军",
    )
    post_action(client, case, "agree", content="王建军负责改排水沟。", signed_on="2025-03-05")
    response = post_action(client, case, "close", reason="协议已履行。")

    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.mediator == people.village_mediator
    assert case.agreement.content == "王建军负责改排水沟。"
    html = response.content.decode()
    labels = re.findall(r'class="nowrap event-action">([^<]+)<', html)
    assert labels == ["登记", "受理", "开始调解", "记录调解", "调解成功", "结案"]
    assert "协议已履行。" in html
    assert "双方同意修排水沟。" in html
    assert "链条校验" in html and "完整（6 条）" in html
    assert 'data-action="' not in html.split("办理操作")[0]


def test_a_refused_action_shows_the_message_and_changes_nothing(client, register, people):
    case = register().dispute
    client.force_login(people.village_mediator)
    response = post_action(client, case, "close")
    assert "不能执行“结案”" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.REGISTERED
    assert case.version == 1
    assert CaseEvent.objects.filter(dispute=case).count() == 1


def test_a_missing_reason_is_a_field_error(client, register, people):
    case = register().dispute
    client.force_login(people.village_mediator)
    response = post_action(client, case, "not-accept", reason="")
    assert response.status_code == 200
    forms = {item["slug"]: item["form"] for item in response.context["action_forms"]}
    assert forms["not-accept"].errors["reason"]
    case.refresh_from_db()
    assert case.status == Status.REGISTERED


def test_a_stale_form_gives_the_conflict_message(client, register, people):
    case = register().dispute
    client.force_login(people.village_mediator)
    seen = case.version
    dispute_accept(dispute_id=case.pk, actor=people.township_staff)
    response = client.post(act_url(case, "start-mediation"), {"version": seen}, follow=True)
    assert "该案件刚被他人更新" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED
    assert CaseEvent.objects.filter(dispute=case).count() == 2


def test_an_auditor_sees_no_action_forms_and_their_post_changes_nothing(client, register, people):
    case = register().dispute
    client.force_login(people.county_auditor)
    page = client.get(detail_url(case))
    assert page.status_code == 200
    assert page.context["action_forms"] == []
    assert 'data-action="' not in page.content.decode()

    response = post_action(client, case, "accept")
    assert "无权" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.REGISTERED
    assert CaseEvent.objects.filter(dispute=case).count() == 1


def test_outside_the_scope_every_case_page_is_a_404(client, register, people):
    case = register().dispute
    client.force_login(people.sibling_staff)
    assert client.get(detail_url(case)).status_code == 404
    assert client.get(reverse("disputes:receipt", args=[case.tracking_number])).status_code == 404
    response = client.post(act_url(case, "accept"), {"version": case.version})
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.status == Status.REGISTERED


def test_an_unknown_action_is_a_404_and_get_is_refused(client, register, people):
    case = register().dispute
    client.force_login(people.village_mediator)
    assert client.post(act_url(case, "explode"), {"version": 1}).status_code == 404
    assert client.get(act_url(case, "accept")).status_code == 405


def test_pages_need_a_login(client, register):
    case = register().dispute
    for url in [reverse("disputes:inbox"), reverse("disputes:intake"), detail_url(case)]:
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


# --- Admin ------------------------------------------------------------------------------


def test_the_admin_shows_cases_and_events_read_only_and_scoped(client, register, people):
    from django.contrib.auth.models import Permission

    case = register().dispute
    event = CaseEvent.objects.get(dispute=case)
    for user in (people.township_staff, people.sibling_staff):
        user.is_staff = True
        user.save()
        user.user_permissions.set(
            Permission.objects.filter(codename__in=["view_dispute", "view_caseevent"])
        )
    client.force_login(people.township_staff)
    dispute_page = reverse("admin:disputes_dispute_change", args=[case.pk])
    event_page = reverse("admin:disputes_caseevent_change", args=[event.pk])
    assert case.tracking_number in client.get(reverse("admin:disputes_dispute_changelist")).text
    page = client.get(dispute_page)
    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    assert client.get(event_page).status_code == 200
    assert client.post(dispute_page, {"summary": "改掉"}).status_code == 403

    client.force_login(people.sibling_staff)
    assert case.tracking_number not in client.get(reverse("admin:disputes_dispute_changelist")).text
    assert (
        client.get(reverse("admin:disputes_caseevent_changelist")).context["cl"].result_count == 0
    )
    assert client.get(dispute_page).status_code == 302  # "does not exist" → admin index
    assert client.get(event_page).status_code == 302


def test_the_case_page_and_the_inbox_in_english(client, register, people):
    compile_catalogs()
    case = register().dispute
    client.force_login(people.village_mediator)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(detail_url(case)).content.decode()
    assert '<html lang="en">' in body
    assert "Registered" in body and "Chain check" in body and "Accept" in body
    response = post_action(client, case, "close")
    assert "“Close” is not possible now" in response.content.decode()
    inbox = client.get(reverse("disputes:inbox")).content.decode()
    assert "My cases" in inbox and "Overdue" in inbox and "1 case" in inbox
    assert "我的案件" not in inbox
