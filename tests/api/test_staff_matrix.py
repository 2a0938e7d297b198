"""Role × endpoint × where the case is → the status the staff API answers.

Each user is tried on a case in their own subtree, on one in a sibling subtree and on one
held at the center above theirs. Outside the scope is always a 404 (never a 403 that would
confirm the case exists); inside it, the transition table's roles decide between 200 and
403. The expectations are written out by hand, not computed by the code under test."""

import pytest
from django.urls import reverse

from centers.choices import Role
from disputes.models import CaseEvent, Dispute
from disputes.services import dispute_accept
from tests.api.conftest import case_url
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# user → (membership, and the centers of their own / sibling / parent case)
USERS = {
    "village_mediator": (
        ("village", Role.MEDIATOR),
        {"own": "village", "sibling": "village2", "parent": "township"},
    ),
    "grid_worker": (
        ("village", Role.GRID_WORKER),
        {"own": "village", "sibling": "village2", "parent": "township"},
    ),
    "township_staff": (
        ("township", Role.STAFF),
        {"own": "village", "sibling": "sibling_village", "parent": "county"},
    ),
    "township_director": (
        ("township", Role.DIRECTOR),
        {"own": "village", "sibling": "sibling_village", "parent": "county"},
    ),
    "county_auditor": (
        ("county", Role.AUDITOR),
        {"own": "township", "sibling": "other_village", "parent": "city"},
    ),
}

OUT = {"sibling": 404, "parent": 404}
# (user, endpoint) → status on the case in the user's own subtree; sibling and parent: OUT.
MATRIX = [
    ("village_mediator", "detail", 200),
    ("village_mediator", "events", 200),
    ("village_mediator", "attachments", 200),
    ("village_mediator", "accept", 200),
    ("village_mediator", "escalate", 403),
    ("village_mediator", "extend", 403),
    ("village_mediator", "reveal", 200),
    ("grid_worker", "detail", 200),
    ("grid_worker", "events", 200),
    ("grid_worker", "attachments", 200),
    ("grid_worker", "accept", 403),
    ("grid_worker", "escalate", 403),
    ("grid_worker", "extend", 403),
    ("grid_worker", "reveal", 403),
    ("township_staff", "detail", 200),
    ("township_staff", "events", 200),
    ("township_staff", "attachments", 200),
    ("township_staff", "accept", 200),
    ("township_staff", "escalate", 200),
    ("township_staff", "extend", 403),
    ("township_staff", "reveal", 200),
    ("township_director", "detail", 200),
    ("township_director", "events", 200),
    ("township_director", "attachments", 200),
    ("township_director", "accept", 200),
    ("township_director", "escalate", 200),
    ("township_director", "extend", 200),
    ("township_director", "reveal", 200),
    ("county_auditor", "detail", 200),
    ("county_auditor", "events", 200),
    ("county_auditor", "attachments", 200),
    ("county_auditor", "accept", 403),
    ("county_auditor", "escalate", 403),
    ("county_auditor", "extend", 403),
    ("county_auditor", "reveal", 403),
]
CELLS = [
    (user, endpoint, where, expected if where == "own" else OUT[where])
    for user, endpoint, expected in MATRIX
    for where in ("own", "sibling", "parent")
]


def make_user(tree, key):
    (center_key, role), _where = USERS[key]
    user = UserFactory(username=key)
    user.memberships.create(center=getattr(tree, center_key), role=role)
    return user


def case_at(tree, register, center_key, *, accepted: bool):
    """A case received and held at `center_key` (its village: the center itself or the
    fixture's 檀溪社区 below it), registered and accepted by a superuser."""
    center = getattr(tree, center_key)
    village = center if center.level == "village" else tree.village
    if not village.is_descendant_of(center, include_self=True):
        village = tree.other_village
    admin = UserFactory(username=f"admin_{center_key}", is_superuser=True)
    case = register(actor=admin, receiving_center=center, village=village)
    if accepted:
        dispute_accept(dispute_id=case.pk, actor=admin)
    return Dispute.objects.get(pk=case.pk)


def call(client, endpoint, case):
    if endpoint == "detail":
        return client.get(case_url(case))
    if endpoint in ("events", "attachments"):
        return client.get(case_url(case, endpoint))
    if endpoint == "reveal":
        party = case.parties.order_by("pk").first()
        url = reverse(
            "case-party-reveal",
            kwargs={"tracking_number": case.tracking_number, "party_id": party.pk},
        )
        return client.post(url, {"field": "phone", "reason": "核实联系方式"}, format="json")
    body = {
        "accept": {},
        "escalate": {"reason": "需上级协调"},
        "extend": {"workdays": 1, "reason": "等待鉴定"},
    }[endpoint]
    return client.post(case_url(case, endpoint), {**body, "version": case.version}, format="json")


@pytest.mark.parametrize(("user_key", "endpoint", "where", "expected"), CELLS)
def test_matrix(api, center_tree, register, user_key, endpoint, where, expected):
    user = make_user(center_tree, user_key)
    center_key = USERS[user_key][1][where]
    case = case_at(center_tree, register, center_key, accepted=endpoint == "extend")
    events_before = CaseEvent.objects.filter(dispute=case).count()

    response = call(api(user), endpoint, case)

    assert response.status_code == expected, response.content.decode()[:300]
    after = Dispute.objects.get(pk=case.pk)
    if expected != 200:
        # A refusal changes nothing and writes nothing.
        assert after.version == case.version and after.status == case.status
        assert CaseEvent.objects.filter(dispute=case).count() == events_before
    if expected == 403:
        assert "无权" in response.json()["detail"]
    if expected == 404:
        assert case.tracking_number not in response.content.decode()


# --- Intake: where a user may register ---------------------------------------------------

# user → status registering at their own center, at a sibling center, at the parent center
INTAKE = {
    "village_mediator": (201, 400, 400),
    "grid_worker": (201, 400, 400),
    "township_staff": (201, 400, 400),
    "township_director": (201, 400, 400),
    "county_auditor": (403, 403, 403),
}
SIBLINGS = {"village": "village2", "township": "sibling_township", "county": "other_county"}
PARENTS = {"village": "township", "township": "county", "county": "city"}


@pytest.mark.parametrize("user_key", list(INTAKE))
def test_intake_matrix(api, center_tree, neighbour, user_key):
    user = make_user(center_tree, user_key)
    own = USERS[user_key][0][0]
    client = api(user)
    for center_key, expected in zip(
        (own, SIBLINGS[own], PARENTS[own]), INTAKE[user_key], strict=True
    ):
        center = getattr(center_tree, center_key)
        response = client.post(
            reverse("case-list"),
            {
                "receiving_center": center.code,
                "category": "neighbour",
                "summary": "邻里纠纷",
                "village": center_tree.village.code,
                "parties": [{"side": "applicant", "name": "李秀兰"}],
            },
            format="json",
        )
        assert response.status_code == expected, (center_key, response.json())
        if expected == 400:
            assert set(response.json()) == {"receiving_center"}
        if expected == 403:
            assert "没有可登记纠纷的岗位" in response.json()["detail"]
    assert Dispute.objects.count() == sum(status == 201 for status in INTAKE[user_key])
