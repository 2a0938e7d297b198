"""A random but reproducible history of cases across the center_tree fixture, made through
the services (so every fact is set as in real work), then spread over 2025 by moving each
case's and follow-up's timestamps together."""

import random
from datetime import date, timedelta
from types import SimpleNamespace

from django.utils import timezone

from disputes.models import Category, Dispute, FollowUp
from disputes.services import (
    DisputeError,
    dispute_accept,
    dispute_agree,
    dispute_close,
    dispute_dispatch,
    dispute_escalate,
    dispute_fail,
    dispute_follow_up_unreachable,
    dispute_not_accept,
    dispute_overdue,
    dispute_return,
    dispute_sign,
    dispute_start_follow_up,
    dispute_start_mediation,
    follow_up_record,
)
from disputes.services.intake import PartyData, dispute_register
from metrics.raw import child_field
from tests.factories import UserFactory

CASE_TIMES = (
    "created_at",
    "accepted_at",
    "mediation_started_at",
    "resolved_at",
    "closed_at",
    "level_entered_at",
)


def _steps(rng):
    return rng.choice(
        [
            ["not_accept"],
            [],
            ["accept"],
            ["accept", "mediate"],
            ["accept", "mediate", "agree"],
            ["accept", "mediate", "agree", "close"],
            ["accept", "mediate", "agree", "close", "follow_up", "satisfied"],
            ["accept", "mediate", "agree", "close", "follow_up", "basic"],
            ["accept", "mediate", "agree", "close", "follow_up", "unsatisfied"],
            ["accept", "mediate", "agree", "close", "follow_up", "unreachable"],
            ["accept", "mediate", "fail", "close"],
            ["escalate", "mediate", "agree", "close"],
            ["escalate", "dispatch", "return"],
            ["escalate", "dispatch", "sign", "mediate", "agree"],
            ["accept", "overdue"],
            ["accept", "mediate", "overdue", "agree", "close"],
        ]
    )


def make_history(tree, *, seed: int, cases: int = 48):
    rng = random.Random(seed)
    admin = UserFactory(is_superuser=True, is_staff=True)
    categories = [
        Category.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in [("neighbour", "邻里"), ("labour", "劳动"), ("consumer", "消费")]
    ]
    villages = [tree.village, tree.village2, tree.sibling_village, tree.other_village]
    for index in range(cases):
        village = rng.choice(villages)
        phone = f"139{rng.randint(0, 40):08d}"  # a few applicants come back: repeats
        case = dispute_register(
            actor=admin,
            summary=f"纠纷{index}",
            receiving_center=rng.choice([village, village.parent]),
            village=village,
            category=rng.choice(categories),
            channel=rng.choice(["walk_in", "phone", "hotline_12345"]),
            parties=[PartyData(side="applicant", name=f"申请人{index}", phone=phone)],
        ).dispute
        for step in _steps(rng):
            try:
                _run(step, case.pk, admin, village, rng)
            except DisputeError:
                break
        _shift(case.pk, rng)
    result = SimpleNamespace(
        cases=list(Dispute.objects.all()),
        follow_ups=list(FollowUp.objects.all()),
        centers=[
            None,
            tree.city,
            tree.county,
            tree.township,
            tree.village,
            tree.sibling_township,
            tree.other_county,
        ],
    )
    result.child_fields = {(c.pk if c else None): child_field(c) for c in result.centers}
    # What the rollup job would have done by now (it runs every minute).
    from metrics.services import rollups_build_all

    rollups_build_all()
    return result


def _run(step, pk, admin, village, rng):
    match step:
        case "accept":
            dispute_accept(dispute_id=pk, actor=admin)
        case "not_accept":
            dispute_not_accept(dispute_id=pk, actor=admin, route="诉讼")
        case "mediate":
            dispute_start_mediation(dispute_id=pk, actor=admin)
        case "agree":
            dispute_agree(dispute_id=pk, actor=admin, content="协议", signed_on=date.today())
        case "fail":
            dispute_fail(dispute_id=pk, actor=admin, routes="诉讼")
        case "close":
            dispute_close(dispute_id=pk, actor=admin)
        case "follow_up":
            dispute_start_follow_up(dispute_id=pk, actor=None)
        case "satisfied" | "basic" | "unsatisfied":
            rating = {"satisfied": "satisfied", "basic": "basically_satisfied"}.get(
                step, "unsatisfied"
            )
            follow_up_record(dispute_id=pk, actor=None, rating=rating)
        case "unreachable":
            dispute_follow_up_unreachable(dispute_id=pk)
        case "escalate":
            dispute_escalate(dispute_id=pk, actor=admin, reason="疑难")
        case "dispatch":
            dispute_dispatch(dispute_id=pk, actor=admin, center=village)
        case "return":
            dispute_return(dispute_id=pk, actor=admin, reason="不属本单位")
        case "sign":
            dispute_sign(dispute_id=pk, actor=admin)
        case "overdue":  # the deadline watch, for this case only
            due = Dispute.objects.get(pk=pk).level_due_at
            dispute_overdue(dispute_id=pk, now=due + timedelta(seconds=1))


def _shift(pk, rng):
    """Move the case (and its follow-ups) back to a random moment of 2025, keeping the
    distances between its timestamps; some closures spill into the next month."""
    case = Dispute.objects.get(pk=pk)
    target = timezone.make_aware(
        timezone.datetime(2025, 1, 1) + timedelta(minutes=rng.randint(0, 365 * 24 * 60))
    )
    delta = target - case.created_at
    spread = timedelta(days=rng.choice([0, 0, 3, 20, 45]))
    updates = {}
    for name in CASE_TIMES:
        value = getattr(case, name)
        if value is not None:
            updates[name] = value + delta + (spread if name == "closed_at" else timedelta())
    Dispute.objects.filter(pk=pk).update(**updates)
    for follow_up in FollowUp.objects.filter(dispute_id=pk):
        if follow_up.ended_at is not None:
            FollowUp.objects.filter(pk=follow_up.pk).update(
                ended_at=follow_up.ended_at + delta + spread + timedelta(days=rng.randint(0, 9))
            )
