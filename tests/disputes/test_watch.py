"""The deadline watch: warnings at the warning share, overdue at the deadline, the ladder
village → township → county → city and 督办 at the top; idempotent and cheap when nothing is
due."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from centers.choices import CenterLevel, Role
from disputes.choices import Action, EscalationKind, Status
from disputes.deadlines import level_clock, level_rule
from disputes.models import Category, DeadlineRule, Dispute, Escalation
from disputes.selectors import verify_event_chain
from disputes.services import (
    deadline_scan,
    dispute_accept,
    dispute_escalate,
    dispute_extend,
    dispute_start_mediation,
)
from notifications.models import Notification

pytestmark = pytest.mark.django_db

SECOND = timedelta(seconds=1)


def reload(case):
    return Dispute.objects.select_related("current_center").get(pk=case.pk)


def actions(case):
    return list(case.events.order_by("seq").values_list("action", flat=True))


@pytest.fixture
def working_case(register, people):
    case = register().dispute
    dispute_accept(dispute_id=case.pk, actor=people.village_mediator)
    dispute_start_mediation(dispute_id=case.pk, actor=people.village_mediator)
    return reload(case)


def test_the_clock_of_a_village_case(working_case):
    case = working_case
    assert case.level_workdays == 15
    assert case.level_due_at > case.warn_at > case.level_entered_at
    # Overdue from the first moment after the deadline day (Beijing time).
    local_due = timezone.localtime(case.level_due_at)
    assert local_due.date() == case.level_deadline + timedelta(days=1)
    assert (local_due.hour, local_due.minute) == (0, 0)


def test_a_warning_at_the_warning_share_once(working_case, people):
    case = working_case
    assert deadline_scan(now=case.warn_at - SECOND).warned == 0
    result = deadline_scan(now=case.warn_at + SECOND)
    assert (result.warned, result.overdue) == (1, 0)
    case = reload(case)
    assert case.warned_at is not None and case.status == Status.IN_MEDIATION
    assert actions(case)[-1] == Action.WARN_DEADLINE
    warning = Notification.objects.get(kind="deadline_warning")
    assert warning.recipient == people.village_mediator  # the case's mediator
    assert case.tracking_number in warning.title
    assert case.level_deadline.isoformat() in warning.title
    assert case.summary in warning.body and "15 个工作日" in warning.body
    assert deadline_scan(now=case.warn_at + SECOND).warned == 0  # once
    # A scan that read the id before the warning was written re-checks under the lock.
    from disputes.services import dispute_warn

    assert dispute_warn(dispute_id=case.pk, now=case.warn_at + SECOND) is False
    assert Notification.objects.filter(kind="deadline_warning").count() == 1


def test_overdue_at_the_village_climbs_to_the_township(working_case, center_tree, people):
    case = working_case
    version = case.version
    assert deadline_scan(now=case.level_due_at - SECOND).overdue == 0
    result = deadline_scan(now=case.level_due_at + SECOND)
    assert (result.overdue, result.escalated) == (1, 1)

    after = reload(case)
    assert after.current_center == center_tree.township
    assert after.level == CenterLevel.TOWNSHIP and after.level_workdays == 30
    assert after.status == Status.ACCEPTED and after.mediator is None
    assert not after.is_overdue  # a fresh clock at the new level
    assert after.level_deadline > case.level_deadline
    assert actions(after)[-3:] == [Action.WARN_DEADLINE, Action.MARK_OVERDUE, Action.ESCALATE]
    assert after.version == version + 1  # the ladder step is the only change of state
    assert verify_event_chain(after).ok

    step = Escalation.objects.get(dispute=case)
    assert step.automatic and step.actor is None and step.kind == EscalationKind.ESCALATE
    assert (step.from_center, step.to_center) == (center_tree.village, center_tree.township)
    assert (step.from_level, step.to_level) == (CenterLevel.VILLAGE, CenterLevel.TOWNSHIP)
    assert step.missed_deadline == case.level_deadline
    assert step.new_deadline == after.level_deadline
    escalated = Notification.objects.filter(kind="escalated")
    assert people.township_director in [n.recipient for n in escalated]
    assert people.township_staff in [n.recipient for n in escalated]

    # Running again at the same moment finds nothing to do.
    again = deadline_scan(now=case.level_due_at + SECOND)
    assert (again.overdue, again.escalated, again.warned) == (0, 0, 0)
    assert Escalation.objects.filter(dispute=case).count() == 1


def test_the_whole_ladder_then_supervision_at_the_top(working_case, center_tree):
    case = working_case
    for expected in (center_tree.township, center_tree.county, center_tree.city):
        deadline_scan(now=reload(case).level_due_at + SECOND)
        assert reload(case).current_center == expected
    top = reload(case)
    result = deadline_scan(now=top.level_due_at + SECOND)
    assert (result.overdue, result.supervised, result.escalated) == (1, 1, 0)
    top = reload(case)
    assert top.is_overdue and top.is_supervised and top.current_center == center_tree.city
    order = Escalation.objects.get(dispute=case, kind=EscalationKind.SUPERVISE)
    assert order.automatic and order.new_deadline > timezone.localdate()
    assert Escalation.objects.filter(dispute=case, kind=EscalationKind.ESCALATE).count() == 3
    # Overdue and supervised: later scans leave it alone (it is off the partial index).
    later = deadline_scan(now=top.level_due_at + timedelta(days=400))
    assert (later.overdue, later.supervised) == (0, 0)
    assert verify_event_chain(top).ok


def test_a_rule_without_auto_escalation_only_marks_overdue(working_case, people):
    DeadlineRule.objects.create(level=CenterLevel.VILLAGE, workdays=15, auto_escalate=False)
    case = working_case
    result = deadline_scan(now=case.level_due_at + SECOND)
    assert (result.overdue, result.escalated) == (1, 0)
    after = reload(case)
    assert after.is_overdue and after.level == CenterLevel.VILLAGE
    overdue = Notification.objects.filter(kind="overdue")
    assert [n.recipient for n in overdue] == [people.village_mediator]


def test_an_extension_moves_the_clock_and_clears_the_warning(working_case, people):
    case = working_case
    deadline_scan(now=case.warn_at + SECOND)
    dispute_extend(dispute_id=case.pk, actor=people.township_director, workdays=5, reason="鉴定")
    after = reload(case)
    assert after.level_due_at > case.level_due_at and after.warned_at is None
    assert after.level_workdays == 20
    assert deadline_scan(now=case.level_due_at + SECOND).overdue == 0


def test_the_most_specific_rule_wins(center_tree):
    labour = Category.objects.get_or_create(code="labour", defaults={"name": "劳动争议"})[0]
    DeadlineRule.objects.create(level=CenterLevel.VILLAGE, workdays=12)
    DeadlineRule.objects.create(level=CenterLevel.VILLAGE, risk_level="serious", workdays=8)
    DeadlineRule.objects.create(level=CenterLevel.VILLAGE, category=labour, workdays=10)
    DeadlineRule.objects.create(
        level=CenterLevel.VILLAGE, category=labour, risk_level="serious", workdays=5
    )
    DeadlineRule.objects.create(
        level=CenterLevel.VILLAGE, category=labour, workdays=1, is_active=False, risk_level="major"
    )
    village = CenterLevel.VILLAGE
    assert level_rule(village).workdays == 12
    assert level_rule(village, risk_level="serious").workdays == 8
    assert level_rule(village, category_id=labour.pk).workdays == 10
    assert level_rule(village, category_id=labour.pk, risk_level="serious").workdays == 5
    assert level_rule(village, category_id=labour.pk, risk_level="major").workdays == 10
    assert level_rule(CenterLevel.TOWNSHIP, category_id=labour.pk).workdays == 30


def test_a_rule_sets_the_limit_at_intake(register):
    DeadlineRule.objects.create(level=CenterLevel.VILLAGE, workdays=5)
    case = register().dispute
    assert case.level_workdays == 5
    assert case.events.get(seq=1).data["level_workdays"] == 5


def test_demo_seconds_make_a_working_day_last_seconds(settings):
    settings.DISPUTE_DEMO_WORKDAY_SECONDS = 60
    start = timezone.now()
    clock = level_clock(15, start)
    assert clock.due_at == start + timedelta(minutes=15)
    assert clock.warn_at == start + timedelta(minutes=12)


def test_automatic_escalation_from_a_level_is_unique_per_cycle(working_case, center_tree):
    case = working_case
    deadline_scan(now=case.level_due_at + SECOND)
    step = Escalation.objects.get(dispute=case)
    with pytest.raises(IntegrityError), transaction.atomic():
        Escalation.objects.create(
            dispute=case,
            kind=step.kind,
            cycle=step.cycle,
            automatic=True,
            from_center=step.from_center,
            to_center=step.to_center,
            from_level=step.from_level,
            to_level=step.to_level,
            level_entered_at=step.level_entered_at,
            workdays_held=0,
        )


def test_manual_escalation_is_recorded_with_its_actor(working_case, people, center_tree):
    dispute_escalate(dispute_id=working_case.pk, actor=people.township_staff, reason="疑难")
    step = Escalation.objects.get(dispute=working_case)
    assert not step.automatic and step.actor == people.township_staff
    assert step.reason == "疑难" and step.workdays_held == 0


def test_the_scan_reads_only_what_is_due(register, people, member, center_tree):
    # Ten cases, none due: the scan issues its two index reads and nothing else.
    for _ in range(10):
        register()
    with CaptureQueriesContext(connection) as idle:
        result = deadline_scan()
    assert result.as_dict() == {
        "warned": 0,
        "overdue": 0,
        "escalated": 0,
        "supervised": 0,
        "skipped": 0,
    }
    assert len(idle.captured_queries) == 2


def test_a_case_already_escalated_by_another_scan_is_skipped(working_case):
    case = working_case
    later = case.level_due_at + SECOND
    assert deadline_scan(now=later).escalated == 1
    # A scan that read the id before the first one acted finds it no longer due.
    from disputes.services import dispute_overdue

    assert dispute_overdue(dispute_id=case.pk, now=later) == ""
    assert Escalation.objects.filter(dispute=case).count() == 1


def test_handlers_are_the_centers_roles_when_no_mediator(register, people, center_tree, member):
    from disputes.services import dispute_handlers

    case = register().dispute
    village_staff = member(center_tree.village, Role.STAFF)
    handlers = set(dispute_handlers(reload(case)))
    assert handlers == {people.village_mediator, village_staff}


def test_one_rule_per_level_category_and_risk(center_tree):
    from django.core.exceptions import ValidationError

    DeadlineRule.objects.create(level=CenterLevel.VILLAGE, workdays=12)
    duplicate = DeadlineRule(level=CenterLevel.VILLAGE, workdays=9)
    with pytest.raises(ValidationError):
        duplicate.full_clean()
    DeadlineRule(level=CenterLevel.VILLAGE, risk_level="major", workdays=9).full_clean()
