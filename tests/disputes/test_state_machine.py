"""Random sequences of actions by random people keep the case's invariants."""

from datetime import date, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disputes.choices import ALLOWED_TRANSITIONS, OPEN_STATUSES, Action
from disputes.models import CaseEvent, Dispute
from disputes.selectors import verify_event_chain
from disputes.services import (
    DisputeError,
    deadline_scan,
    dispute_accept,
    dispute_agree,
    dispute_archive,
    dispute_assign,
    dispute_close,
    dispute_dispatch,
    dispute_escalate,
    dispute_extend,
    dispute_fail,
    dispute_follow_up_unreachable,
    dispute_not_accept,
    dispute_rate_satisfied,
    dispute_reissue_access_code,
    dispute_reopen,
    dispute_return,
    dispute_sign,
    dispute_start_follow_up,
    dispute_start_mediation,
    dispute_supervise,
    follow_up_record,
)

pytestmark = pytest.mark.django_db

ACTORS = ["village_mediator", "township_staff", "township_director", "county_auditor", None]
STEPS = [
    "accept",
    "not_accept",
    "assign",
    "dispatch",
    "sign",
    "return",
    "mediate",
    "agree",
    "fail",
    "close",
    "follow_up",
    "satisfied",
    "reopen",
    "archive",
    "escalate",
    "extend",
    "supervise",
    "rate_basic",
    "rate_unsatisfied",
    "unreachable",
    "deadline_passes",
    "reissue",
]


# The registration event has no row in the table; it counts as a change (version 1).
CHANGES = ALLOWED_TRANSITIONS[Action.ACCEPT]


class Rollback(Exception):
    pass


def run_step(step, case, actor, tree, people):
    pk = case.pk
    match step:
        case "accept":
            dispute_accept(dispute_id=pk, actor=actor)
        case "not_accept":
            dispute_not_accept(dispute_id=pk, actor=actor, route="属诉讼范围")
        case "assign":
            dispute_assign(dispute_id=pk, actor=actor, mediator=people.village_mediator)
        case "dispatch":
            dispute_dispatch(dispute_id=pk, actor=actor, center=tree.village)
        case "sign":
            dispute_sign(dispute_id=pk, actor=actor)
        case "return":
            dispute_return(dispute_id=pk, actor=actor, reason="不属本单位")
        case "mediate":
            dispute_start_mediation(dispute_id=pk, actor=actor)
        case "agree":
            dispute_agree(dispute_id=pk, actor=actor, content="达成协议", signed_on=date.today())
        case "fail":
            dispute_fail(dispute_id=pk, actor=actor, routes="可向法院起诉")
        case "close":
            dispute_close(dispute_id=pk, actor=actor)
        case "follow_up":
            dispute_start_follow_up(dispute_id=pk, actor=actor)
        case "satisfied":
            dispute_rate_satisfied(dispute_id=pk, actor=actor)
        case "reopen":
            dispute_reopen(dispute_id=pk, actor=actor, reason="不满意")
        case "archive":
            dispute_archive(dispute_id=pk, actor=actor)
        case "escalate":
            dispute_escalate(dispute_id=pk, actor=actor, reason="未化解")
        case "extend":
            dispute_extend(dispute_id=pk, actor=actor, workdays=3, reason="需鉴定")
        case "supervise":
            dispute_supervise(dispute_id=pk, actor=actor, reason="督办")
        case "rate_basic":
            follow_up_record(dispute_id=pk, actor=actor, rating="basically_satisfied")
        case "rate_unsatisfied":
            follow_up_record(dispute_id=pk, actor=actor, rating="unsatisfied", comment="没办好")
        case "unreachable":
            dispute_follow_up_unreachable(dispute_id=pk, actor=actor)
        case "deadline_passes":
            # The deadline watch runs as the system, whoever "acts" in this step.
            current = Dispute.objects.get(pk=pk)
            deadline_scan(now=current.level_due_at + timedelta(seconds=1))
        case "reissue":
            dispute_reissue_access_code(dispute_id=pk, actor=actor, reason="本人到场")


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.tuples(st.sampled_from(STEPS), st.sampled_from(ACTORS)), max_size=14))
def test_random_sequences_keep_the_invariants(register, people, center_tree, steps):
    try:
        with transaction.atomic():
            case = register().dispute
            deadlines = {case.level: case.level_deadline}
            for step, actor_key in steps:
                actor = getattr(people, actor_key) if actor_key else None
                before = Dispute.objects.get(pk=case.pk)
                events_before = CaseEvent.objects.filter(dispute=case).count()
                try:
                    run_step(step, case, actor, center_tree, people)
                except DisputeError:
                    after = Dispute.objects.get(pk=case.pk)
                    # A refused step changes nothing, and leaves no trace.
                    assert after.version == before.version and after.status == before.status
                    assert CaseEvent.objects.filter(dispute=case).count() == events_before
                    continue
                after = Dispute.objects.get(pk=case.pk)
                # A workflow step changes the case once; a side step (warning, overdue mark,
                # new access code) is recorded without touching the case's version.
                assert after.version in (before.version, before.version + 1)
                # Within a level, the deadline never moves backwards (extensions add to it).
                if after.level == before.level and step != "reopen":
                    assert after.level_deadline >= before.level_deadline
                deadlines[after.level] = after.level_deadline

            final = Dispute.objects.get(pk=case.pk)
            events = list(CaseEvent.objects.filter(dispute=final).order_by("seq"))
            assert verify_event_chain(final).ok
            changing = [
                e for e in events if ALLOWED_TRANSITIONS.get(e.action, CHANGES).changes_case
            ]
            assert len(changing) == final.version
            assert events[-1].to_status == final.status
            assert events[-1].center_id == final.current_center_id
            # One current handler: the handling center is always in the receiving center's line.
            receiving = final.receiving_center
            handling = final.current_center
            assert handling.is_descendant_of(receiving, include_self=True) or (
                receiving.is_descendant_of(handling)
            )
            if final.status not in OPEN_STATUSES:
                assert not final.is_overdue or final.closed_at is None
            assert timezone.is_aware(final.level_entered_at)
            raise Rollback
    except Rollback:
        pass
