from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from centers.choices import CenterLevel
from disputes.choices import Status
from disputes.models import Dispute
from disputes.selectors import dispute_queryset, verify_event_chain

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_cases_at_every_stage_once(center_tree):
    out = StringIO()
    call_command("seed_demo", "--force", stdout=out)
    assert "Demo disputes created: 8" in out.getvalue()
    assert Counter(Dispute.objects.values_list("status", flat=True)) == {
        Status.REGISTERED: 3,  # a walk-in, the 重大 case at county level, the sibling's case
        Status.IN_MEDIATION: 1,
        Status.SATISFIED: 1,
        Status.DISPATCHED: 1,
        Status.ACCEPTED: 1,  # escalated to the township
        Status.NOT_ACCEPTED: 1,
    }
    assert all(verify_event_chain(case).ok for case in Dispute.objects.all())
    assert Dispute.objects.filter(level=CenterLevel.COUNTY).count() == 1
    escalated = Dispute.objects.get(escalation_count=1)
    assert escalated.current_center == center_tree.township

    users = {u.username: u for u in get_user_model().objects.all()}
    assert dispute_queryset(user=users["other_township_staff"]).count() == 1
    assert dispute_queryset(user=users["township_staff"]).count() == 7
    assert dispute_queryset(user=users["county_auditor"]).count() == 8

    call_command("seed_demo", "--force", stdout=StringIO())
    assert Dispute.objects.count() == 8
