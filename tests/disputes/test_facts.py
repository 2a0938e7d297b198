"""The facts the metrics count are kept on the case by its steps."""

from datetime import date, timedelta

import pytest

from centers.choices import CenterLevel
from disputes.models import Dispute
from disputes.services import (
    deadline_scan,
    dispute_accept,
    dispute_agree,
    dispute_close,
    dispute_dispatch,
    dispute_escalate,
    dispute_start_follow_up,
    dispute_start_mediation,
    follow_up_record,
)
from tests.disputes.conftest import APPLICANT, RESPONDENT

pytestmark = pytest.mark.django_db


def reload(case):
    return Dispute.objects.get(pk=case.pk)


def test_intake_records_where_it_happened_and_who_received_it(register, center_tree, people):
    case = register().dispute
    assert case.village == center_tree.village
    assert case.loc_township == center_tree.township
    assert case.loc_county == center_tree.county
    assert case.loc_city == center_tree.city
    assert case.loc_province is None  # this tree's root is the city
    assert case.receiving_level == case.top_level == CenterLevel.VILLAGE
    assert case.accepted_at is None and not case.is_repeat

    major = register(
        actor=people.township_staff, receiving_center=center_tree.township, risk_level="major"
    )
    assert major.dispute.receiving_level == CenterLevel.TOWNSHIP
    assert major.dispute.top_level == CenterLevel.COUNTY  # 重大: straight to the county


def test_the_same_applicant_again_is_a_repeat(register):
    first = register().dispute
    again = register().dispute
    assert not first.is_repeat and again.is_repeat
    other = register(
        parties=[
            RESPONDENT.__class__(side="applicant", name="新人", phone="13600000000"),
            RESPONDENT,
        ]
    ).dispute
    assert not other.is_repeat
    assert APPLICANT.phone  # the fixture's applicant is the repeat one


def test_steps_record_acceptance_mediation_resolution_and_closure(register, people):
    mediator = people.village_mediator
    case = register().dispute
    dispute_accept(dispute_id=case.pk, actor=mediator)
    assert reload(case).accepted_at is not None
    dispute_start_mediation(dispute_id=case.pk, actor=mediator)
    dispute_agree(dispute_id=case.pk, actor=mediator, content="好", signed_on=date.today())
    after = reload(case)
    assert after.mediation_started_at and after.resolved_at
    assert after.resolved_level == CenterLevel.VILLAGE
    dispute_close(dispute_id=case.pk, actor=mediator)
    after = reload(case)
    assert after.closed_on_time is True and after.handling_workdays == 0

    dispute_start_follow_up(dispute_id=case.pk, actor=None)
    follow_up_record(dispute_id=case.pk, actor=None, rating="unsatisfied")
    reopened = reload(case)
    assert reopened.resolved_at is None and reopened.resolved_level == ""
    assert reopened.closed_on_time is None and reopened.handling_workdays is None
    assert reopened.accepted_at == after.accepted_at  # accepted once, for good
    assert reopened.follow_ups.get().ended_at is not None


def test_the_ladder_dispatches_and_overdue_are_remembered(register, people, center_tree):
    case = register().dispute
    dispute_escalate(dispute_id=case.pk, actor=people.township_staff, reason="疑难")
    after = reload(case)
    assert after.top_level == CenterLevel.TOWNSHIP and after.accepted_at is not None
    dispute_dispatch(dispute_id=case.pk, actor=people.township_staff, center=center_tree.village)
    after = reload(case)
    assert after.dispatch_count == 1
    assert after.top_level == CenterLevel.TOWNSHIP  # the highest level reached stays
    version = after.version
    deadline_scan(now=after.level_due_at + timedelta(seconds=1))
    after = reload(case)
    assert after.was_overdue
    assert after.top_level == CenterLevel.TOWNSHIP  # climbed back to the township
    assert after.version == version + 1  # the escalation; the overdue mark is a side step
