"""In a real browser: the repeat-petition warning appears while the applicant's phone is typed
at intake; 显示 reveals one masked value in place (htmx) and a reload masks it again; the
mediation agreement prints on A4."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from centers.choices import Role
from centers.models import Membership
from disputes.choices import Action, Channel, PartySide
from disputes.models import CaseEvent, Category
from disputes.services import (
    PartyData,
    dispute_accept,
    dispute_agree,
    dispute_register,
    dispute_start_mediation,
)
from tests.factories import MembershipFactory, UserFactory

from .test_disputes import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mediator(center_tree):
    Category.objects.get_or_create(code="neighbour", defaults={"name": "邻里纠纷"})
    user = UserFactory(username="px_mediator", last_name="刘", first_name="芳")
    MembershipFactory(user=user, center=center_tree.village, role=Role.MEDIATOR)
    return user


@pytest.fixture
def agreed_case(center_tree, mediator):
    case = dispute_register(
        actor=mediator,
        receiving_center=center_tree.village,
        channel=Channel.WALK_IN,
        category=Category.objects.get(code="neighbour"),
        summary="邻里排水纠纷",
        description="雨水从邻居院墙排入申请人院内。",
        village=center_tree.village,
        parties=[
            PartyData(
                side=PartySide.APPLICANT,
                name="李秀兰",
                phone="13907101234",
                id_number="420602198503152541",
                address="襄城区檀溪路12号",
            ),
            PartyData(side=PartySide.RESPONDENT, name="王建军", phone="13807105678"),
        ],
    ).dispute
    dispute_accept(dispute_id=case.pk, actor=mediator)
    dispute_start_mediation(dispute_id=case.pk, actor=mediator)
    dispute_agree(
        dispute_id=case.pk,
        actor=mediator,
        content="王建军负责在院墙外修排水沟，费用由王建军承担。\n双方今后互不追究。",
        signed_on=date(2025, 3, 5),
    )
    return case


def test_repeat_warning_reveal_and_printed_agreement(
    page, live_server, mediator, agreed_case, screenshot, tmp_path
):
    log_in(page, live_server, "px_mediator")

    # C. Typing the applicant's phone at intake brings up the warning; nothing blocks intake.
    page.goto(f"{live_server.url}/disputes/new/")
    first = page.locator("fieldset.party-row").nth(0)
    first.get_by_label("联系电话").fill("1390710")
    warning = page.get_by_test_id("repeat-warning")
    expect(warning).to_have_count(0)
    first.get_by_label("联系电话").fill("13907101234")
    expect(warning).to_contain_text("该申请人有 1 件在办或近90日内的案件（重复信访风险）")
    expect(warning).to_contain_text(agreed_case.tracking_number)
    screenshot("print-01-intake-repeat-warning")
    first.get_by_label("联系电话").fill("13900000000")
    expect(warning).to_have_count(0)

    # B. 显示 next to the masked phone: a reason, then the full value in place.
    page.goto(f"{live_server.url}{agreed_case.get_absolute_url()}")
    cell = page.locator(".pii").first
    expect(cell).to_contain_text("139****1234")
    cell.get_by_text("显示", exact=True).click()
    cell.get_by_label("查看理由").fill("电话通知履行回访")
    screenshot("print-02-reveal-form")
    cell.get_by_role("button", name="查看").click()
    expect(page.get_by_test_id("pii-revealed")).to_have_text("13907101234")
    expect(page.locator("body")).to_contain_text("4206**********2541")
    screenshot("print-03-revealed")
    assert CaseEvent.objects.filter(action=Action.REVEAL_PII, reason="电话通知履行回访").exists()
    page.reload()
    expect(page.get_by_test_id("pii-revealed")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("13907101234")

    # A. The agreement, from the agreement panel, on A4.
    page.get_by_test_id("agreement-print-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("人民调解协议书")
    expect(page.get_by_test_id("agreement")).to_contain_text("420602198503152541")
    screenshot("print-04-agreement")
    page.emulate_media(media="print")
    expect(page.locator(".masthead")).to_be_hidden()
    expect(page.locator(".doc-pii-notice")).to_be_hidden()
    pdf = tmp_path / "agreement.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True)
    # A4 is 210 × 297 mm: 595.3 × 841.9 points.
    assert re.search(rb"/MediaBox \[0 0 59[45](\.\d+)? 84[12](\.\d+)?\]", pdf.read_bytes())
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    screenshot("print-05-agreement-print")

    # The role changed while the case page was open: the refusal shows in place.
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1366, "height": 860})
    page.goto(f"{live_server.url}{agreed_case.get_absolute_url()}")
    cell = page.locator(".pii").first
    cell.get_by_text("显示", exact=True).click()
    cell.get_by_label("查看理由").fill("再核对一次")
    Membership.objects.filter(user=mediator).update(role=Role.AUDITOR)
    cell.get_by_role("button", name="查看").click()
    expect(page.locator(".pii-refusal")).to_contain_text("您的岗位无权对该案件执行")
    expect(page.locator("body")).not_to_contain_text("13907101234")
