"""The UI in a real browser: log in as a township user, walk the tree, open a village and a
grid, search, switch to English, log out; a sibling township's URL is a 404."""

import re

import pytest
from playwright.sync_api import expect

from centers.choices import DepartmentKind, Role
from tests.factories import (
    DepartmentFactory,
    GridWorkerFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-for-tests"


@pytest.fixture
def township_user(center_tree):
    user = UserFactory(username="zws_staff", last_name="王", first_name="建华")
    MembershipFactory(user=user, center=center_tree.township, role=Role.STAFF)
    village = center_tree.village
    DepartmentFactory(center=center_tree.township, name="真武山司法所", kind=DepartmentKind.JUSTICE)
    DepartmentFactory(
        center=center_tree.township,
        name="真武山派出所",
        kind=DepartmentKind.POLICE,
        phone="0710-3551110",
    )
    DepartmentFactory(
        center=village, name="檀溪社区人民调解委员会", kind=DepartmentKind.PEOPLES_MEDIATION
    )
    worker = GridWorkerFactory(
        user=UserFactory(username="tx_grid", last_name="李", first_name="建国"),
        village=village,
        phone="13912345678",
    )
    worker.grids.add(center_tree.grid)
    MembershipFactory(user=worker.user, center=village, role=Role.GRID_WORKER)
    mediator = UserFactory(username="tx_mediator", last_name="刘", first_name="芳")
    MembershipFactory(user=mediator, center=village, role=Role.MEDIATOR)
    return user


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/"))
    expect(page.get_by_role("heading", name="用户登录")).to_be_visible()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{live_server.url}/centers/")


def test_township_user_walks_the_tree_searches_switches_language_and_logs_out(
    page, live_server, center_tree, township_user, screenshot
):
    page.goto(f"{live_server.url}/accounts/login/")
    screenshot("01-login")
    log_in(page, live_server, "zws_staff")

    # The tree starts at the user's own township, collapsed.
    root = page.locator("#node-420602001000")
    expect(root.locator(".tree-name")).to_have_text("真武山街道")
    expect(page.locator(".usermenu-name")).to_have_text("王建华")
    expect(page.locator("#children-420602001000")).to_be_hidden()
    screenshot("02-tree")

    # Expand one level: the villages arrive through htmx, without a page load.
    toggle = root.get_by_role("button", name=re.compile("展开"))
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    children = page.locator("#children-420602001000")
    expect(children).to_be_visible()
    expect(children.locator(".tree-name")).to_have_text(["檀溪社区居委会", "凤雏社区居委会"])
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page).to_have_url(f"{live_server.url}/centers/")
    expect(page.locator("#node-420602001008 .tree-counts")).to_contain_text("网格 1")
    screenshot("03-tree-expanded")
    # Collapse and expand again without another request.
    toggle.click()
    expect(children).to_be_hidden()
    toggle.click()
    expect(children).to_be_visible()

    # Open a village: grids, workers (masked phones), departments, staff.
    children.get_by_role("link", name="檀溪社区居委会").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("檀溪社区居委会")
    expect(page.locator(".breadcrumb")).to_contain_text("襄城区")
    expect(page.locator(".breadcrumb a", has_text="襄城区")).to_have_count(0)
    expect(page.get_by_text("139****5678").first).to_be_visible()
    expect(page.get_by_text("13912345678")).to_have_count(0)
    expect(page.get_by_text("刘芳")).to_be_visible()
    screenshot("04-village")

    page.get_by_role("link", name="檀溪第一网格").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("檀溪第一网格")
    expect(page.get_by_text("李建国")).to_be_visible()
    screenshot("05-grid")

    # Search (live, through htmx): only the user's own villages, each with its path.
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="搜索").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("搜索中心")
    page.wait_for_load_state()  # htmx is loaded (deferred) before typing
    page.get_by_placeholder("输入名称或区划代码搜索").fill("社区")
    hits = page.locator(".hit")
    expect(hits).to_have_count(2)
    expect(hits.locator(".hit-name")).to_have_text(["檀溪社区居委会", "凤雏社区居委会"])
    expect(hits.first.locator(".hit-path")).to_contain_text("襄阳市")
    expect(page).to_have_url(re.compile(r"/centers/search/\?q=%E7%A4%BE%E5%8C%BA"))
    screenshot("06-search")

    # Switch to English: the same page, translated, including choice labels.
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search centers")
    expect(page.locator(".hit").first).to_contain_text("Residents' committee")
    screenshot("07-search-en")
    page.get_by_role("link", name="Centers", exact=True).first.click()
    expect(page.get_by_role("heading", name="Center tree")).to_be_visible()
    screenshot("08-tree-en")

    # Log out through the user menu (a POST form).
    page.locator(".usermenu summary").click()
    screenshot("09-usermenu-en")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    page.goto(f"{live_server.url}/centers/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/centers/"))


def test_sibling_township_url_is_a_404(page, live_server, center_tree, township_user, screenshot):
    log_in(page, live_server, "zws_staff")
    for path in [
        f"/centers/{center_tree.sibling_township.code}/",
        f"/centers/{center_tree.sibling_township.code}/children/",
        f"/grids/{center_tree.sibling_grid.code}/",
    ]:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 404, path
        expect(page.get_by_role("heading", name="页面不存在")).to_be_visible()
    screenshot("10-not-found")
    # The sibling does not leak through search either.
    page.goto(f"{live_server.url}/centers/search/?q=古城")
    expect(page.locator(".hit")).to_have_count(0)


def test_status_and_admin_pages_for_a_superuser(page, live_server, center_tree, screenshot):
    UserFactory(username="root", is_staff=True, is_superuser=True, last_name="", first_name="")
    log_in(page, live_server, "root")
    expect(page.locator("#node-420600000000 .tree-counts")).to_contain_text("村/社区 4")
    page.get_by_role("link", name="系统状态").click()
    expect(page.get_by_role("heading", name="系统状态")).to_be_visible()
    expect(page.locator(".status-banner")).to_contain_text("未检测到后台任务进程")
    screenshot("11-status")
    page.get_by_role("link", name="管理后台").click()
    expect(page).to_have_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/centers/center/")
    expect(page.locator("#result_list")).to_contain_text("真武山街道")
    screenshot("12-admin-centers")


def test_expired_session_sends_the_whole_page_to_login(
    page, live_server, center_tree, township_user
):
    log_in(page, live_server, "zws_staff")
    page.context.clear_cookies()
    page.locator("#node-420602001000").get_by_role("button", name=re.compile("展开")).click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=%2Fcenters%2F")
    expect(page.get_by_role("heading", name="用户登录")).to_be_visible()
    expect(page.locator(".tree-children")).to_have_count(0)
