"""The mediator workspace in a real browser: a village mediator registers a walk-in, prints
the receipt (access code shown once), then accepts, mediates, records the agreement and
closes the case; the timeline shows each step."""

import re

import pytest
from playwright.sync_api import expect

from centers.choices import Role
from disputes.models import Category, Dispute
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-for-tests"


@pytest.fixture
def mediator(center_tree):
    # Transactional tests flush the tables, the categories of the data migration included.
    Category.objects.get_or_create(code="neighbour", defaults={"name": "邻里纠纷"})
    user = UserFactory(username="tx_mediator", last_name="刘", first_name="芳")
    MembershipFactory(user=user, center=center_tree.village, role=Role.MEDIATOR)
    return user


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{live_server.url}/centers/")


def act(page, name, **fields):
    form = page.locator("form.action-form", has=page.get_by_role("button", name=name, exact=True))
    for label, value in fields.items():
        form.get_by_label(label).fill(value)
    form.get_by_role("button", name=name, exact=True).click()
    expect(page.locator(".message-success")).to_contain_text(f"已完成“{name}”")


def test_intake_then_accept_mediate_agree_and_close(
    page, live_server, center_tree, mediator, screenshot
):
    log_in(page, live_server, "tx_mediator")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="矛盾纠纷").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("矛盾纠纷")
    expect(page.get_by_text("没有符合条件的案件。")).to_be_visible()
    page.get_by_role("link", name="登记纠纷").click()

    page.get_by_label("纠纷类别").select_option(label="邻里纠纷")
    page.get_by_label("纠纷概要").fill("邻里排水纠纷")
    page.get_by_label("详细情况").fill("雨水从邻居院墙排入申请人院内。")
    expect(page.get_by_label("发生地（村/社区区划代码）")).to_have_value(center_tree.village.code)
    first = page.locator("fieldset.party-row").nth(0)
    first.get_by_label("姓名/名称").fill("李秀兰")
    first.get_by_label("联系电话").fill("139071012")  # too short: refused, nothing saved
    second = page.locator("fieldset.party-row").nth(1)
    second.get_by_label("姓名/名称").fill("王建军")
    page.get_by_role("button", name="登记并生成回执").click()
    expect(page.locator(".message-error")).to_contain_text("登记未保存")
    expect(first.locator(".errorlist")).to_be_visible()
    screenshot("disputes-01-intake-error")
    assert Dispute.objects.count() == 0

    first.get_by_label("联系电话").fill("13907101234")
    page.get_by_role("button", name="登记并生成回执").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("矛盾纠纷受理回执")
    code = page.get_by_test_id("access-code")
    expect(code).to_have_text(re.compile(r"^[0-9A-Z]{8}$"))
    screenshot("disputes-02-receipt")
    case = Dispute.objects.get()
    assert case.tracking_number in page.content()

    page.reload()
    expect(page.get_by_test_id("access-code")).to_have_count(0)
    expect(page.get_by_test_id("access-code-gone")).to_be_visible()

    page.get_by_role("link", name="返回案件").click()
    expect(page.get_by_test_id("case-status")).to_contain_text("已登记")
    expect(page.get_by_text("139****1234")).to_be_visible()
    act(page, "受理")
    expect(page.get_by_test_id("case-status")).to_contain_text("已受理")
    act(page, "开始调解")
    act(page, "记录调解", 调解时间="2025-03-05T10:00", 调解经过="双方同意修排水沟。")
    screenshot("disputes-03-in-mediation")
    act(page, "调解成功", 协议内容="王建军负责改排水沟。", 签订日期="2025-03-05")
    act(page, "结案", 结案说明="协议已履行。")
    expect(page.get_by_test_id("case-status")).to_contain_text("已结案")
    expect(page.locator(".event-action")).to_have_text(
        ["登记", "受理", "开始调解", "记录调解", "调解成功", "结案"]
    )
    expect(page.get_by_test_id("chain-check")).to_contain_text("完整")
    screenshot("disputes-04-closed")

    page.get_by_role("link", name="矛盾纠纷", exact=True).first.click()
    row = page.locator("table.cases tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("李**")
    expect(row).to_contain_text("已结案")
    screenshot("disputes-05-inbox")
