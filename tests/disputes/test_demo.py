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
    assert "Demo disputes created: 11" in out.getvalue()
    assert Counter(Dispute.objects.values_list("status", flat=True)) == {
        Status.REGISTERED: 3,  # a walk-in, the 重大 case at county level, the sibling's case
        Status.IN_MEDIATION: 1,
        Status.SATISFIED: 1,
        Status.DISPATCHED: 2,  # a complaint and a report sent down to 檀溪社区
        Status.ACCEPTED: 2,  # escalated to the township; the confidential case
        Status.NOT_ACCEPTED: 1,
        Status.CLOSED: 1,  # awaiting its follow-up
    }
    assert all(verify_event_chain(case).ok for case in Dispute.objects.all())
    assert Dispute.objects.filter(level=CenterLevel.COUNTY).count() == 1
    escalated = Dispute.objects.get(escalation_count=1)
    assert escalated.current_center == center_tree.township

    users = {u.username: u for u in get_user_model().objects.all()}
    assert dispute_queryset(user=users["other_township_staff"]).count() == 1
    # Not the confidential case: the township's staff neither hold nor direct it.
    assert dispute_queryset(user=users["township_staff"]).count() == 9
    assert dispute_queryset(user=users["county_auditor"]).count() == 10
    assert dispute_queryset(user=users["city_director"]).count() == 11
    assert dispute_queryset(user=users["village_mediator"]).count() == 10  # not the sibling's
    report = Dispute.objects.get(request_type="report")
    assert not reporter_identity_visible(report, users["village_mediator"])
    assert reporter_identity_visible(report, users["township_staff"])

    call_command("seed_demo", "--force", stdout=StringIO())
    assert Dispute.objects.count() == 11


def test_on_the_demo_clock_cases_climb_and_a_follow_up_starts_within_minutes(center_tree, settings):
    from datetime import timedelta

    from django.utils import timezone

    from disputes.models import Escalation, FollowUp
    from disputes.services import deadline_scan, follow_up_scan

    settings.DISPUTE_DEMO_WORKDAY_SECONDS = 20
    call_command("seed_demo", "--force", stdout=StringIO())
    soon = timezone.now() + timedelta(minutes=2)
    assert follow_up_scan(now=soon).started == 1  # 3 working days = 1 minute
    assert FollowUp.objects.get(status="open").dispute.summary == "装修材料退货纠纷"
    # Village cases (15 working days = 5 minutes) rise to 真武山街道.
    result = deadline_scan(now=timezone.now() + timedelta(minutes=6))
    assert result.escalated >= 3
    assert Escalation.objects.filter(automatic=True, to_center=center_tree.township).exists()
