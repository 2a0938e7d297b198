"""Role × page × target: a user reads only the subtrees of their memberships, through the UI
and through the API. Outside is a 404 (never a 403 that would confirm the object exists).

The expected visibility is written out by hand below, not computed by the code under test.
"""

import pytest
from django.urls import reverse

from centers.choices import Role
from tests.factories import MembershipFactory, UserFactory

CENTERS = [
    "city",
    "county",
    "township",
    "village",
    "village2",
    "sibling_township",
    "sibling_village",
    "other_county",
    "other_township",
    "other_village",
]
GRIDS = ["grid", "sibling_grid"]
ALL = set(CENTERS) | set(GRIDS)

# user key → (memberships as (center key, role), the objects they may see)
USERS = {
    "village_mediator": ([("village", Role.MEDIATOR)], {"village", "grid"}),
    "grid_worker": ([("village", Role.GRID_WORKER)], {"village", "grid"}),
    "township_staff": (
        [("township", Role.STAFF)],
        {"township", "village", "village2", "grid"},
    ),
    "township_director": (
        [("township", Role.DIRECTOR)],
        {"township", "village", "village2", "grid"},
    ),
    "county_auditor": (
        [("county", Role.AUDITOR)],
        {
            "county",
            "township",
            "village",
            "village2",
            "sibling_township",
            "sibling_village",
            "grid",
            "sibling_grid",
        },
    ),
    "other_county_staff": (
        [("other_county", Role.STAFF)],
        {"other_county", "other_township", "other_village"},
    ),
    "city_director": ([("city", Role.DIRECTOR)], ALL),
    "city_admin": ([("city", Role.ADMIN)], ALL),
    "two_places": (
        [("sibling_village", Role.MEDIATOR), ("other_township", Role.STAFF)],
        {"sibling_village", "sibling_grid", "other_township", "other_village"},
    ),
    "no_membership": ([], set()),
}


def make_user(tree, key):
    memberships, _visible = USERS[key]
    user = UserFactory(username=key)
    for center_key, role in memberships:
        MembershipFactory(user=user, center=getattr(tree, center_key), role=role)
    return user


def ui_url(tree, target):
    obj = getattr(tree, target)
    if target in GRIDS:
        return reverse("grids:detail", kwargs={"code": obj.code})
    return reverse("centers:detail", kwargs={"code": obj.code})


def api_url(tree, target):
    obj = getattr(tree, target)
    if target in GRIDS:
        return reverse("grid-detail", kwargs={"code": obj.code})
    return reverse("center-detail", kwargs={"code": obj.code})


MATRIX = [(user, target) for user in USERS for target in sorted(ALL)]


@pytest.mark.parametrize(("user_key", "target"), MATRIX)
def test_detail_pages_and_api(client, center_tree, user_key, target):
    client.force_login(make_user(center_tree, user_key))
    expected = 200 if target in USERS[user_key][1] else 404

    assert client.get(ui_url(center_tree, target)).status_code == expected
    assert client.get(api_url(center_tree, target)).status_code == expected
    if target in CENTERS:
        code = getattr(center_tree, target).code
        children_page = reverse("centers:children", kwargs={"code": code})
        assert client.get(children_page).status_code == expected
        children_api = reverse("center-children", kwargs={"code": code})
        assert client.get(children_api).status_code == expected


@pytest.mark.parametrize("user_key", list(USERS))
def test_lists_and_search_hold_only_the_subtree(client, center_tree, user_key):
    client.force_login(make_user(center_tree, user_key))
    visible = USERS[user_key][1]
    expected_centers = {getattr(center_tree, k).code for k in CENTERS if k in visible}
    expected_grids = {getattr(center_tree, k).code for k in GRIDS if k in visible}

    listed = client.get(reverse("center-list"), {"page_size": 500}).json()["results"]
    assert {row["code"] for row in listed} == expected_centers
    grids = client.get(reverse("grid-list")).json()["results"]
    assert {row["code"] for row in grids} == expected_grids

    # ?ancestor= on an out-of-scope center finds nothing rather than leaking its subtree.
    subtree = client.get(reverse("center-list"), {"ancestor": center_tree.city.code}).json()
    assert {row["code"] for row in subtree["results"]} <= expected_centers

    # Search by a name fragment that every center of the fixture shares.
    for query in ["社区", "4206"]:
        page = client.get(reverse("centers:search"), {"q": query})
        assert page.status_code == 200
        body = page.content.decode()
        for key in CENTERS:
            center = getattr(center_tree, key)
            if query in center.name or center.code.startswith(query):
                assert (center.code in body) == (key in visible), (query, key)

    tree_page = client.get(reverse("centers:tree"))
    assert tree_page.status_code == 200
    body = tree_page.content.decode()
    for key in CENTERS:
        if key not in visible:
            assert getattr(center_tree, key).code not in body, key


@pytest.mark.parametrize("url_name", ["centers:tree", "centers:search", "status"], ids=lambda n: n)
def test_anonymous_is_sent_to_login(client, center_tree, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_anonymous_gets_nothing_from_pages_or_api(client, center_tree):
    response = client.get(ui_url(center_tree, "village"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert client.get(api_url(center_tree, "village")).status_code in (401, 403)
    assert client.get(reverse("center-list")).status_code in (401, 403)


def test_inactive_user_sees_nothing(client, center_tree):
    user = make_user(center_tree, "city_director")
    client.force_login(user)
    user.is_active = False
    user.save()
    assert client.get(api_url(center_tree, "village")).status_code in (401, 403, 404)
    assert client.get(ui_url(center_tree, "village")).status_code in (302, 404)


def test_inactive_center_membership_grants_nothing(client, center_tree):
    user = make_user(center_tree, "township_staff")
    center_tree.township.is_active = False
    center_tree.township.save()
    client.force_login(user)
    assert client.get(ui_url(center_tree, "village")).status_code == 404
    assert client.get(api_url(center_tree, "village")).status_code == 404


def test_staff_flag_alone_opens_no_admin_rows(client, center_tree):
    """A township user given Django staff access still only sees their subtree in the admin."""
    user = make_user(center_tree, "township_staff")
    user.is_staff = True
    user.save()
    from django.contrib.auth.models import Permission

    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_center", "change_center", "view_grid"])
    )
    client.force_login(user)
    changelist = client.get(reverse("admin:centers_center_changelist"))
    assert changelist.status_code == 200
    body = changelist.content.decode()
    assert center_tree.village.name in body
    assert center_tree.sibling_township.name not in body
    assert center_tree.county.name not in body
    outside = reverse("admin:centers_center_change", args=[center_tree.sibling_village.pk])
    assert client.get(outside).status_code in (302, 404)
    inside = reverse("admin:centers_center_change", args=[center_tree.village.pk])
    assert client.get(inside).status_code == 200
