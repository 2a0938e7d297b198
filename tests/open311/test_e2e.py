"""End to end: a hotline files a request, the centers work the case through the same
services as the staff pages, and the hotline sees it open, then closed, then open again when
the resident is not satisfied."""

import pytest
from django.utils import timezone

from centers.choices import Role
from disputes import services
from disputes.choices import Channel, Satisfaction
from disputes.models import CaseEvent, Dispute
from open311.models import Submission

from .conftest import url

pytestmark = pytest.mark.django_db


def test_post_then_work_the_case_then_get(client, hotline, submit, center_tree, member):
    county_staff = member(center_tree.county, Role.STAFF, username="e2e_county")
    township_mediator = member(center_tree.township, Role.MEDIATOR, username="e2e_township")

    response = submit(account_id="hotline-778", device_id="seat-12", lat="32.01", long="112.12")
    assert response.status_code == 201
    number = response.json()[0]["service_request_id"]
    dispute = Dispute.objects.get(tracking_number=number)
    assert dispute.channel == Channel.HOTLINE_12345
    assert dispute.receiving_center == center_tree.county
    assert dispute.village == center_tree.village
    assert dispute.created_by is None
    event = CaseEvent.objects.get(dispute=dispute)
    assert event.actor is None and event.action == "disputes.case.registered"
    submission = Submission.objects.get(dispute=dispute)
    assert submission.client == hotline.client
    assert (submission.account_id, submission.device_id) == ("hotline-778", "seat-12")
    assert (submission.lat, submission.long) == (32.01, 112.12)

    def get():
        [item] = client.get(
            url("request", service_request_id=number), {"api_key": hotline.key}
        ).json()
        [listed] = client.get(
            url("requests"), {"api_key": hotline.key, "service_request_id": number}
        ).json()
        assert listed == item
        return item

    seen = [get()]
    assert (seen[-1]["status"], seen[-1]["status_notes"]) == ("open", "已登记（县级）")
    assert seen[-1]["agency_responsible"] == "襄城区"

    services.dispute_accept(dispute_id=dispute.pk, actor=county_staff)
    services.dispute_assign_down(
        dispute_id=dispute.pk, actor=county_staff, center=center_tree.township
    )
    seen.append(get())
    assert (seen[-1]["status"], seen[-1]["status_notes"]) == ("open", "已派单（乡级）")
    assert seen[-1]["agency_responsible"] == "真武山街道"

    services.dispute_sign(dispute_id=dispute.pk, actor=township_mediator)
    services.dispute_start_mediation(dispute_id=dispute.pk, actor=township_mediator)
    seen.append(get())
    assert (seen[-1]["status"], seen[-1]["status_notes"]) == ("open", "调解中（乡级）")
    assert seen[-1]["expected_datetime"] is not None

    services.dispute_agree(
        dispute_id=dispute.pk,
        actor=township_mediator,
        content="邻居改建排水沟，费用各半。",
        signed_on=timezone.localdate(),
    )
    services.dispute_close(dispute_id=dispute.pk, actor=township_mediator)
    seen.append(get())
    dispute.refresh_from_db()
    assert (seen[-1]["status"], seen[-1]["status_notes"]) == ("closed", "已结案（乡级）")
    assert seen[-1]["updated_datetime"] == timezone.localtime(dispute.closed_at).isoformat(
        timespec="seconds"
    )
    assert seen[-1]["expected_datetime"] is None

    services.dispute_start_follow_up(dispute_id=dispute.pk, actor=None)
    seen.append(get())
    assert (seen[-1]["status"], seen[-1]["status_notes"]) == ("closed", "回访中（乡级）")

    # The resident is not satisfied: 重办, open again.
    services.follow_up_record(
        dispute_id=dispute.pk, actor=None, rating=Satisfaction.UNSATISFIED, comment="没修好"
    )
    seen.append(get())
    assert seen[-1]["status"] == "open"
    assert seen[-1]["status_notes"].startswith("已受理（")

    assert [item["status"] for item in seen] == [
        "open",
        "open",
        "open",
        "closed",
        "closed",
        "open",
    ]
    assert len({item["status_notes"] for item in seen}) == len(seen)
