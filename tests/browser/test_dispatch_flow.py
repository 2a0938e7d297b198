"""派单 across two users in a real browser, and the actions the case page refuses.

The flow: the township desk (真武山街道) registers a walk-in, accepts it and dispatches it to
a village center below; the village mediator signs for it from the 待签收 tab, mediates,
records the agreement and closes it. Then the refusals: a stale form after a colleague acted,
a 退单 without its reason, and an auditor who may read the case but act on nothing."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from centers.choices import Role
from disputes.choices import Action, Channel, Status
from disputes.models import CaseEvent, Category, Dispute
from disputes.services import dispute_accept, dispute_dispatch, dispute_register
from tests.browser.conftest import SCREENSHOTS
from tests.disputes.conftest import APPLICANT, RESPONDENT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-for-tests"
TOWNSHIP = "真武山街道"
VILLAGE = "檀溪社区居委会"
CONFLICT = re.compile(r"^该案件刚被他人更新（当前状态：已受理），请刷新页面后再操作。$")


# --- Fixtures ---------------------------------------------------------------------------


@pytest.fixture
def open_page(chromium_browser):
    """open_page() → a page in its own browser context (one per user), like conftest's
    `page`: zh-CN, Beijing time. Contexts are closed at teardown."""
    contexts = []

    def make():
        context = chromium_browser.new_context(
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            viewport={"width": 1366, "height": 860},
            device_scale_factor=1,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def category(db):
    # Transactional tests flush the tables, the categories of the data migration included.
    return Category.objects.get_or_create(code="neighbour", defaults={"name": "邻里纠纷"})[0]


@pytest.fixture
def staff(center_tree, member):
    return member(
        center_tree.township, Role.STAFF, username="t_staff", last_name="张", first_name="伟"
    )


@pytest.fixture
def village_mediator(center_tree, member):
    return member(
        center_tree.village, Role.MEDIATOR, username="v_mediator", last_name="刘", first_name="芳"
    )


@pytest.fixture
def accepted_case(center_tree, staff, category):
    """A walk-in registered and accepted at the township desk (set up through the services)."""
    dispute = dispute_register(
        actor=staff,
        receiving_center=center_tree.township,
        channel=Channel.WALK_IN,
        category=category,
        summary="邻里排水纠纷",
        description="雨水从邻居院墙排入申请人院内。",
        village=center_tree.village,
        parties=[APPLICANT, RESPONDENT],
    ).dispute
    return dispute_accept(dispute_id=dispute.pk, actor=staff)


@pytest.fixture
def dispatched_case(center_tree, staff, accepted_case):
    return dispute_dispatch(dispute_id=accepted_case.pk, actor=staff, center=center_tree.village)


# --- Helpers ----------------------------------------------------------------------------


def shot(page, name: str) -> Path:
    """A full-page PNG of `page` into the screenshots folder of tests/browser/conftest.py."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{live_server.url}/centers/")


def log_out(page, live_server):
    page.locator("details.usermenu > summary").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.get_by_label("用户名")).to_be_visible()


def action_form(page, name):
    """The case page's form whose submit button is `name` (每个操作一个表单)."""
    return page.locator("form.action-form", has=page.get_by_role("button", name=name, exact=True))


def act(page, name, **fields):
    form = action_form(page, name)
    for label, value in fields.items():
        form.get_by_label(label).fill(value)
    form.get_by_role("button", name=name, exact=True).click()
    expect(page.locator(".message-success")).to_have_text(f"已完成“{name}”。")


def expect_case(page, *, status, timeline, center):
    """The case page shows `status` in its badge, the timeline's actions in order, an
    unbroken chain of that many events, and `center` as the handling center."""
    expect(page.get_by_test_id("case-status").locator(".badge").first).to_have_text(status)
    expect(page.locator(".timeline .event-action")).to_have_text(timeline)
    chain = page.get_by_test_id("chain-check")
    expect(chain.locator(".badge-red")).to_have_count(0)
    expect(chain.locator(".badge-green")).to_have_text(f"完整（{len(timeline)} 条）")
    handling = page.locator("dl.props dt", has_text="当前承办中心").locator(
        "xpath=following-sibling::dd[1]"
    )
    expect(handling).to_have_text(center)


# --- The dispatch flow ------------------------------------------------------------------


def test_township_dispatches_and_the_village_signs_mediates_and_closes(
    open_page, live_server, center_tree, staff, village_mediator, category
):
    # The township desk registers a walk-in.
    desk = open_page()
    log_in(desk, live_server, "t_staff")
    desk.get_by_role("navigation", name="主导航").get_by_role("link", name="矛盾纠纷").click()
    desk.get_by_role("link", name="登记纠纷").click()
    expect(desk.get_by_label("受理中心").locator("option:checked")).to_have_text(
        f"{TOWNSHIP}（420602001000）"
    )
    expect(desk.get_by_label("受理渠道").locator("option:checked")).to_have_text("来访")
    desk.get_by_label("纠纷类别").select_option(label="邻里纠纷")
    desk.get_by_label("纠纷概要").fill("邻里排水纠纷")
    desk.get_by_label("详细情况").fill("雨水从邻居院墙排入申请人院内。")
    desk.get_by_label("发生地（村/社区区划代码）").fill(center_tree.village.code)
    first = desk.locator("fieldset.party-row").nth(0)
    first.get_by_label("姓名/名称").fill("李秀兰")
    first.get_by_label("联系电话").fill("13907101234")
    second = desk.locator("fieldset.party-row").nth(1)
    second.get_by_label("姓名/名称").fill("王建军")
    desk.get_by_role("button", name="登记并生成回执").click()

    # The receipt, with the access code shown once.
    expect(desk.get_by_role("heading", level=1)).to_have_text(f"{TOWNSHIP}矛盾纠纷受理回执")
    expect(desk.get_by_test_id("access-code")).to_have_text(re.compile(r"^[0-9A-Z]{8}$"))
    tracking_number = desk.locator(".receipt-number").inner_text()
    expect(desk.locator(".message-success")).to_have_text(f"已登记，受理编号 {tracking_number}。")
    shot(desk, "dispatch-01-receipt")

    desk.get_by_role("link", name="返回案件").click()
    expect_case(desk, status="已登记", timeline=["登记"], center=TOWNSHIP)
    act(desk, "受理")
    expect_case(desk, status="已受理", timeline=["登记", "受理"], center=TOWNSHIP)

    # Each action form's fields are labelled inside that form (ids unique on the page).
    ids = desk.locator("form.action-form [id]").evaluate_all("els => els.map(e => e.id)")
    assert len(ids) == len(set(ids)), ids
    expect(action_form(desk, "上报").get_by_label("上报理由")).to_be_editable()
    expect(action_form(desk, "下派").get_by_label("下派至")).to_be_enabled()

    # 派单: the township itself and its own villages, not the sibling township's.
    dispatch = action_form(desk, "派单")
    expect(dispatch.get_by_label("派往中心").locator("option")).to_have_text(
        ["---------", "真武山街道（乡级）", "檀溪社区居委会（村级）", "凤雏社区居委会（村级）"]
    )
    dispatch.get_by_label("派往中心").select_option(label=f"{VILLAGE}（村级）")
    shot(desk, "dispatch-02-dispatch-form")
    act(desk, "派单", 派单说明="请社区调委会就近调解。")
    expect_case(desk, status="已派单", timeline=["登记", "受理", "派单"], center=VILLAGE)
    expect(desk.locator(".timeline tbody tr").nth(2)).to_contain_text("请社区调委会就近调解。")
    log_out(desk, live_server)

    # The village mediator finds the order in 待签收.
    village = open_page()
    log_in(village, live_server, "v_mediator")
    village.get_by_role("navigation", name="主导航").get_by_role("link", name="矛盾纠纷").click()
    village.get_by_role("navigation", name="案件页签").get_by_role("link", name="待签收").click()
    expect(village.get_by_role("link", name="待签收")).to_have_attribute("aria-current", "page")
    row = village.locator("table.cases tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(tracking_number)
    expect(row).to_contain_text("李**")
    expect(row).to_contain_text("已派单")
    expect(row).to_contain_text(VILLAGE)
    shot(village, "dispatch-03-to-sign-tab")
    row.get_by_role("link", name=tracking_number).click()

    expect_case(village, status="已派单", timeline=["登记", "受理", "派单"], center=VILLAGE)
    expect(village.locator(".actions form.action-form button")).to_have_text(["签收", "退单"])
    act(village, "签收")
    expect_case(village, status="已签收", timeline=["登记", "受理", "派单", "签收"], center=VILLAGE)
    act(village, "开始调解")
    expect_case(
        village,
        status="调解中",
        timeline=["登记", "受理", "派单", "签收", "开始调解"],
        center=VILLAGE,
    )
    act(village, "记录调解", 调解时间="2025-03-05T10:00", 调解经过="双方同意修排水沟。")
    expect(village.locator("ol.sessions li")).to_contain_text("双方同意修排水沟。")
    shot(village, "dispatch-04-in-mediation")
    act(village, "调解成功", 协议内容="王建军负责改排水沟。", 签订日期="2025-03-05")
    expect_case(
        village,
        status="调解成功",
        timeline=["登记", "受理", "派单", "签收", "开始调解", "记录调解", "调解成功"],
        center=VILLAGE,
    )
    act(village, "结案", 结案说明="协议已履行。")
    steps = ["登记", "受理", "派单", "签收", "开始调解", "记录调解", "调解成功", "结案"]
    expect_case(village, status="已结案", timeline=steps, center=VILLAGE)
    expect(village.locator(".timeline tbody tr td:nth-child(6)")).to_have_text(
        [TOWNSHIP, TOWNSHIP] + [VILLAGE] * 6
    )
    expect(village.locator(".timeline tbody tr td:nth-child(5)")).to_have_text(
        ["张伟", "张伟", "张伟"] + ["刘芳"] * 5
    )
    shot(village, "dispatch-05-closed")

    # Signed for: the order has left 待签收.
    village.get_by_role("link", name="矛盾纠纷", exact=True).first.click()
    village.get_by_role("navigation", name="案件页签").get_by_role("link", name="待签收").click()
    expect(village.get_by_text("没有符合条件的案件。")).to_be_visible()

    case = Dispute.objects.get()
    assert case.tracking_number == tracking_number
    assert case.status == Status.CLOSED
    assert case.current_center == center_tree.village
    assert case.mediator == village_mediator


# --- Refused actions --------------------------------------------------------------------


def test_a_stale_form_is_refused_and_the_case_changes_once(
    open_page, live_server, center_tree, member, staff, category
):
    dispute = dispute_register(
        actor=staff,
        receiving_center=center_tree.township,
        channel=Channel.WALK_IN,
        category=category,
        summary="邻里排水纠纷",
        village=center_tree.village,
        parties=[APPLICANT, RESPONDENT],
    ).dispute
    member(center_tree.township, Role.MEDIATOR, username="t_mediator", last_name="陈")
    url = f"{live_server.url}{dispute.get_absolute_url()}"

    first, second = open_page(), open_page()
    log_in(first, live_server, "t_staff")
    log_in(second, live_server, "t_mediator")
    for page in (first, second):
        page.goto(url)
        expect_case(page, status="已登记", timeline=["登记"], center=TOWNSHIP)

    act(first, "受理")
    expect_case(first, status="已受理", timeline=["登记", "受理"], center=TOWNSHIP)

    # The second handler still has the form of the case as it was.
    action_form(second, "受理").get_by_role("button", name="受理", exact=True).click()
    expect(second.locator(".message-error")).to_have_text(CONFLICT)
    expect(second.locator(".message-success")).to_have_count(0)
    expect_case(second, status="已受理", timeline=["登记", "受理"], center=TOWNSHIP)
    expect(second.locator(".timeline tbody tr").nth(1)).to_contain_text("张伟")
    expect(action_form(second, "受理")).to_have_count(0)
    shot(second, "refused-01-stale-form")

    dispute.refresh_from_db()
    assert dispute.status == Status.ACCEPTED
    assert dispute.version == 2
    assert CaseEvent.objects.filter(dispute=dispute, action=Action.ACCEPT).count() == 1


def test_a_return_without_reason_is_refused_at_the_reason_field(
    open_page, live_server, village_mediator, dispatched_case
):
    page = open_page()
    log_in(page, live_server, "v_mediator")
    page.goto(f"{live_server.url}{dispatched_case.get_absolute_url()}")
    expect_case(page, status="已派单", timeline=["登记", "受理", "派单"], center=VILLAGE)

    form = action_form(page, "退单")
    form.get_by_role("button", name="退单", exact=True).click()
    expect(page.locator(".message-error")).to_have_text("“退单”未执行，请按提示修改。")
    form = action_form(page, "退单")
    reason = form.get_by_label("退单理由")
    expect(reason).to_have_attribute("aria-invalid", "true")
    invalid = form.locator(".field-invalid", has=page.get_by_label("退单理由"))
    expect(invalid.locator(".errorlist")).to_have_text("该字段是必填项。")
    expect(page.locator(".errorlist")).to_have_count(1)
    expect_case(page, status="已派单", timeline=["登记", "受理", "派单"], center=VILLAGE)
    shot(page, "refused-02-return-without-reason")

    dispatched_case.refresh_from_db()
    assert dispatched_case.status == Status.DISPATCHED
    assert dispatched_case.current_center.name == VILLAGE
    assert dispatched_case.return_count == 0
    assert not CaseEvent.objects.filter(dispute=dispatched_case, action=Action.RETURN).exists()


def test_an_auditor_reads_the_case_but_has_no_action_buttons(
    open_page, live_server, center_tree, member, accepted_case
):
    member(center_tree.county, Role.AUDITOR, username="c_auditor", last_name="周")
    page = open_page()
    log_in(page, live_server, "c_auditor")
    page.goto(f"{live_server.url}{accepted_case.get_absolute_url()}")
    expect_case(page, status="已受理", timeline=["登记", "受理"], center=TOWNSHIP)
    expect(page.get_by_role("heading", name="办理操作")).to_have_count(0)
    expect(page.locator("form.action-form")).to_have_count(0)
    expect(page.get_by_role("main").get_by_role("button")).to_have_count(0)
    shot(page, "refused-03-auditor-read-only")
