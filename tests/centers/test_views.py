"""The server-rendered center pages: tree browser, children fragments, search, detail, status,
login/logout and the admin. Expected counts are written out by hand from the center_tree
fixture (tests/conftest.py), not computed by the code under test."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from centers.choices import CenterLevel, DepartmentKind, Role
from centers.models import Center
from governance.models import WorkerHeartbeat
from tests.factories import (
    CenterFactory,
    DepartmentFactory,
    GridFactory,
    GridWorkerFactory,
    MembershipFactory,
    UserFactory,
)
from tests.i18n_support import compile_catalogs

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True, scope="module")
def _compiled_catalogs():
    compile_catalogs()


@pytest.fixture
def township_user(center_tree, member):
    return member(center_tree.township, Role.STAFF, username="zws_staff")


def switch_language(client, code, next_url="/"):
    response = client.post(reverse("set_language"), {"language": code, "next": next_url})
    assert response.status_code == 302
    return response


def node_counts(response):
    """{code: (children, villages, grids)} of the nodes a tree page or fragment rendered."""
    return {
        node.code: (node.children_count, node.village_count, node.grid_count)
        for node in response.context["nodes"]
    }


def node_html(body, code):
    """The rendered <li> of one tree node (up to its children container)."""
    match = re.search(rf'<li class="tree-node" id="node-{code}">(.*?)</div>', body, re.S)
    assert match, f"node {code} not rendered"
    return match.group(1)


# --- Tree browser ---------------------------------------------------------------------------


def test_tree_renders_in_chinese_by_default(client, center_tree, township_user):
    client.force_login(township_user)
    response = client.get(reverse("centers:tree"))
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="zh-hans">' in body
    assert "综治中心矛盾纠纷化解平台" in body
    assert "中心树" in body
    assert "退出登录" in body
    assert "真武山街道" in body and "乡级" in body and "街道" in body
    # The header names the user (family name first) and their role and center.
    assert "张三" in body and "工作人员" in body
    # Only the membership root is listed: children come one level at a time.
    assert list(node_counts(response)) == ["420602001000"]
    assert "檀溪社区居委会" not in body
    # Staff-only admin link is hidden from ordinary users.
    assert reverse("admin:index") not in body


def test_tree_renders_in_english_after_switching_language(client, center_tree, township_user):
    client.force_login(township_user)
    switch_language(client, "en", reverse("centers:tree"))
    body = client.get(reverse("centers:tree")).content.decode()
    assert '<html lang="en">' in body
    assert "Governance Center Dispute Resolution Platform" in body
    assert "Center tree" in body
    assert "Log out" in body
    assert "Township" in body and "Subdistrict" in body
    assert "中心树" not in body and "退出登录" not in body
    # Back to Chinese.
    switch_language(client, "zh-hans", reverse("centers:tree"))
    assert "中心树" in client.get(reverse("centers:tree")).content.decode()


def test_tree_roots_follow_memberships(client, center_tree, member):
    two_places = member(center_tree.sibling_village, Role.MEDIATOR)
    MembershipFactory(user=two_places, center=center_tree.other_township, role=Role.STAFF)
    client.force_login(two_places)
    response = client.get(reverse("centers:tree"))
    assert list(node_counts(response)) == ["420602002001", "420606001000"]


def test_tree_roots_of_a_superuser_are_the_tree_roots(client, center_tree):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    response = client.get(reverse("centers:tree"))
    assert node_counts(response) == {"420600000000": (2, 4, 2)}
    assert reverse("admin:index") in response.content.decode()


def test_children_fragments_count_children_villages_and_grids(client, center_tree, member):
    client.force_login(member(center_tree.city, Role.DIRECTOR))

    city = client.get(reverse("centers:children", args=["420600000000"]), **HTMX)
    assert city.status_code == 200
    assert node_counts(city) == {
        "420602000000": (2, 3, 2),  # 襄城区: 2 townships, 3 villages, 2 grids
        "420606000000": (1, 1, 0),  # 樊城区: 1 township, 1 village, no grid
    }
    county = client.get(reverse("centers:children", args=["420602000000"]), **HTMX)
    assert node_counts(county) == {
        "420602001000": (2, 2, 1),  # 真武山街道
        "420602002000": (1, 1, 1),  # 古城街道
    }
    township = client.get(reverse("centers:children", args=["420602001000"]), **HTMX)
    assert node_counts(township) == {
        "420602001008": (0, 0, 1),  # 檀溪社区: its own grid
        "420602001010": (0, 0, 0),
    }

    # The fragment is a bare list of nodes (no page around it) showing the same numbers.
    body = county.content.decode()
    assert "<html" not in body and body.lstrip().startswith("<li")
    zws = node_html(body, "420602001000")
    assert re.search(r"下级 <b>2</b>", zws)
    assert re.search(r"村/社区 <b>2</b>", zws)
    assert re.search(r"网格 <b>1</b>", zws)
    assert 'hx-get="/centers/420602001000/children/"' in zws
    # A village has no expand button and shows no village count.
    village = node_html(township.content.decode(), "420602001008")
    assert "hx-get" not in village and "村/社区 <b>" not in village
    assert county["Vary"] and "HX-Request" in county["Vary"]


def test_children_without_javascript_is_a_full_page(client, center_tree, township_user):
    client.force_login(township_user)
    response = client.get(reverse("centers:children", args=["420602001000"]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" in body
    assert "真武山街道 的下级中心" in body
    assert "檀溪社区居委会" in body and "凤雏社区居委会" in body
    # The county above is out of scope: named in the breadcrumb, never linked or coded.
    assert "襄城区" in body
    assert "420602000000" not in body


def test_children_outside_scope_is_404(client, center_tree, township_user):
    client.force_login(township_user)
    for code in ["420602002000", "420602000000", "999999999999"]:
        assert client.get(reverse("centers:children", args=[code]), **HTMX).status_code == 404


def _grow_township(township, villages, grids_per_village):
    for v in range(villages):
        village = CenterFactory(
            code=f"{township.code[:9]}{200 + v:03d}",
            name=f"测试{v}村委会",
            level=CenterLevel.VILLAGE,
            parent=township,
        )
        for g in range(grids_per_village):
            GridFactory(village=village, code=f"{village.code}{g + 1:03d}")


def _queries(client, url, **headers):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, **headers).status_code == 200
    return len(captured)


def test_children_fragment_has_no_n_plus_one(
    client, center_tree, member, django_assert_max_num_queries
):
    client.force_login(member(center_tree.city, Role.DIRECTOR))
    county_url = reverse("centers:children", args=[center_tree.county.code])
    township_url = reverse("centers:children", args=[center_tree.township.code])
    before = (_queries(client, county_url, **HTMX), _queries(client, township_url, **HTMX))

    _grow_township(center_tree.township, villages=25, grids_per_village=2)

    with django_assert_max_num_queries(6):
        response = client.get(township_url, **HTMX)
    assert len(response.context["nodes"]) == 27
    after = (_queries(client, county_url, **HTMX), _queries(client, township_url, **HTMX))
    assert after == before
    assert node_counts(client.get(county_url, **HTMX))["420602001000"] == (27, 27, 51)


def test_tree_page_has_no_n_plus_one(client, center_tree, member, django_assert_max_num_queries):
    user = member(center_tree.township, Role.STAFF)
    for village in [center_tree.sibling_township, center_tree.other_township]:
        MembershipFactory(user=user, center=village, role=Role.MEDIATOR)
    client.force_login(user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("centers:tree"))
    assert len(response.context["nodes"]) == 3


# --- Search ---------------------------------------------------------------------------------


def test_search_by_name_stays_in_scope_and_shows_ancestor_paths(client, center_tree, township_user):
    client.force_login(township_user)
    response = client.get(reverse("centers:search"), {"q": "社区"})
    body = response.content.decode()
    assert response.status_code == 200
    hits = [center.code for center, _path in response.context["hits"]]
    assert hits == ["420602001008", "420602001010"]
    assert "中山巷社区居委会" not in body and "高庄社区居委会" not in body
    # Path: 襄阳市 › 襄城区 (out of scope: plain text) › 真武山街道 (linked).
    path = response.context["hits"][0][1]
    assert [crumb.name for crumb in path] == ["襄阳市", "襄城区", "真武山街道"]
    assert [crumb.visible for crumb in path] == [False, False, True]
    assert '<a href="/centers/420602001000/">真武山街道</a>' in body
    assert "/centers/420602000000/" not in body and "420600000000" not in body
    assert "共 2 个结果" in body


def test_search_by_code_prefix(client, center_tree, member):
    client.force_login(member(center_tree.county, Role.AUDITOR))
    response = client.get(reverse("centers:search"), {"q": "420602002"})
    assert [c.code for c, _ in response.context["hits"]] == ["420602002000", "420602002001"]


def test_search_without_query_lists_nothing(client, center_tree, township_user):
    client.force_login(township_user)
    response = client.get(reverse("centers:search"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    assert "请输入中心名称或区划代码" in response.content.decode()


def test_search_is_paginated_and_htmx_gets_the_results_only(
    client, center_tree, township_user, django_assert_max_num_queries
):
    _grow_township(center_tree.township, villages=25, grids_per_village=0)
    client.force_login(township_user)
    first = client.get(reverse("centers:search"), {"q": "测试"})
    assert first.context["page"].paginator.count == 25
    assert len(first.context["hits"]) == 20
    assert "第 1 / 2 页" in first.content.decode()
    with django_assert_max_num_queries(7):
        second = client.get(reverse("centers:search"), {"q": "测试", "page": 2}, **HTMX)
    body = second.content.decode()
    assert len(second.context["hits"]) == 5
    assert "<html" not in body and 'id="search-results"' in body
    assert "测试24村委会" in body and "测试0村委会" not in body


def test_search_in_english(client, center_tree, township_user):
    client.force_login(township_user)
    switch_language(client, "en")
    body = client.get(reverse("centers:search"), {"q": "社区"}).content.decode()
    assert "Search centers" in body and "2 results" in body
    assert "Village" in body and "Residents&#x27; committee" in body


# --- Center detail --------------------------------------------------------------------------


@pytest.fixture
def staffed_village(center_tree, member):
    village = center_tree.village
    DepartmentFactory(
        center=village, name="檀溪人民调解委员会", kind=DepartmentKind.PEOPLES_MEDIATION
    )
    mediator = member(
        village, Role.MEDIATOR, username="tx_mediator", last_name="王", first_name="芳"
    )
    worker = GridWorkerFactory(
        user=UserFactory(username="tx_grid", last_name="李", first_name="建国"),
        village=village,
        phone="13912345678",
    )
    worker.grids.add(center_tree.grid)
    MembershipFactory(user=worker.user, center=village, role=Role.GRID_WORKER)
    return village, mediator, worker


def test_village_detail_shows_departments_grids_and_staff(
    client, center_tree, township_user, staffed_village
):
    client.force_login(township_user)
    response = client.get(reverse("centers:detail", args=[center_tree.village.code]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "檀溪社区居委会" in body and "村级" in body and "居委会/社区" in body
    assert "檀溪人民调解委员会" in body and "人民调解委员会" in body
    assert "檀溪第一网格" in body and reverse("grids:detail", args=["420602001008001"]) in body
    # Staff names in full, phone numbers masked everywhere.
    assert "王芳" in body and "调解员" in body
    assert "李建国" in body and "网格员" in body
    assert "139****5678" in body
    assert "13912345678" not in body
    # Breadcrumb: the township is linked; the county and city are plain text without codes.
    assert '<a href="/centers/420602001000/">真武山街道</a>' in body
    assert "襄城区" in body and "/centers/420602000000/" not in body
    assert "420602000000" not in body and "420600000000" not in body


def test_township_detail_lists_children_with_counts(client, center_tree, township_user):
    client.force_login(township_user)
    response = client.get(reverse("centers:detail", args=[center_tree.township.code]))
    center = response.context["center"]
    assert (center.children_count, center.village_count, center.grid_count) == (2, 2, 1)
    assert [c.code for c in response.context["children"]] == ["420602001008", "420602001010"]
    assert response.context["grids"] is None  # grids are listed on village pages


def test_detail_has_no_n_plus_one(
    client, center_tree, township_user, staffed_village, django_assert_max_num_queries
):
    client.force_login(township_user)
    url = reverse("centers:detail", args=[center_tree.village.code])
    before = _queries(client, url)
    for n in range(5):
        grid = GridFactory(village=center_tree.village, code=f"420602001008{n + 10:03d}")
        worker = GridWorkerFactory(village=center_tree.village)
        worker.grids.add(grid)
        MembershipFactory(user=worker.user, center=center_tree.village, role=Role.GRID_WORKER)
    assert _queries(client, url) == before
    with django_assert_max_num_queries(12):
        client.get(url)


def test_detail_outside_scope_is_404_in_chinese(client, center_tree, township_user):
    client.force_login(township_user)
    response = client.get(reverse("centers:detail", args=[center_tree.sibling_township.code]))
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_detail_in_english(client, center_tree, township_user, staffed_village):
    client.force_login(township_user)
    switch_language(client, "en")
    body = client.get(reverse("centers:detail", args=[center_tree.village.code])).content
    body = body.decode()
    assert "Stationed departments" in body and "Grid workers" in body
    assert "People&#x27;s mediation committee" in body and "Mediator" in body
    assert "139****5678" in body


# --- Login, logout, status ------------------------------------------------------------------


def test_login_page_is_chinese_and_logs_in(client, center_tree, township_user):
    page = client.get(reverse("login"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "用户登录" in body and "综治中心矛盾纠纷化解平台" in body
    assert 'autocomplete="current-password"' in body
    response = client.post(
        reverse("login"), {"username": "zws_staff", "password": "pass-for-tests"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("centers:tree")).status_code == 200


def test_login_failure_says_so(client, center_tree, township_user):
    response = client.post(reverse("login"), {"username": "zws_staff", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的用户名和密码" in response.content.decode()


def test_logout_is_a_post(client, center_tree, township_user):
    client.force_login(township_user)
    body = client.get(reverse("centers:tree")).content.decode()
    assert f'<form method="post" action="{reverse("logout")}"' in body
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert client.get(reverse("centers:tree")).status_code == 302


def test_status_page_shows_a_live_worker(client, center_tree, township_user):
    WorkerHeartbeat.objects.create(worker="celery@web1", last_beat_at=timezone.now(), beats=42)
    client.force_login(township_user)
    body = client.get(reverse("status")).content.decode()
    assert "后台任务进程运行正常" in body
    assert "celery@web1" in body and "42" in body
    assert "sqlite" in body or "postgresql" in body


def test_status_page_shows_a_dead_worker(client, center_tree, township_user):
    WorkerHeartbeat.objects.create(
        worker="celery@web1", last_beat_at=timezone.now() - timedelta(hours=2), beats=3
    )
    client.force_login(township_user)
    body = client.get(reverse("status")).content.decode()
    assert "未检测到后台任务进程" in body and "celery@web1" in body
    switch_language(client, "en")
    assert "No background worker detected" in client.get(reverse("status")).content.decode()


# --- Admin ----------------------------------------------------------------------------------


@pytest.fixture
def superuser(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("model", ["centers_center", "centers_department", "centers_membership"])
def test_admin_changelists_render_for_a_superuser(
    client, center_tree, superuser, staffed_village, model
):
    client.force_login(superuser)
    response = client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 200
    assert client.get(reverse(f"admin:{model}_add")).status_code == 200


def test_admin_center_tree_is_indented_searchable_and_read_only(client, center_tree, superuser):
    client.force_login(superuser)
    body = client.get(reverse("admin:centers_center_changelist")).content.decode()
    assert "padding-left:" in body  # MPTT indentation of the name column
    assert body.index("襄阳市") < body.index("襄城区") < body.index("真武山街道")
    assert 'name="form-0-lft"' not in body and "drag-handle" not in body
    found = client.get(reverse("admin:centers_center_changelist"), {"q": "真武"})
    assert "真武山街道" in found.content.decode() and "古城街道" not in found.content.decode()
    change = client.get(reverse("admin:centers_center_change", args=[center_tree.township.pk]))
    html = change.content.decode()
    assert change.status_code == 200
    for field in ["lft", "rght", "tree_id", "tree_depth"]:
        assert f'name="{field}"' not in html
    assert "树编号" in html and "树深度" in html  # shown read-only, with Chinese labels
    by_code = client.get(reverse("admin:centers_center_changelist"), {"q": "42060200"})
    assert "中山巷社区居委会" in by_code.content.decode()
    assert "高庄社区居委会" not in by_code.content.decode()
    assert 'name="parent"' in html and "admin-autocomplete" in html
    # No bulk delete of centers (MPTT's rebuild would run outside the tree lock).
    changelist = client.get(reverse("admin:centers_center_changelist"))
    assert "delete_selected" not in changelist.content.decode()


def test_admin_staff_cannot_move_a_center_out_of_their_scope(client, center_tree, member):
    user = member(center_tree.township, Role.ADMIN)
    user.is_staff = True
    user.save()
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_center", "change_center"])
    )
    client.force_login(user)
    village = center_tree.village
    response = client.post(
        reverse("admin:centers_center_change", args=[village.pk]),
        {
            "code": village.code,
            "name": village.name,
            "level": village.level,
            "parent": center_tree.sibling_township.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 200  # the form comes back with an error
    assert response.context["adminform"].form.errors["parent"]
    village.refresh_from_db()
    assert village.parent_id == center_tree.township.pk

    # Autocomplete offers only centers in scope.
    autocomplete = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "centers",
            "model_name": "center",
            "field_name": "parent",
            "term": "街道",
        },
    )
    assert autocomplete.status_code == 200
    names = {row["text"] for row in autocomplete.json()["results"]}
    assert names == {str(center_tree.township)}


def test_admin_staff_cannot_create_a_root(client, center_tree, member):
    user = member(center_tree.township, Role.ADMIN)
    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(codename__in=["add_center"]))
    client.force_login(user)
    response = client.post(
        reverse("admin:centers_center_add"),
        {"code": "420602001011", "name": "新社区居委会", "level": "village", "is_active": "on"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["parent"]
    assert not Center.objects.filter(code="420602001011").exists()


def test_a_form_without_csrf_token_gets_a_chinese_explanation(center_tree, township_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(township_user)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()


def test_a_user_without_memberships_is_told_so(client, center_tree):
    client.force_login(UserFactory(username="nobody"))
    response = client.get(reverse("centers:tree"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "您还没有任何中心的岗位，请联系管理员。" in body
    assert "420600000000" not in body and 'class="tree-node"' not in body
