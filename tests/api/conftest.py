"""Fixtures of the staff API tests: people at the centers of `center_tree`, cases registered
through the service, and API clients signed in as someone."""

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from centers.choices import Role
from disputes.choices import Channel, PartySide
from disputes.models import Category
from disputes.services import PartyData, dispute_register

APPLICANT = PartyData(
    side=PartySide.APPLICANT,
    name="李秀兰",
    phone="13907101234",
    id_number="420602198503152541",
    address="襄城区檀溪路12号",
)
RESPONDENT = PartyData(
    side=PartySide.RESPONDENT,
    name="王建军",
    phone="13807105678",
    id_number="420602197911230014",
)
# A full mainland mobile number or ID number anywhere in a response body.
MOBILE = re.compile(r"(?<!\d)1\d{10}(?!\d)")
ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")


def case_url(case, action: str | None = None) -> str:
    number = case if isinstance(case, str) else case.tracking_number
    if action is None:
        return reverse("case-detail", kwargs={"tracking_number": number})
    return reverse(f"case-{action}", kwargs={"tracking_number": number})


@pytest.fixture
def people(center_tree, member):
    """Staff of every kind in 真武山街道 and around it."""
    t = center_tree
    return type(
        "People",
        (),
        {
            "village_mediator": member(t.village, Role.MEDIATOR, username="v_mediator"),
            "village2_mediator": member(t.village2, Role.MEDIATOR, username="v2_mediator"),
            "grid_worker": member(t.village, Role.GRID_WORKER, username="v_grid"),
            "township_staff": member(t.township, Role.STAFF, username="t_staff"),
            "township_director": member(t.township, Role.DIRECTOR, username="t_director"),
            "township_mediator": member(t.township, Role.MEDIATOR, username="t_mediator"),
            "county_staff": member(t.county, Role.STAFF, username="c_staff"),
            "county_director": member(t.county, Role.DIRECTOR, username="c_director"),
            "county_auditor": member(t.county, Role.AUDITOR, username="c_auditor"),
            "city_staff": member(t.city, Role.STAFF, username="city_staff"),
            "sibling_mediator": member(t.sibling_village, Role.MEDIATOR, username="s_mediator"),
            "sibling_staff": member(t.sibling_township, Role.STAFF, username="s_staff"),
            "other_mediator": member(t.other_village, Role.MEDIATOR, username="o_mediator"),
        },
    )


@pytest.fixture
def neighbour(db):
    # get_or_create: a transactional test's flush empties the migration-seeded table.
    return Category.objects.get_or_create(code="neighbour", defaults={"name": "邻里纠纷"})[0]


@pytest.fixture
def register(center_tree, people, neighbour):
    """register(**overrides) → the case of a walk-in at the village (through the service)."""

    def make(**overrides):
        kwargs = {
            "actor": people.village_mediator,
            "receiving_center": center_tree.village,
            "channel": Channel.WALK_IN,
            "category": neighbour,
            "summary": "邻里排水纠纷",
            "description": "雨水从邻居院墙排入申请人院内。",
            "village": center_tree.village,
            "parties": [APPLICANT, RESPONDENT],
        }
        kwargs.update(overrides)
        return dispute_register(**kwargs).dispute

    return make


@pytest.fixture
def api():
    """api(user) → an API client signed in (by session) as `user`; api() → anonymous."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return make


def pytest_terminal_summary(terminalreporter):
    """The counts of the schemathesis run (tests/api/test_schemathesis.py), when it ran."""
    from tests.api.fuzzing import TALLY

    if TALLY.generated:
        terminalreporter.write_sep("-", "schemathesis")
        for line in TALLY.lines():
            terminalreporter.write_line(line)
