"""The scope rule computed from the case's own columns (disputes/scope.py) selects exactly
the cases of the MPTT definition (handled now or received in the center's subtree), for
every center, every place a case can be received and every center it can be handled at;
the transition function keeps `handled_elsewhere` true to where the case is."""

import importlib
import itertools
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from centers.choices import CenterLevel, Role
from centers.models import subtree_q
from disputes.choices import Channel, Status
from disputes.facts import locate
from disputes.models import Category, Dispute
from disputes.scope import case_scope_q, handled_elsewhere, received_in_q, subtree_scope_q
from disputes.services import (
    dispute_accept,
    dispute_dispatch,
    dispute_escalate,
    dispute_return,
)
from tests.factories import CenterFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dongguan(db):
    """A province → city → township → village tree without a county level (东莞's
    townships hang directly under the city), official codes."""
    province = CenterFactory(code="440000000000", name="广东省", level=CenterLevel.PROVINCE)
    city = CenterFactory(
        code="441900000000", name="东莞市", level=CenterLevel.CITY, parent=province
    )
    township = CenterFactory(
        code="441900003000", name="东城街道", level=CenterLevel.TOWNSHIP, parent=city
    )
    for code, name in [
        ("441900003001", "岗贝社区居民委员会"),
        ("441900003002", "花园新村社区居民委员会"),
    ]:
        CenterFactory(code=code, name=name, level=CenterLevel.VILLAGE, parent=township)
    return province


def _ids(condition) -> set[int]:
    return set(Dispute.objects.filter(condition).values_list("pk", flat=True))


def test_the_rule_matches_the_subtree_definition_for_every_center(center_tree, dongguan):
    category = Category.objects.get_or_create(code="neighbour", defaults={"name": "邻里纠纷"})[0]
    trees = [center_tree.city, dongguan]
    now = timezone.now()
    rows = []
    for root in trees:
        centers = list(root.get_descendants(include_self=True))
        for village in (c for c in centers if c.level == CenterLevel.VILLAGE):
            for receiving, current in itertools.product(
                village.get_ancestors(include_self=True), centers
            ):
                case = Dispute(
                    tracking_number=f"T-{len(rows):05d}",
                    access_code_hash="x",
                    channel=Channel.WALK_IN,
                    category=category,
                    summary="范围规则",
                    village=village,
                    receiving_center=receiving,
                    receiving_level=receiving.level,
                    current_center=current,
                    level=current.level,
                    status=Status.ACCEPTED,
                    level_entered_at=now,
                    level_workdays=15,
                    level_deadline=(now + timedelta(days=21)).date(),
                    level_due_at=now + timedelta(days=21),
                    warn_at=now + timedelta(days=18),
                )
                locate(case)
                case.handled_elsewhere = handled_elsewhere(case)
                rows.append(case)
    Dispute.objects.bulk_create(rows)
    assert any(case.handled_elsewhere for case in rows)
    assert any(not case.handled_elsewhere for case in rows)

    everyone = [c for root in trees for c in root.get_descendants(include_self=True)]
    for center in everyone:
        expected = _ids(subtree_scope_q([center]))
        assert expected, center
        assert _ids(case_scope_q([center])) == expected, center
    # Several memberships: any two centers, of the same tree or not.
    for pair in itertools.combinations(everyone, 2):
        assert _ids(case_scope_q(pair)) == _ids(subtree_scope_q(pair)), pair
    assert _ids(case_scope_q([])) == set()
    # Received in the subtree only (who may know a protected reporter).
    for center in everyone:
        expected = _ids(subtree_q([center], "receiving_center__"))
        assert _ids(received_in_q([center])) == expected, center
    # Reached through a relation, as the follow-ups and events are.
    for center in everyone:
        assert set(
            Dispute.objects.filter(case_scope_q([center])).values_list("pk", flat=True)
        ) == set(
            Dispute.objects.filter(
                pk__in=Dispute.objects.filter(subtree_scope_q([center]))
            ).values_list("pk", flat=True)
        )


def test_a_case_dispatched_sideways_is_flagged_and_seen_where_it_is(
    register, people, center_tree, member
):
    t = center_tree
    case = register().dispute  # received at the village
    assert not case.handled_elsewhere
    dispute_accept(dispute_id=case.pk, actor=people.village_mediator)
    village_director = member(t.village, Role.DIRECTOR)
    dispute_escalate(dispute_id=case.pk, actor=village_director, reason="村级调解不成")
    # The township dispatches it to another of its villages: off the case's 属地 path.
    dispatched = dispute_dispatch(
        dispute_id=case.pk, actor=people.township_staff, center=t.village2
    )
    stored = Dispute.objects.get(pk=case.pk)
    assert stored.handled_elsewhere and stored.current_center == t.village2
    assert stored.level == stored.current_center.level == dispatched.level
    village2_staff = member(t.village2, Role.STAFF)
    for user, sees in [
        (village2_staff, True),  # handles it now
        (people.village_mediator, True),  # received it
        (people.township_staff, True),
        (people.county_staff, True),
        (people.sibling_staff, False),
        (member(t.other_village, Role.DIRECTOR), False),
    ]:
        assert Dispute.objects.visible_to(user).filter(pk=case.pk).exists() is sees, user
    # Returned: back at the township, on the path again.
    dispute_return(dispute_id=case.pk, actor=village2_staff, reason="不属本村")
    stored = Dispute.objects.get(pk=case.pk)
    assert not stored.handled_elsewhere and stored.current_center == t.township
    assert not Dispute.objects.visible_to(village2_staff).filter(pk=case.pk).exists()


def test_a_confidential_case_dispatched_sideways_is_seen_by_the_directors_above(
    register, people, center_tree, member
):
    t = center_tree
    case = register(
        receiving_center=t.township, actor=people.township_staff, is_confidential=True
    ).dispute
    dispute_accept(dispute_id=case.pk, actor=people.township_staff)
    dispute_dispatch(dispute_id=case.pk, actor=people.township_staff, center=t.village2)
    assert Dispute.objects.get(pk=case.pk).handled_elsewhere
    for center, sees in [
        (t.county, True),
        (t.township, True),  # received it
        (t.village2, True),  # handles it
        (t.village, False),  # where it happened: neither received nor handles it
        (t.sibling_township, False),
    ]:
        director = member(center, Role.DIRECTOR)
        assert Dispute.objects.visible_to(director).filter(pk=case.pk).exists() is sees, center


def test_the_migration_flags_the_cases_handled_off_their_path(register, people, center_tree):
    t = center_tree
    on_path = register().dispute
    sideways = register().dispute
    Dispute.objects.filter(pk=sideways.pk).update(current_center=t.village2)
    upwards = register().dispute
    Dispute.objects.filter(pk=upwards.pk).update(current_center=t.county)
    Dispute.objects.update(handled_elsewhere=False)  # as before the migration
    migration = importlib.import_module("disputes.migrations.0015_handled_elsewhere")
    migration.mark_handled_elsewhere(apps, type("Editor", (), {"connection": _default()}))
    flagged = set(Dispute.objects.filter(handled_elsewhere=True).values_list("pk", flat=True))
    assert flagged == {sideways.pk}
    assert on_path.pk not in flagged and upwards.pk not in flagged


def _default():
    from django.db import connection

    return connection
