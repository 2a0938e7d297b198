"""The grid page and the grid admin."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from centers.choices import Role
from tests.factories import GridFactory, GridWorkerFactory, UserFactory
from tests.i18n_support import compile_catalogs


@pytest.fixture(autouse=True, scope="module")
def _compiled_catalogs():
    compile_catalogs()


@pytest.fixture
def walked_grid(center_tree):
    grid = center_tree.grid
    grid.description = "檀溪路以东、襄阳王府以南，共6个小区"
    grid.save()
    worker = GridWorkerFactory(
        user=UserFactory(username="tx_grid", last_name="李", first_name="建国"),
        village=center_tree.village,
        phone="13912345678",
    )
    worker.grids.add(grid)
    off_duty = GridWorkerFactory(
        user=UserFactory(username="tx_grid2", last_name="赵", first_name="敏"),
        village=center_tree.village,
        phone="13700001111",
        is_active=False,
    )
    off_duty.grids.add(grid)
    return grid


def test_grid_detail_in_chinese(client, center_tree, member, walked_grid):
    client.force_login(member(center_tree.township, Role.STAFF))
    response = client.get(reverse("grids:detail", args=[walked_grid.code]))
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in body
    assert "檀溪第一网格" in body and "420602001008001" in body
    assert "檀溪路以东、襄阳王府以南" in body
    assert "基本信息" in body and "所属村/社区" in body
    # The path down to the grid: the township and the village are linked.
    assert '<a href="/centers/420602001008/">檀溪社区居委会</a>' in body
    assert '<a href="/centers/420602001000/">真武山街道</a>' in body
    assert "/centers/420602000000/" not in body
    # Workers by full name, phones masked; the off-duty worker is marked.
    assert "李建国" in body and "139****5678" in body and "13912345678" not in body
    assert "赵敏" in body and "137****1111" in body and "离岗" in body


def test_grid_detail_in_english(client, center_tree, member, walked_grid):
    client.force_login(member(center_tree.village, Role.GRID_WORKER))
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("grids:detail", args=[walked_grid.code])).content.decode()
    assert '<html lang="en">' in body
    assert "Details" in body and "Grid workers" in body and "Off duty" in body
    assert "Village / community" in body
    assert "基本信息" not in body


def test_grid_outside_scope_is_404(client, center_tree, member):
    client.force_login(member(center_tree.township, Role.STAFF))
    response = client.get(reverse("grids:detail", args=[center_tree.sibling_grid.code]))
    assert response.status_code == 404
    assert client.get(reverse("grids:detail", args=["nope"])).status_code == 404


def test_grid_detail_queries_do_not_grow_with_workers(
    client, center_tree, member, walked_grid, django_assert_max_num_queries
):
    client.force_login(member(center_tree.township, Role.STAFF))
    for _ in range(10):
        GridWorkerFactory(village=center_tree.village).grids.add(walked_grid)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("grids:detail", args=[walked_grid.code]))
    assert len(response.context["workers"]) == 12


@pytest.mark.parametrize("model", ["grids_grid", "grids_gridworker", "governance_workerheartbeat"])
def test_admin_changelists_render_for_a_superuser(client, center_tree, walked_grid, model):
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    response = client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 200


def test_admin_grid_workers_show_masked_phones(client, center_tree, walked_grid):
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    body = client.get(reverse("admin:grids_gridworker_changelist")).content.decode()
    assert "139****5678" in body and "13912345678" not in body
    assert "李建国" in body  # family name first


def test_admin_heartbeats_are_read_only(client, db):
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    assert client.get(reverse("admin:governance_workerheartbeat_add")).status_code == 403


def test_admin_grids_are_scoped_for_staff(client, center_tree, member, walked_grid):
    user = member(center_tree.township, Role.ADMIN)
    user.is_staff = True
    user.save()
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_grid", "change_grid", "view_gridworker"])
    )
    GridFactory(village=center_tree.other_village, code="420606001001001", name="高庄第一网格")
    client.force_login(user)
    body = client.get(reverse("admin:grids_grid_changelist")).content.decode()
    assert "檀溪第一网格" in body
    assert "中山巷第一网格" not in body and "高庄第一网格" not in body
    outside = reverse("admin:grids_grid_change", args=[center_tree.sibling_grid.pk])
    assert client.get(outside).status_code in (302, 404)
    # A grid cannot be moved to a village outside the scope.
    response = client.post(
        reverse("admin:grids_grid_change", args=[walked_grid.pk]),
        {
            "village": center_tree.sibling_village.pk,
            "code": walked_grid.code,
            "name": walked_grid.name,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["village"]
    walked_grid.refresh_from_db()
    assert walked_grid.village_id == center_tree.village.pk


def test_admin_refuses_grids_of_another_village(admin_client, center_tree):
    from grids.models import GridWorker

    worker_user = UserFactory(username="wangge")
    url = reverse("admin:grids_gridworker_add")
    response = admin_client.post(
        url,
        {
            "user": worker_user.pk,
            "village": center_tree.village.pk,
            "phone": "13900000001",
            "grids": [center_tree.grid.pk, center_tree.sibling_grid.pk],
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "不属于所选村/社区" in response.content.decode()
    assert not GridWorker.objects.exists()
    response = admin_client.post(
        url,
        {
            "user": worker_user.pk,
            "village": center_tree.village.pk,
            "phone": "13900000001",
            "grids": [center_tree.grid.pk],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert list(GridWorker.objects.get().grids.all()) == [center_tree.grid]
