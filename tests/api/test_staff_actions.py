"""The case actions of the staff API beyond the main path: each is the service's step, with
the form's fields, answering with the case as it is now."""

from datetime import date

import pytest
from django.urls import reverse

from centers.choices import Role
from disputes.access_codes import access_code_matches
from disputes.choices import Action, Satisfaction, Status
from disputes.models import Agreement, CaseEvent, Dispute, FollowUp
from disputes.services import (
    dispute_accept,
    dispute_agree,
    dispute_assign_down,
    dispute_close,
    dispute_sign,
    dispute_start_follow_up,
    dispute_start_mediation,
)
from tests.api.conftest import case_url
from tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def post(client, case, action, body=None):
    version = Dispute.objects.get(pk=case.pk).version
    return client.post(case_url(case, action), {"version": version, **(body or {})}, format="json")


def ok(response):
    assert response.status_code == 200, response.json()
    return response.json()


def last_event(case):
    return CaseEvent.objects.filter(dispute=case).order_by("-seq").first()


def closed_case(register, mediator):
    case = register()
    dispute_accept(dispute_id=case.pk, actor=mediator)
    dispute_start_mediation(dispute_id=case.pk, actor=mediator)
    dispute_agree(dispute_id=case.pk, actor=mediator, content="达成协议", signed_on=date.today())
    dispute_close(dispute_id=case.pk, actor=mediator)
    return case


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("village_mediator", ["accept", "not-accept"]),
        ("township_staff", ["accept", "not-accept", "escalate"]),
        ("township_director", ["accept", "not-accept", "escalate"]),
        ("county_auditor", []),
        ("grid_worker", []),
    ],
)
def test_allowed_actions_follow_the_table_and_the_role(api, register, people, who, expected):
    case = register()
    actions = ok(api(getattr(people, who)).get(case_url(case)))["allowed_actions"]
    handler = who not in ("county_auditor", "grid_worker")
    side = ["attachments", "reveal", "reissue-access-code"] if handler else []
    assert [row["action"] for row in actions] == expected + side
    if expected:
        assert actions[0]["label"] == "受理"


def test_allowed_actions_after_closure(api, register, people):
    case = closed_case(register, people.village_mediator)
    staff = [
        row["action"]
        for row in ok(api(people.township_staff).get(case_url(case)))["allowed_actions"]
    ]
    assert staff[:3] == ["start-follow-up", "reopen", "agreement-performance"]


def test_not_accept(api, register, people):
    case = register()
    data = ok(post(api(people.village_mediator), case, "not-accept", {"reason": "属劳动仲裁范围"}))
    assert data["status"] == Status.NOT_ACCEPTED
    assert last_event(case).reason == "属劳动仲裁范围"


def test_assign_dispatch_with_departments_and_return(api, register, people, center_tree):
    case = register(actor=people.township_staff, receiving_center=center_tree.township)
    dispute_accept(dispute_id=case.pk, actor=people.township_staff)
    staff = api(people.township_staff)
    assigned = ok(post(staff, case, "assign", {"mediator": people.township_mediator.pk}))
    assert assigned["status"] == Status.ASSIGNED
    assert assigned["mediator"] == {"id": people.township_mediator.pk, "name": "张三"}

    lead = DepartmentFactory(center=center_tree.village, name="村调委会")
    helper = DepartmentFactory(center=center_tree.township, name="司法所")
    dispatched = ok(
        post(
            staff,
            case,
            "dispatch",
            {
                "center": center_tree.village.code,
                "department": lead.pk,
                "assisting": [helper.pk],
                "reason": "属地调解",
            },
        )
    )
    assert dispatched["department"]["name"] == "村调委会"
    assert [d["name"] for d in dispatched["assisting_departments"]] == ["司法所"]
    assert dispatched["designated"] is False

    # Returned to the township, the case leaves the village's scope: 204, no body.
    response = post(api(people.village_mediator), case, "return", {"reason": "不属本村管辖"})
    assert response.status_code == 204
    returned = ok(staff.get(case_url(case)))
    assert returned["status"] == Status.RETURNED
    assert returned["current_center"]["code"] == center_tree.township.code
    assert returned["return_count"] == 1


def test_escalate_assign_down_extend_supervise(api, register, people, center_tree):
    case = register()
    dispute_accept(dispute_id=case.pk, actor=people.village_mediator)
    escalated = ok(post(api(people.township_staff), case, "escalate", {"reason": "需街道协调"}))
    assert escalated["current_center"]["code"] == center_tree.township.code
    assert escalated["escalation_count"] == 1 and escalated["status"] == Status.ACCEPTED

    director = api(people.township_director)
    deadline = escalated["level_deadline"]
    extended = ok(post(director, case, "extend", {"workdays": 3, "reason": "等待鉴定"}))
    assert extended["is_extended"] is True and extended["level_deadline"] > deadline
    supervised = ok(post(director, case, "supervise", {"reason": "限期办结"}))
    assert supervised["is_supervised"] is True

    down = ok(
        post(api(people.township_staff), case, "assign-down", {"center": center_tree.village.code})
    )
    assert down["status"] == Status.DISPATCHED and down["designated"] is True
    wrong = post(
        api(people.township_staff), case, "assign-down", {"center": center_tree.village.code}
    )
    assert wrong.status_code == 400  # dispatched: not in a state to assign down


def test_a_step_that_takes_the_case_out_of_scope_answers_204(api, register, people, center_tree):
    case = register(actor=people.county_staff, receiving_center=center_tree.county)
    dispute_accept(dispute_id=case.pk, actor=people.county_staff)
    dispute_assign_down(dispute_id=case.pk, actor=people.county_staff, center=center_tree.township)
    staff = api(people.township_staff)
    assert staff.get(case_url(case)).status_code == 200
    dispute_sign(dispute_id=case.pk, actor=people.township_staff)
    response = post(staff, case, "escalate", {"reason": "需区级协调"})
    assert response.status_code == 204 and response.content == b""
    assert Dispute.objects.get(pk=case.pk).current_center == center_tree.county
    assert staff.get(case_url(case)).status_code == 404


def test_fail_close_reopen(api, register, people):
    case = register()
    mediator = api(people.village_mediator)
    ok(post(mediator, case, "accept"))
    ok(post(mediator, case, "start-mediation"))
    failed = ok(post(mediator, case, "fail", {"reason": "已告知可向法院起诉"}))
    assert failed["status"] == Status.FAILED
    ok(post(mediator, case, "close"))
    assert post(mediator, case, "reopen", {"reason": "x"}).status_code == 403
    reopened = ok(post(api(people.township_staff), case, "reopen", {"reason": "群众反映未解决"}))
    assert reopened["status"] == Status.ACCEPTED and reopened["reopen_count"] == 1


def test_agreement_performance_keeps_what_is_left_out(api, register, people):
    case = register()
    mediator = api(people.village_mediator)
    for step in ("accept", "start-mediation"):
        ok(post(mediator, case, step))
    ok(
        post(
            mediator,
            case,
            "agree",
            {"content": "口头约定", "signed_on": "2025-03-12", "is_written": False},
        )
    )
    version = Dispute.objects.get(pk=case.pk).version
    first = mediator.post(
        case_url(case, "agreement-performance"),
        {"performance_notes": "已部分履行", "judicial_confirmation_applied": True},
        format="json",
    )
    assert ok(first)["agreement"] == {
        "content": "口头约定",
        "is_written": False,
        "signed_on": "2025-03-12",
        "performance_notes": "已部分履行",
        "judicial_confirmation_applied": True,
        "judicial_confirmation_granted": False,
    }
    second = mediator.post(
        case_url(case, "agreement-performance"),
        {"judicial_confirmation_granted": True},
        format="json",
    )
    agreement = ok(second)["agreement"]
    assert agreement["performance_notes"] == "已部分履行"
    assert agreement["judicial_confirmation_applied"] is True
    assert agreement["judicial_confirmation_granted"] is True
    # An audited side step: the case's version is untouched.
    assert Dispute.objects.get(pk=case.pk).version == version
    assert Agreement.objects.get(dispute=case).judicial_confirmation_granted


def test_follow_up_start_record_and_archive(api, register, people):
    case = closed_case(register, people.village_mediator)
    staff = api(people.township_staff)
    started = ok(post(staff, case, "start-follow-up"))
    assert started["status"] == Status.FOLLOW_UP
    assert [f["status"] for f in started["follow_ups"]] == ["open"]
    rated = ok(post(staff, case, "follow-up-record", {"rating": "satisfied", "comment": "满意"}))
    assert rated["status"] == Status.SATISFIED
    assert rated["follow_ups"][0]["rating"] == Satisfaction.SATISFIED
    assert ok(post(staff, case, "archive"))["status"] == Status.ARCHIVED
    actions = [event.action for event in CaseEvent.objects.filter(dispute=case).order_by("seq")]
    assert actions[-3:] == [Action.START_FOLLOW_UP, Action.RATE_SATISFIED, Action.ARCHIVE]


def test_unsatisfied_reopens_and_unreachable(api, register, people):
    unhappy = closed_case(register, people.village_mediator)
    dispute_start_follow_up(dispute_id=unhappy.pk, actor=None)
    staff = api(people.township_staff)
    reopened = ok(post(staff, unhappy, "follow-up-record", {"rating": "unsatisfied"}))
    assert reopened["status"] == Status.ACCEPTED and reopened["reopen_count"] == 1
    assert last_event(unhappy).action == Action.RATE_UNSATISFIED
    bad = post(staff, unhappy, "follow-up-record", {"rating": "so-so"})
    assert bad.status_code == 400 and set(bad.json()) == {"rating"}

    silent = closed_case(register, people.village_mediator)
    dispute_start_follow_up(dispute_id=silent.pk, actor=None)
    data = ok(post(staff, silent, "follow-up-unreachable", {"reason": "三次致电无人接听"}))
    assert data["status"] == Status.UNREACHABLE
    assert FollowUp.objects.get(dispute=silent).status == "unreachable"


def test_reissue_access_code(api, register, people):
    case = register()
    client = api(people.village_mediator)
    url = case_url(case, "reissue-access-code")
    assert client.post(url, {}, format="json").status_code == 400
    response = client.post(url, {"reason": "申请人本人持身份证到场核实"}, format="json")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    code = response.json()["access_code"]
    assert response.json()["tracking_number"] == case.tracking_number
    fresh = Dispute.objects.get(pk=case.pk)
    assert access_code_matches(code, fresh.access_code_hash)
    assert fresh.version == case.version  # colleagues' views stay valid
    assert last_event(case).action == Action.REISSUE_ACCESS_CODE
    assert api(people.county_auditor).post(url, {"reason": "x"}, format="json").status_code == 403


def test_unknown_and_out_of_scope_cases_are_404(api, register, people):
    case = register()
    mediator = api(people.village_mediator)
    assert (
        mediator.post(case_url("420602001008-2025-99999", "accept"), {"version": 1}).status_code
        == 404
    )
    assert (
        api(people.sibling_staff).post(case_url(case, "accept"), {"version": 1}).status_code == 404
    )
    party = case.parties.first()
    other = register(
        actor=people.sibling_mediator,
        receiving_center=people.sibling_mediator.memberships.get().center,
        village=people.sibling_mediator.memberships.get().center,
    )
    foreign_party = other.parties.first()
    url = reverse(
        "case-party-reveal",
        kwargs={"tracking_number": case.tracking_number, "party_id": foreign_party.pk},
    )
    assert mediator.post(url, {"field": "phone", "reason": "x"}, format="json").status_code == 404
    assert party.pk != foreign_party.pk


def test_a_mediator_at_another_center_cannot_be_assigned(
    api, register, people, member, center_tree
):
    case = register()
    dispute_accept(dispute_id=case.pk, actor=people.village_mediator)
    outsider = member(center_tree.sibling_township, Role.MEDIATOR, username="far_mediator")
    response = post(api(people.township_staff), case, "assign", {"mediator": outsider.pk})
    assert response.status_code == 400 and set(response.json()) == {"mediator"}
    assert Dispute.objects.get(pk=case.pk).mediator_id is None
