"""seed_demo: demo data on the Xiangyang tree, idempotent, with logins that really work."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from centers.choices import CenterLevel, DepartmentKind, Role
from centers.demo import (
    DEFAULT_DEMO_PASSWORD,
    DEMO_LOGINS,
    DemoDataError,
    demo_seed,
    grid_count_for_village,
    grid_worker_username,
)
from centers.models import Center, Department, Membership
from grids.models import Grid, GridWorker

XIANGYANG_CSV = Path(settings.BASE_DIR) / "data" / "divisions" / "xiangyang.csv"


def seed(**kwargs) -> str:
    out = StringIO()
    call_command("seed_demo", "--force", stdout=out, **kwargs)
    return out.getvalue()


def snapshot() -> dict:
    """Every row the seeding can create or change, as comparable values."""
    User = get_user_model()
    return {
        "users": sorted(
            User.objects.values_list(
                "username", "password", "first_name", "last_name", "is_superuser", "is_active"
            )
        ),
        "memberships": sorted(Membership.objects.values_list("user_id", "center_id", "role")),
        "grids": sorted(Grid.objects.values_list("pk", "code", "name", "village_id")),
        "workers": sorted(GridWorker.objects.values_list("pk", "user_id", "village_id", "phone")),
        "coverage": sorted(
            GridWorker.grids.through.objects.values_list("gridworker_id", "grid_id")
        ),
        "departments": sorted(Department.objects.values_list("pk", "center_id", "name", "kind")),
        "centers": sorted(Center.objects.values_list("pk", "code", "tree_id", "lft", "rght")),
    }


def printed_password(output: str) -> str:
    match = re.search(r"^admin\s+(\S+)\s", output, re.MULTILINE)
    assert match, output
    return match.group(1)


# --- on the small real slice of the tree (tests/conftest.py) --------------------------------


@pytest.mark.django_db
def test_refuses_without_the_xiangyang_tree():
    with pytest.raises(DemoDataError, match="import_divisions"):
        demo_seed(password="x-demo-pass")
    with pytest.raises(CommandError, match="import_divisions"):
        seed()
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_refuses_when_debug_is_off_unless_forced(center_tree, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=StringIO())
    assert not get_user_model().objects.exists()
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    assert get_user_model().objects.filter(username="admin", is_superuser=True).exists()


@pytest.mark.django_db
def test_seeds_grids_workers_departments_and_logins(center_tree):
    output = seed()
    villages = Center.objects.filter(level=CenterLevel.VILLAGE)
    assert villages.count() == 4

    for village in villages:
        n = grid_count_for_village(village.code)
        assert 1 <= n <= 3
        codes = set(village.grids.values_list("code", flat=True))
        # The fixture's own grid 420602001008001 was kept; the seeding filled in the rest.
        assert codes == {f"{village.code}{i:03d}" for i in range(1, n + 1)}
        worker = GridWorker.objects.get(village=village)
        assert worker.user.username == grid_worker_username(village.code)
        assert re.fullmatch(r"1\d{10}", worker.phone)
        assert set(worker.grids.values_list("code", flat=True)) == codes
        assert Membership.objects.filter(
            user=worker.user, center=village, role=Role.GRID_WORKER
        ).exists()
        assert worker.user.last_name and worker.user.first_name

    tanxi = center_tree.village
    assert tanxi.grids.filter(name="檀溪社区第2网格").exists() == (
        grid_count_for_village(tanxi.code) >= 2
    )

    city_departments = set(center_tree.city.departments.values_list("kind", "name"))
    assert (DepartmentKind.COURT, "襄阳市中级人民法院") in city_departments
    county_names = set(center_tree.county.departments.values_list("name", flat=True))
    assert {
        "襄城区人民法院",
        "襄阳市公安局襄城分局",
        "襄城区信访局",
        "襄城区司法局",
    } <= county_names
    assert (
        center_tree.county.departments.filter(kind=DepartmentKind.PROFESSIONAL_MEDIATION).count()
        >= 2
    )
    township_names = set(center_tree.township.departments.values_list("name", flat=True))
    assert {"真武山派出所", "真武山司法所", "襄城区人民法院真武山人民法庭"} <= township_names
    for center in Center.objects.exclude(level=CenterLevel.VILLAGE):
        assert center.departments.exists(), center
    assert not Department.objects.filter(center__level=CenterLevel.VILLAGE).exists()

    for login in DEMO_LOGINS:
        assert login.username in output
    assert "真武山街道" in output and "古城街道" in output and "檀溪社区居委会" in output
    assert printed_password(output) == DEFAULT_DEMO_PASSWORD


@pytest.mark.django_db
def test_a_second_run_creates_and_changes_nothing(center_tree):
    first = seed()
    before = snapshot()
    second = seed()
    assert snapshot() == before
    assert "nothing to create" in second
    assert printed_password(first) == printed_password(second)


@pytest.mark.django_db
def test_every_printed_login_works_and_roles_sit_where_the_table_says(center_tree, client):
    output = seed()
    password = printed_password(output)
    User = get_user_model()
    usernames = re.findall(r"^([a-z_0-9]+)\s+" + re.escape(password), output, re.MULTILINE)
    assert len(usernames) == len(DEMO_LOGINS) + 1  # + the example grid worker
    for username in usernames:
        assert client.login(username=username, password=password), username
        client.logout()
        assert not client.login(username=username, password=password + "-wrong")

    for login in DEMO_LOGINS:
        user = User.objects.get(username=login.username)
        center = Center.objects.get(code=login.center_code)
        expected_role = Role.ADMIN if login.username == "admin" else login.role
        assert Membership.objects.filter(user=user, center=center, role=expected_role).exists()
    assert User.objects.get(username="admin").is_superuser
    assert not User.objects.filter(is_superuser=True).exclude(username="admin").exists()

    # Siblings cannot see each other; the county sees both townships.
    township_staff = User.objects.get(username="township_staff")
    other = User.objects.get(username="other_township_staff")
    county_staff = User.objects.get(username="county_staff")
    own_grid = center_tree.grid
    sibling_grid = center_tree.sibling_grid
    assert own_grid in Grid.objects.visible_to(township_staff)
    assert sibling_grid not in Grid.objects.visible_to(township_staff)
    assert own_grid not in Grid.objects.visible_to(other)
    assert sibling_grid in Grid.objects.visible_to(other)
    assert {own_grid, sibling_grid} <= set(Grid.objects.visible_to(county_staff))


@pytest.mark.django_db
def test_demo_password_comes_from_the_environment(center_tree, client, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "another-demo-pass-7")
    output = seed()
    assert printed_password(output) == "another-demo-pass-7"
    assert client.login(username="village_mediator", password="another-demo-pass-7")
    assert not client.login(username="village_mediator", password=DEFAULT_DEMO_PASSWORD)


@pytest.mark.django_db
def test_changed_password_is_reported_and_reset_only_on_request(center_tree, client, monkeypatch):
    seed()
    before = snapshot()
    monkeypatch.setenv("DEMO_PASSWORD", "a-newer-demo-pass-8")
    output = seed()
    assert "--reset-passwords" in output
    assert snapshot() == before  # still nothing changed
    assert not client.login(username="county_staff", password="a-newer-demo-pass-8")

    seed(reset_passwords=True)
    assert client.login(username="county_staff", password="a-newer-demo-pass-8")
    worker = GridWorker.objects.first().user.username
    assert client.login(username=worker, password="a-newer-demo-pass-8")


@pytest.mark.django_db
def test_only_the_xiangyang_tree_is_seeded(center_tree):
    other_city = Center.objects.create(
        code="430200000000", name="株洲市", level=CenterLevel.CITY, parent=None
    )
    seed()
    other_city.refresh_from_db()
    assert other_city.tree_id != center_tree.city.tree_id
    assert not other_city.departments.exists()


# --- on the whole imported Xiangyang tree ---------------------------------------------------


@pytest.fixture
def xiangyang(db):
    call_command("import_divisions", str(XIANGYANG_CSV), stdout=StringIO(), stderr=StringIO())
    return Center.objects.get(code="420600000000")


@pytest.mark.slow
@pytest.mark.django_db
def test_whole_xiangyang_counts_are_plausible_and_idempotent(xiangyang, client):
    output = seed()
    villages = Center.objects.filter(tree_id=xiangyang.tree_id, level=CenterLevel.VILLAGE)
    townships = Center.objects.filter(tree_id=xiangyang.tree_id, level=CenterLevel.TOWNSHIP)
    n_villages = villages.count()
    assert n_villages > 2700  # 2,817 in the 2023 codes

    # 襄阳 reports 4,500+ grids; the demo aims near that, 1–3 per village.
    grids = Grid.objects.filter(village__tree_id=xiangyang.tree_id).count()
    assert 4500 <= grids <= 5000
    assert GridWorker.objects.count() == n_villages
    assert not villages.filter(grids__isnull=True).exists()
    assert Membership.objects.filter(role=Role.GRID_WORKER).count() == n_villages
    assert GridWorker.grids.through.objects.count() == grids

    assert (
        Department.objects.filter(center__level=CenterLevel.COUNTY)
        .values("center")
        .distinct()
        .count()
        == Center.objects.filter(level=CenterLevel.COUNTY).count()
    )
    assert (
        Department.objects.filter(center__level=CenterLevel.TOWNSHIP)
        .values("center")
        .distinct()
        .count()
        == townships.count()
    )

    before = snapshot()
    assert "nothing to create" in seed()
    assert snapshot() == before

    password = printed_password(output)
    assert client.login(username="city_director", password=password)
    assert client.login(username=grid_worker_username("420607100201"), password=password) == (
        villages.filter(code="420607100201").exists()
    )
