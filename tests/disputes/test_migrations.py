"""The chain anchor's data migration sets every case's event count and last hash."""

import importlib

import pytest
from django.apps import apps

from disputes.models import Dispute
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
