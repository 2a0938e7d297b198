import pytest

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
RESPONDENT = PartyData(side=PartySide.RESPONDENT, name="王建军", phone="13807105678")


@pytest.fixture
def people(center_tree, member):
    """Staff at the township and the village of the center_tree fixture, and outsiders."""
    t = center_tree
    return type(
        "People",
        (),
        {
            "village_mediator": member(t.village, Role.MEDIATOR, username="v_mediator"),
            "township_staff": member(t.township, Role.STAFF, username="t_staff"),
            "township_director": member(t.township, Role.DIRECTOR, username="t_director"),
            "township_mediator": member(t.township, Role.MEDIATOR, username="t_mediator"),
            "county_staff": member(t.county, Role.STAFF, username="c_staff"),
            "county_auditor": member(t.county, Role.AUDITOR, username="c_auditor"),
            "sibling_staff": member(t.sibling_township, Role.STAFF, username="s_staff"),
        },
    )


@pytest.fixture
def register(center_tree, people):
    """register(**overrides) → IntakeResult for a walk-in at the village center."""

    def make(**overrides):
        kwargs = {
            "actor": people.village_mediator,
            "receiving_center": center_tree.village,
            "channel": Channel.WALK_IN,
            # get_or_create: a transactional test's flush empties the migration-seeded table.
            "category": Category.objects.get_or_create(
                code="neighbour", defaults={"name": "邻里纠纷"}
            )[0],
            "summary": "邻里排水纠纷",
            "description": "雨水从邻居院墙排入申请人院内。",
            "village": center_tree.village,
            "parties": [APPLICANT, RESPONDENT],
        }
        kwargs.update(overrides)
        return dispute_register(**kwargs)

    return make
