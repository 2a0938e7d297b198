"""A case from intake to closure through the staff API only: each step one POST with the
version last read, each answer the case as it is now, the history in order."""

from datetime import date

import pytest
from django.urls import reverse

from disputes.choices import Action, Status
from disputes.models import Dispute
from disputes.selectors import verify_event_chain
from tests.api.conftest import case_url

pytestmark = pytest.mark.django_db


def test_intake_to_closure(api, people, center_tree, neighbour):
    staff = api(people.township_staff)
    created = staff.post(
        reverse("case-list"),
        {
            "receiving_center": center_tree.township.code,
            "category": "neighbour",
            "summary": "相邻排水纠纷",
            "description": "雨水从邻居院墙排入申请人院内。",
            "village": center_tree.village.code,
            "parties": [
                {"side": "applicant", "name": "李秀兰", "phone": "13907101234"},
                {"side": "respondent", "name": "王建军"},
            ],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    number = body["tracking_number"]
    assert number.startswith(f"{center_tree.township.code}-")
    assert len(body["access_code"]) == 8
    assert created["Cache-Control"] == "no-store"
    assert created["Location"].endswith(case_url(number))
    assert body["case"]["status"] == Status.REGISTERED
    assert body["case"]["version"] == 1 and created["ETag"] == '"1"'
    assert body["case"]["parties"][0]["phone"] == "139****1234"

    detail = staff.get(case_url(number))
    assert detail.status_code == 200 and detail["ETag"] == '"1"'
    assert {"action": "accept", "label": "受理"} in detail.json()["allowed_actions"]

    def step(client, action, data=None):
        etag = client.get(case_url(number))["ETag"]
        response = client.post(
            case_url(number, action), data or {}, format="json", headers={"If-Match": etag}
        )
        assert response.status_code == 200, (action, response.json())
        assert response["ETag"] == f'"{response.json()["version"]}"'
        return response.json()

    assert step(staff, "accept")["status"] == Status.ACCEPTED
    dispatched = step(staff, "dispatch", {"center": center_tree.village.code, "reason": "属地"})
    assert dispatched["status"] == Status.DISPATCHED
    assert dispatched["current_center"]["code"] == center_tree.village.code
    assert dispatched["level"] == "village"

    mediator = api(people.village_mediator)
    assert step(mediator, "sign")["status"] == Status.SIGNED
    started = step(mediator, "start-mediation")
    assert started["status"] == Status.IN_MEDIATION
    assert started["mediator"]["id"] == people.village_mediator.pk
    recorded = step(
        mediator,
        "sessions",
        {"held_at": "2025-03-12T09:30:00+08:00", "notes": "双方同意共同修建排水沟。"},
    )
    assert [session["notes"] for session in recorded["sessions"]] == ["双方同意共同修建排水沟。"]
    agreed = step(
        mediator, "agree", {"content": "双方各承担一半费用。", "signed_on": str(date.today())}
    )
    assert agreed["status"] == Status.AGREED
    assert agreed["agreement"]["content"] == "双方各承担一半费用。"
    assert agreed["agreement"]["is_written"] is True
    closed = step(mediator, "close", {"reason": "协议已履行"})
    assert closed["status"] == Status.CLOSED and closed["status_display"] == "已结案"
    assert closed["closed_at"] is not None

    events = mediator.get(case_url(number, "events"))
    assert events.status_code == 200
    assert [event["action"] for event in events.json()] == [
        Action.REGISTER,
        Action.ACCEPT,
        Action.DISPATCH,
        Action.SIGN,
        Action.START_MEDIATION,
        Action.RECORD_SESSION,
        Action.AGREE,
        Action.CLOSE,
    ]
    first, last = events.json()[0], events.json()[-1]
    assert first["action_display"] == "登记" and first["actor"] == "张三"
    assert first["center"]["code"] == center_tree.township.code
    assert last["to_status"] == Status.CLOSED and last["reason"] == "协议已履行"
    case = Dispute.objects.get(tracking_number=number)
    assert case.status == Status.CLOSED
    assert verify_event_chain(case).ok
