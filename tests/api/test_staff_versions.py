"""Every action takes the version of the case the caller read (If-Match, or a `version`
field): a stale one is refused with 409 (412 for If-Match) and the case changes once."""

import threading

import pytest
from django.db import connection, connections
from django.urls import reverse
from rest_framework.test import APIClient

from disputes.choices import Status
from disputes.models import CaseEvent, Dispute
from disputes.selectors import verify_event_chain
from disputes.services import dispute_accept
from tests.api.conftest import case_url

STALE = "该案件刚被他人更新（当前状态：已受理），请刷新页面后再操作。"


def state(case):
    fresh = Dispute.objects.get(pk=case.pk)
    return fresh.status, fresh.version, CaseEvent.objects.filter(dispute=case).count()


@pytest.mark.django_db
def test_a_stale_version_is_409_and_changes_nothing(api, register, people):
    case = register()
    mediator = api(people.village_mediator)
    first = mediator.post(case_url(case, "accept"), {"version": 1}, format="json")
    assert first.status_code == 200 and first.json()["version"] == 2
    before = state(case)

    # The same form sent again (a double click, or a colleague's older view).
    again = mediator.post(case_url(case, "accept"), {"version": 1}, format="json")
    assert again.status_code == 409
    assert again.json() == {"detail": STALE, "current_version": 2}
    stale = mediator.post(case_url(case, "start-mediation"), {"version": 1}, format="json")
    assert stale.status_code == 409
    assert state(case) == before == (Status.ACCEPTED, 2, 2)
    assert verify_event_chain(Dispute.objects.get(pk=case.pk)).ok


@pytest.mark.django_db
def test_if_match(api, register, people):
    case = register()
    client = api(people.village_mediator)
    etag = client.get(case_url(case))["ETag"]
    assert etag == '"1"'
    dispute_accept(dispute_id=case.pk, actor=people.township_staff)  # someone else, meanwhile

    refused = client.post(case_url(case, "start-mediation"), headers={"If-Match": etag})
    assert refused.status_code == 412
    assert refused.json() == {"detail": STALE, "current_version": 2}
    assert state(case) == (Status.ACCEPTED, 2, 2)

    for header in ('"1", "2"', "abc", '"v2"'):
        malformed = client.post(case_url(case, "start-mediation"), headers={"If-Match": header})
        assert malformed.status_code == 412, header
        assert malformed.json()["current_version"] == 2
    assert state(case) == (Status.ACCEPTED, 2, 2)

    fresh = client.get(case_url(case))["ETag"]
    weak = client.post(case_url(case, "start-mediation"), headers={"If-Match": f"W/{fresh}"})
    assert weak.status_code == 200 and weak["ETag"] == '"3"'
    assert state(case) == (Status.IN_MEDIATION, 3, 3)


@pytest.mark.django_db
def test_a_version_is_required_and_must_agree_with_if_match(api, register, people):
    case = register()
    client = api(people.village_mediator)
    missing = client.post(case_url(case, "accept"), {}, format="json")
    assert missing.status_code == 400
    assert missing.json() == {"version": ["请提供案件版本：If-Match 请求头或 version 字段。"]}
    star = client.post(case_url(case, "accept"), {}, format="json", headers={"If-Match": "*"})
    assert star.status_code == 400
    both = client.post(
        case_url(case, "accept"), {"version": 2}, format="json", headers={"If-Match": '"1"'}
    )
    assert both.status_code == 400 and set(both.json()) == {"version"}
    bad = client.post(case_url(case, "accept"), {"version": 0}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"version"}
    assert state(case) == (Status.REGISTERED, 1, 1)
    agreeing = client.post(
        case_url(case, "accept"), {"version": 1}, format="json", headers={"If-Match": '"1"'}
    )
    assert agreeing.status_code == 200


@pytest.mark.django_db
def test_side_steps_check_a_version_only_when_given(api, register, people):
    case = register()
    dispute_accept(dispute_id=case.pk, actor=people.village_mediator)
    party = case.parties.order_by("pk").first()
    url = reverse(
        "case-party-reveal", kwargs={"tracking_number": case.tracking_number, "party_id": party.pk}
    )
    client = api(people.village_mediator)
    body = {"field": "phone", "reason": "联系申请人"}
    assert client.post(url, body, format="json").status_code == 200
    stale = client.post(url, {**body, "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert client.post(url, {**body, "version": 2}, format="json").status_code == 200
    # Revealing leaves the case's version alone (colleagues' views stay valid).
    assert Dispute.objects.get(pk=case.pk).version == 2


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are a PostgreSQL matter here"
)
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_requests_with_one_version_change_the_case_once(register, people):
    case = register()
    barrier = threading.Barrier(2)
    statuses = []

    def post(user, action, body):
        client = APIClient()
        client.force_login(user)
        try:
            barrier.wait(timeout=10)
            response = client.post(case_url(case, action), body, format="json")
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=post, args=(people.village_mediator, "accept", {"version": 1})),
        threading.Thread(
            target=post,
            args=(people.township_staff, "not-accept", {"version": 1, "reason": "属仲裁范围"}),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(statuses) == [200, 409], statuses
    final = Dispute.objects.get(pk=case.pk)
    assert final.version == 2
    assert final.status in {Status.ACCEPTED, Status.NOT_ACCEPTED}
    assert CaseEvent.objects.filter(dispute=case).count() == 2
    assert verify_event_chain(final).ok
