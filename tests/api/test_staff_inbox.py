"""Follow-ups in scope, the caller's own messages, and the escalation audit over the API."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from centers.choices import Role
from disputes.choices import Satisfaction
from disputes.models import FollowUp
from disputes.services import (
    deadline_scan,
    dispute_accept,
    dispute_agree,
    dispute_close,
    dispute_escalate,
    dispute_start_follow_up,
    dispute_start_mediation,
    dispute_supervise,
    follow_up_record,
)
from notifications.models import Notification
from notifications.services import notify

pytestmark = pytest.mark.django_db

FOLLOW_UPS = reverse("follow-up-list")
MESSAGES = reverse("notification-list")
AUDIT = reverse("escalation-audit")


def closed(register, mediator, **kwargs):
    case = register(actor=mediator, **kwargs)
    dispute_accept(dispute_id=case.pk, actor=mediator)
    dispute_start_mediation(dispute_id=case.pk, actor=mediator)
    dispute_agree(dispute_id=case.pk, actor=mediator, content="达成协议", signed_on=date.today())
    dispute_close(dispute_id=case.pk, actor=mediator)
    return case


def listed(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["tracking_number"] for row in response.json()["results"]]


# --- Follow-ups --------------------------------------------------------------------------


def test_follow_ups_in_scope(api, register, people, center_tree):
    here = closed(register, people.village_mediator)
    dispute_start_follow_up(dispute_id=here.pk, actor=None)
    there = closed(
        register,
        people.sibling_mediator,
        receiving_center=center_tree.sibling_village,
        village=center_tree.sibling_village,
    )
    dispute_start_follow_up(dispute_id=there.pk, actor=None)
    answered = closed(register, people.village_mediator, summary="已评价")
    dispute_start_follow_up(dispute_id=answered.pk, actor=None)
    follow_up_record(dispute_id=answered.pk, actor=None, rating=Satisfaction.SATISFIED)

    director = api(people.township_director)
    assert listed(director.get(FOLLOW_UPS)) == [here.tracking_number]
    row = director.get(FOLLOW_UPS).json()["results"][0]
    assert row["status"] == "open" and row["overdue"] is False
    assert row["center"]["code"] == center_tree.village.code
    # The caller chosen for the village's case: the township's director (not its mediator).
    assert row["assigned_to"]["id"] == people.township_director.pk
    assert listed(director.get(FOLLOW_UPS, {"mine": "true"})) == [here.tracking_number]
    assert listed(api(people.township_staff).get(FOLLOW_UPS, {"mine": "true"})) == []
    assert listed(director.get(FOLLOW_UPS, {"status": "answered"})) == [answered.tracking_number]
    assert listed(api(people.sibling_staff).get(FOLLOW_UPS)) == [there.tracking_number]
    assert listed(
        api(people.county_auditor).get(FOLLOW_UPS, {"center": center_tree.village.code})
    ) == [here.tracking_number]

    FollowUp.objects.filter(dispute=here).update(due_on=date.today() - timedelta(days=1))
    assert listed(director.get(FOLLOW_UPS, {"overdue": "true"})) == [here.tracking_number]
    assert listed(director.get(FOLLOW_UPS, {"overdue": "false"})) == []
    assert director.get(FOLLOW_UPS, {"status": "bogus"}).status_code == 400


# --- Notifications ------------------------------------------------------------------------


def test_my_messages(api, register, people):
    case = closed(register, people.village_mediator)
    dispute_start_follow_up(dispute_id=case.pk, actor=None)  # tells the caller
    notify([people.township_director], kind="note", title="第二条")
    notify([people.township_staff], kind="note", title="别人的")
    client = api(people.township_director)
    rows = client.get(MESSAGES).json()["results"]
    assert [row["title"] for row in rows][0] == "第二条"
    assert len(rows) == 2 and all(row["is_read"] is False for row in rows)
    follow_up = next(row for row in rows if row["kind"] == "follow_up")
    assert follow_up["tracking_number"] == case.tracking_number

    read = client.post(reverse("notification-read", args=[follow_up["id"]]))
    assert read.status_code == 200 and read.json()["is_read"] is True
    assert [r["id"] for r in client.get(MESSAGES, {"unread": "true"}).json()["results"]] == [
        rows[0]["id"]
    ]
    assert [r["id"] for r in client.get(MESSAGES, {"unread": "false"}).json()["results"]] == [
        follow_up["id"]
    ]
    others = Notification.objects.get(recipient=people.township_staff)
    assert client.post(reverse("notification-read", args=[others.pk])).status_code == 404
    assert Notification.objects.get(pk=others.pk).read_at is None

    marked = client.post(reverse("notification-read-all"))
    assert marked.status_code == 200 and marked.json() == {"marked": 1}
    assert client.get(MESSAGES, {"unread": "true"}).json()["results"] == []
    assert Notification.objects.get(pk=others.pk).read_at is None


# --- Escalation audit ---------------------------------------------------------------------


@pytest.fixture
def ladder(register, people, center_tree):
    """An automatic escalation and a manual one with a supervision in 真武山街道, and an
    automatic one in the sibling 古城街道."""
    from disputes.models import Dispute

    auto = register(summary="超期自动上报")
    deadline_scan(now=Dispute.objects.get(pk=auto.pk).level_due_at + timedelta(seconds=1))
    manual = register()
    dispute_accept(dispute_id=manual.pk, actor=people.village_mediator)
    dispute_escalate(dispute_id=manual.pk, actor=people.township_staff, reason="上报街道")
    dispute_supervise(dispute_id=manual.pk, actor=people.township_director, reason="限期办结")
    sibling = register(
        actor=people.sibling_mediator,
        receiving_center=center_tree.sibling_village,
        village=center_tree.sibling_village,
    )
    deadline_scan(now=Dispute.objects.get(pk=sibling.pk).level_due_at + timedelta(seconds=1))
    return auto, manual, sibling


def rows(response):
    assert response.status_code == 200, response.json()
    return [(row["tracking_number"], row["kind"]) for row in response.json()["results"]]


def test_the_escalation_audit(api, people, ladder):
    auto, manual, sibling = ladder
    director = api(people.township_director)
    assert set(rows(director.get(AUDIT))) == {
        (auto.tracking_number, "escalate"),
        (manual.tracking_number, "escalate"),
        (manual.tracking_number, "supervise"),
    }
    assert rows(director.get(AUDIT, {"kind": "supervise"})) == [
        (manual.tracking_number, "supervise")
    ]
    assert rows(director.get(AUDIT, {"mode": "auto"})) == [(auto.tracking_number, "escalate")]
    row = director.get(AUDIT, {"mode": "manual", "kind": "escalate"}).json()["results"][0]
    assert row["actor"] == "张三" and row["reason"] == "上报街道"
    assert row["from_level"] == "village" and row["to_level"] == "township"
    assert row["kind_display"] == "上报" and row["mode_display"] == "人工"
    auditor = api(people.county_auditor)
    assert len(rows(auditor.get(AUDIT))) == 4
    assert director.get(AUDIT, {"kind": "bogus"}).status_code == 400


@pytest.mark.parametrize(
    "who", ["village_mediator", "township_staff", "township_mediator", "grid_worker"]
)
def test_the_audit_is_for_auditors_and_directors(api, people, who):
    response = api(getattr(people, who)).get(AUDIT)
    assert response.status_code == 403
    assert response.json()["detail"].startswith("审计页面仅向督查、中心主任和管理员开放")


def test_a_role_that_may_audit_elsewhere_only(api, member, center_tree, ladder):
    auto, _manual, sibling = ladder
    director = member(center_tree.sibling_township, Role.DIRECTOR, username="s_director")
    assert rows(api(director).get(AUDIT)) == [(sibling.tracking_number, "escalate")]
