"""Data migrations: the chain anchor sets every case's event count and last hash; the
follow-ups get their case's 属地 columns."""

import importlib

import pytest
from django.apps import apps
from django.db import connection

from disputes.models import Dispute, FollowUp
from disputes.selectors import verify_event_chain
from disputes.services import dispute_accept

pytestmark = pytest.mark.django_db


def test_the_anchor_migration_anchors_existing_chains(register, people):
    case = register().dispute
    dispute_accept(dispute_id=case.pk, actor=people.village_mediator)
    bare = register().dispute
    Dispute.objects.update(events_recorded=0, last_event_hash="")  # as before the migration
    assert not verify_event_chain(case).ok
    migration = importlib.import_module("disputes.migrations.0007_event_chain_anchor")
    migration.anchor_chains(apps, None)
    case.refresh_from_db()
    assert case.events_recorded == 2 and verify_event_chain(case).ok
    assert verify_event_chain(bare).ok


def test_the_place_migration_copies_each_case_place_onto_its_follow_ups(register, center_tree):
    cases = [register().dispute for _ in range(2)]
    for cycle, case in enumerate(cases):
        FollowUp.objects.create(
            dispute=case, cycle=cycle, center=case.current_center, due_on="2026-01-05"
        )
    FollowUp.objects.update(**dict.fromkeys(FollowUp.PLACE_FIELDS))  # as before it
    migration = importlib.import_module("disputes.migrations.0011_follow_up_place")
    with connection.cursor() as cursor:
        cursor.execute(migration.BACKFILL)
    for follow_up in FollowUp.objects.select_related("dispute"):
        for name in FollowUp.PLACE_FIELDS:
            expected = getattr(follow_up.dispute, f"{name}_id")
            assert expected is not None and getattr(follow_up, f"{name}_id") == expected
