"""The printable mediation agreement (调解协议书), revealing a party's full phone or ID number
on the case page, and the repeat-petition warning (重复信访) at intake and on the case page."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from centers.choices import Role
from disputes.choices import Action, Status
from disputes.models import Agreement, CaseEvent, Dispute
from disputes.selectors import verify_event_chain
from disputes.services import (
    PartyData,
    dispute_accept,
    dispute_agree,
    dispute_start_mediation,
)
from tests.disputes.conftest import APPLICANT, RESPONDENT
from tests.disputes.test_views import intake_data
from tests.i18n_support import compile_catalogs

pytestmark = pytest.mark.django_db

FULL_ID = APPLICANT.id_number  # 420602198503152541
FULL_PHONE = APPLICANT.phone  # 13907101234
MASKED_ID = "4206**********2541"
MASKED_PHONE = "139****1234"
HTMX = {"HTTP_HX_REQUEST": "true"}


def agreed(register, people, *, is_written=True, content="王建军负责改排水沟，3月底前完工。"):
    """A case mediated at 檀溪社区 to an agreement signed on 2025-03-05."""
    case = register().dispute
    mediator = people.village_mediator
    dispute_accept(dispute_id=case.pk, actor=mediator)
    dispute_start_mediation(dispute_id=case.pk, actor=mediator)
    dispute_agree(
        dispute_id=case.pk,
        actor=mediator,
        content=content,
        signed_on=date(2025, 3, 5),
        is_written=is_written,
    )
    case.refresh_from_db()
    return case


def agreement_url(case):
    return reverse("disputes:agreement", args=[case.tracking_number])


def reveal_url(case, party, field):
    return reverse("disputes:reveal", args=[case.tracking_number, party.pk, field])


def detail_url(case):
    return reverse("disputes:detail", args=[case.tracking_number])


def reveals(case):
    return CaseEvent.objects.filter(dispute=case, action=Action.REVEAL_PII)


def applicant(case):
    return case.parties.get(side="applicant")


# --- A. The printable agreement ---------------------------------------------------------


def test_the_agreement_is_a_print_page_with_the_parties_in_full_and_each_opening_is_audited(
    client, register, people
):
    case = agreed(register, people)
    Agreement.objects.filter(dispute=case).update(performance_notes="2025年3月31日前一次履行完毕。")
    version, status = case.version, case.status
    client.force_login(people.township_staff)

    response = client.get(agreement_url(case))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "人民调解协议书" in html
    assert f"TJXY-{case.tracking_number}" in html
    # The parties in full: this is the document they sign and keep.
    for value in (FULL_ID, FULL_PHONE, RESPONDENT.phone, "李秀兰", "王建军", APPLICANT.address):
        assert value in html
    assert MASKED_ID not in html
    assert "雨水从邻居院墙排入申请人院内。" in html  # 纠纷主要事实
    assert "王建军负责改排水沟，3月底前完工。" in html  # 协议内容
    assert "2025年3月31日前一次履行完毕。" in html  # 履行方式、期限
    assert "自各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章" in html
    assert "本协议书一式三份" in html  # two parties and the committee
    assert html.count("（签名、盖章或按指印）") == 2
    assert "人民调解员（签名）" in html
    assert "檀溪社区居委会人民调解委员会（印章）" in html
    assert "2025年3月5日" in html
    assert 'onclick="window.print()"' in html

    event = reveals(case).get()
    assert event.actor == people.township_staff
    assert event.reason == "打印调解协议书"
    assert event.data["document"] == "agreement"
    assert event.data["agreement"] == case.agreement.pk
    assert event.data["parties"] == list(
        case.parties.order_by("side", "pk").values_list("pk", flat=True)
    )
    case.refresh_from_db()
    assert (case.version, case.status) == (version, status)
    assert verify_event_chain(case).ok

    client.get(agreement_url(case))
    assert reveals(case).count() == 2


def test_the_case_page_links_to_the_agreement_for_those_who_may_print_it(client, register, people):
    case = agreed(register, people)
    client.force_login(people.village_mediator)
    page = client.get(detail_url(case)).content.decode()
    assert agreement_url(case) in page
    assert "打印调解协议书" in page
    client.force_login(people.county_auditor)
    assert agreement_url(case) not in client.get(detail_url(case)).content.decode()
    assert not reveals(case).exists()


def test_no_agreement_no_page(client, register, people):
    case = register().dispute
    client.force_login(people.village_mediator)
    assert client.get(agreement_url(case)).status_code == 404
    assert agreement_url(case) not in client.get(detail_url(case)).content.decode()
    # Nor for a role that could not open it anyway: there is nothing to refuse.
    client.force_login(people.county_auditor)
    assert client.get(agreement_url(case)).status_code == 404
    assert not reveals(case).exists()


def test_an_auditor_and_a_grid_worker_are_refused_with_a_message(
    client, register, people, member, center_tree
):
    case = agreed(register, people)
    grid_worker = member(center_tree.village, Role.GRID_WORKER, username="v_grid")
    for user in (people.county_auditor, grid_worker):
        client.force_login(user)
        response = client.get(agreement_url(case))
        assert response.status_code == 403
        html = response.content.decode()
        assert "您的岗位无权对该案件执行“查看完整个人信息”" in html
        assert FULL_ID not in html and FULL_PHONE not in html
    assert not reveals(case).exists()


def test_outside_the_scope_the_agreement_is_a_404(client, register, people):
    case = agreed(register, people)
    client.force_login(people.sibling_staff)
    assert client.get(agreement_url(case)).status_code == 404
    assert client.post(agreement_url(case)).status_code in (404, 405)
    assert not reveals(case).exists()


def test_an_oral_agreement_prints_as_the_record_of_an_oral_agreement(client, register, people):
    case = agreed(register, people, is_written=False, content="双方口头约定互不追究。")
    client.force_login(people.village_mediator)
    page = client.get(detail_url(case)).content.decode()
    assert "打印口头协议记录" in page

    html = client.get(agreement_url(case)).content.decode()
    assert 'class="doc-title">人民调解口头协议记录</h1>' in html
    assert "采取口头协议方式" in html
    assert "口头调解协议自各方当事人达成协议之日起生效" in html
    assert "双方口头约定互不追究。" in html
    assert "人民调解员（记录人）签名" in html
    assert "本协议书一式" not in html
    assert "（签名、盖章或按指印）" not in html
    assert FULL_ID in html
    assert reveals(case).count() == 1


def test_the_agreement_in_english(client, register, people):
    compile_catalogs()
    case = agreed(register, people)
    client.force_login(people.village_mediator)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    html = client.get(agreement_url(case)).content.decode()

    assert '<html lang="en">' in html
    assert "People’s Mediation Agreement" in html
    assert "People’s Mediation Committee of 檀溪社区居委会 (seal)" in html
    assert "made in 3 copies" in html
    assert "takes effect on the day" in html
    assert "March 5, 2025" in html
    assert FULL_ID in html
    for chinese in ("人民调解协议书", "签名、盖章或按指印", "一式", "纠纷主要事实"):
        assert chinese not in html


# --- B. Revealing a party's full phone or ID number -------------------------------------


def test_the_reveal_button_is_offered_next_to_each_masked_value_to_handlers_only(
    client, register, people
):
    case = register().dispute
    party = applicant(case)
    client.force_login(people.village_mediator)
    page = client.get(detail_url(case)).content.decode()
    assert page.count('class="reveal-toggle"') == 3  # applicant phone and ID, respondent phone
    assert f'hx-post="{reveal_url(case, party, "phone")}"' in page
    assert f'hx-post="{reveal_url(case, party, "id_number")}"' in page

    client.force_login(people.county_auditor)
    page = client.get(detail_url(case)).content.decode()
    assert "reveal-toggle" not in page
    assert MASKED_PHONE in page


def test_htmx_reveal_returns_the_cell_with_the_full_value_and_writes_the_event(
    client, register, people
):
    case = register().dispute
    party = applicant(case)
    client.force_login(people.village_mediator)

    response = client.post(
        reveal_url(case, party, "id_number"), {"reason": "核实申请人身份"}, **HTMX
    )

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "<html" not in html  # the partial only
    assert f'id="pii-{party.pk}-id_number"' in html
    assert f'data-testid="pii-revealed">{FULL_ID}<' in html
    assert FULL_PHONE not in html  # only the value asked for
    event = reveals(case).get()
    assert event.actor == people.village_mediator
    assert event.reason == "核实申请人身份"
    assert event.data["party"] == party.pk and event.data["field"] == "id_number"
    assert FULL_ID not in str(event.data)
    case.refresh_from_db()
    assert case.version == 1


def test_a_plain_post_shows_the_case_page_with_that_value_for_this_view_only(
    client, register, people
):
    case = register().dispute
    party = applicant(case)
    client.force_login(people.township_staff)

    response = client.post(reveal_url(case, party, "phone"), {"reason": "电话通知调解时间"})

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert f'data-testid="pii-revealed">{FULL_PHONE}<' in html
    assert MASKED_ID in html and FULL_ID not in html  # the other values stay masked
    assert "电话通知调解时间" in html  # the new event in the timeline
    assert reveals(case).count() == 1

    # Reloaded: masked again; the value was never kept anywhere.
    again = client.get(detail_url(case)).content.decode()
    assert FULL_PHONE not in again and MASKED_PHONE in again
    assert all(FULL_PHONE not in str(value) for value in client.session.values())
    assert reveals(case).count() == 1


def test_the_value_is_not_leaked_in_other_responses(client, register, people):
    case = register().dispute
    party = applicant(case)
    client.force_login(people.village_mediator)
    client.post(reveal_url(case, party, "phone"), {"reason": "回访"}, **HTMX)
    client.post(reveal_url(case, party, "id_number"), {"reason": "回访"})
    for url in (
        detail_url(case),
        reverse("disputes:inbox"),
        reverse("disputes:receipt", args=[case.tracking_number]),
    ):
        html = client.get(url).content.decode()
        assert FULL_PHONE not in html and FULL_ID not in html, url
    assert reveals(case).count() == 2


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_empty_reason_returns_the_form_with_a_field_error(client, register, people, reason):
    case = register().dispute
    party = applicant(case)
    client.force_login(people.village_mediator)

    response = client.post(reveal_url(case, party, "phone"), {"reason": reason}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "请填写查看理由。" in html
    assert '<details class="reveal" open>' in html
    assert 'aria-invalid="true"' in html
    assert FULL_PHONE not in html

    response = client.post(reveal_url(case, party, "phone"), {"reason": reason})
    assert response.status_code == 200
    html = response.content.decode()
    assert "请填写查看理由。" in html and "<html" in html
    assert FULL_PHONE not in html
    assert not reveals(case).exists()


def test_a_role_that_may_not_reveal_gets_403_with_the_services_message(client, register, people):
    case = register().dispute
    party = applicant(case)
    client.force_login(people.county_auditor)
    message = "您的岗位无权对该案件执行“查看完整个人信息”"

    response = client.post(reveal_url(case, party, "phone"), {"reason": "看看"})
    assert response.status_code == 403
    assert message in response.content.decode()
    assert FULL_PHONE not in response.content.decode()

    response = client.post(reveal_url(case, party, "phone"), {"reason": "看看"}, **HTMX)
    assert response.status_code == 403
    html = response.content.decode()
    assert message in html and "<html" not in html and MASKED_PHONE in html
    assert FULL_PHONE not in html

    # Without a reason too: the refusal, not a form error.
    response = client.post(reveal_url(case, party, "phone"), {"reason": ""})
    assert response.status_code == 403
    assert not reveals(case).exists()


def test_outside_the_scope_or_a_wrong_party_or_field_is_a_404(client, register, people):
    case = register().dispute
    other = register(summary="另一件").dispute
    party = applicant(case)
    client.force_login(people.sibling_staff)
    assert client.post(reveal_url(case, party, "phone"), {"reason": "x"}).status_code == 404

    client.force_login(people.village_mediator)
    foreign = applicant(other)
    assert client.post(reveal_url(case, foreign, "phone"), {"reason": "x"}).status_code == 404
    url = reverse("disputes:reveal", args=[case.tracking_number, party.pk, "name"])
    assert client.post(url, {"reason": "x"}).status_code == 404
    assert client.get(reveal_url(case, party, "phone")).status_code == 405
    assert not CaseEvent.objects.filter(action=Action.REVEAL_PII).exists()


# --- C. Repeat petitions ----------------------------------------------------------------


def repeats_url():
    return reverse("disputes:intake_repeats")


def listed_numbers(response):
    return {case.tracking_number for case in response.context["repeats"].cases}


def test_the_warning_lists_the_applicants_cases_in_the_users_scope_only(
    client, register, people, center_tree
):
    here = register().dispute
    sibling = register(
        actor=people.sibling_staff,
        receiving_center=center_tree.sibling_township,
        village=center_tree.sibling_village,
        summary="古城街道的另一件",
    ).dispute

    client.force_login(people.township_staff)
    response = client.post(repeats_url(), {"phone": FULL_PHONE})
    assert response.status_code == 200
    html = response.content.decode()
    assert listed_numbers(response) == {here.tracking_number}
    assert "该申请人有 1 件在办或近90日内的案件（重复信访风险）" in html
    assert f'href="{detail_url(here)}"' in html
    assert "邻里排水纠纷" in html and "檀溪社区居委会" in html and "已登记" in html
    assert sibling.tracking_number not in html and "古城街道的另一件" not in html

    client.force_login(people.sibling_staff)
    response = client.post(repeats_url(), {"id_number": FULL_ID.lower()})
    assert listed_numbers(response) == {sibling.tracking_number}

    client.force_login(people.county_staff)
    response = client.post(repeats_url(), {"phone": FULL_PHONE})
    assert listed_numbers(response) == {here.tracking_number, sibling.tracking_number}
    assert "该申请人有 2 件" in response.content.decode()


def test_the_warning_reads_the_applicant_rows_of_the_intake_form(
    client, register, people, center_tree
):
    case = register().dispute
    client.force_login(people.village_mediator)
    data = intake_data(center_tree, **{"parties-0-phone": "", "parties-0-id_number": FULL_ID})
    response = client.post(repeats_url(), data)
    assert listed_numbers(response) == {case.tracking_number}

    # Someone who applied before is now the respondent: that is no repeat petition.
    data = intake_data(
        center_tree,
        **{
            "parties-0-phone": "13900000000",
            "parties-0-id_number": "",
            "parties-1-phone": FULL_PHONE,
            "parties-1-id_number": FULL_ID,
        },
    )
    response = client.post(repeats_url(), data)
    assert response.status_code == 200
    assert response.content.decode().strip() == ""


def test_the_warning_covers_open_cases_and_the_last_90_days(client, register, people):
    case = register().dispute
    client.force_login(people.village_mediator)

    def shown():
        return client.post(repeats_url(), {"phone": FULL_PHONE}).content.decode().strip() != ""

    long_ago = timezone.now() - timedelta(days=120)
    Dispute.objects.filter(pk=case.pk).update(created_at=long_ago, status=Status.ARCHIVED)
    assert not shown()
    Dispute.objects.filter(pk=case.pk).update(status=Status.IN_MEDIATION)  # still open
    assert shown()
    recent = timezone.now() - timedelta(days=80)
    Dispute.objects.filter(pk=case.pk).update(created_at=recent, status=Status.ARCHIVED)
    assert shown()


@pytest.mark.parametrize(
    "data",
    [
        {"phone": "1390710"},  # still being typed
        {"phone": "12345678901"},
        {"id_number": "4206021985"},
        {"id_number": "420602198503152540"},  # wrong check digit
        {"phone": "13907101234'; --"},
        {},
    ],
)
def test_malformed_input_is_ignored_without_an_error_or_a_query(client, register, people, data):
    register()
    client.force_login(people.village_mediator)
    client.get(reverse("disputes:inbox"))  # session and memberships warmed up
    with CaptureQueriesContext(connection) as queries:
        response = client.post(repeats_url(), data)
    assert response.status_code == 200
    assert response.content.decode().strip() == ""
    assert not [q for q in queries.captured_queries if "disputes_" in q["sql"]]


def test_the_warning_needs_an_intake_role_and_a_post(client, register, people):
    register()
    client.force_login(people.county_auditor)
    response = client.post(repeats_url(), {"phone": FULL_PHONE})
    assert response.status_code == 403
    client.force_login(people.village_mediator)
    assert client.get(repeats_url(), {"phone": FULL_PHONE}).status_code == 405


def test_the_intake_form_asks_for_the_warning_as_the_applicant_is_typed(client, people):
    client.force_login(people.village_mediator)
    html = client.get(reverse("disputes:intake")).content.decode()
    assert f'hx-post="{repeats_url()}"' in html
    assert 'hx-target="#repeat-warning"' in html
    assert 'id="repeat-warning"' in html


def test_a_repeat_does_not_block_intake_and_the_case_page_names_the_other_cases(
    client, register, people, center_tree
):
    first = register().dispute
    unrelated = register(
        parties=[PartyData(side="applicant", name="赵敏", phone="13607101111")]
    ).dispute
    client.force_login(people.village_mediator)

    response = client.post(reverse("disputes:intake"), intake_data(center_tree))
    assert response.status_code == 302
    second = Dispute.objects.exclude(pk__in=[first.pk, unrelated.pk]).get()

    page = client.get(detail_url(second))
    html = page.content.decode()
    assert "重复信访" in html
    assert "该申请人另有 1 件在办或近90日内的案件" in html
    assert {case.tracking_number for case in page.context["repeats"].cases} == {
        first.tracking_number
    }
    assert unrelated.tracking_number not in html

    html = client.get(detail_url(unrelated)).content.decode()
    assert 'data-testid="repeat-warning"' not in html


def test_the_repeat_warning_in_english(client, register, people):
    compile_catalogs()
    register()
    client.force_login(people.village_mediator)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.post(repeats_url(), {"phone": FULL_PHONE}).content.decode()
    assert "This applicant has 1 open or recent case" in html
    assert "重复信访风险" not in html
