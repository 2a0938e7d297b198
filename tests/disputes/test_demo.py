from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from centers.choices import CenterLevel
from disputes.choices import Status
from disputes.models import Dispute
from disputes.selectors import dispute_queryset, reporter_identity_visible, verify_event_chain

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_cases_at_every_stage_once(center_tree):
    out = StringIO()
    call_command("seed_demo", "--force", stdout=out)
    assert "Demo disputes created: 10" in out.getvalue()
    assert Counter(Dispute.objects.values_list("status", flat=True)) == {
        Status.REGISTERED: 3,  # a walk-in, the 重大 case at county level, the sibling's case
        Status.IN_MEDIATION: 1,
        Status.SATISFIED: 1,
        Status.DISPATCHED: 2,  # a complaint and a report sent down to 檀溪社区
        Status.ACCEPTED: 2,  # escalated to the township; the confidential case
        Status.NOT_ACCEPTED: 1,
    }
    assert all(verify_event_chain(case).ok for case in Dispute.objects.all())
    assert Dispute.objects.filter(level=CenterLevel.COUNTY).count() == 1
    escalated = Dispute.objects.get(escalation_count=1)
    assert escalated.current_center == center_tree.township

    users = {u.username: u for u in get_user_model().objects.all()}
    assert dispute_queryset(user=users["other_township_staff"]).count() == 1
    # Not the confidential case: the township's staff neither hold nor direct it.
    assert dispute_queryset(user=users["township_staff"]).count() == 8
    assert dispute_queryset(user=users["county_auditor"]).count() == 9
    assert dispute_queryset(user=users["city_director"]).count() == 10
    assert dispute_queryset(user=users["village_mediator"]).count() == 9  # not the sibling's
    report = Dispute.objects.get(request_type="report")
    assert not reporter_identity_visible(report, users["village_mediator"])
    assert reporter_identity_visible(report, users["township_staff"])

    call_command("seed_demo", "--force", stdout=StringIO())
    assert Dispute.objects.count() == 10
