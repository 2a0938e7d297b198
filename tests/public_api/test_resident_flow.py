"""The resident's side of a case, end to end: filed online, worked by staff through the
services, followed in the public timeline, rated 不满意 (reopened), closed again, rated 满意.
And what a resident must never see: anyone's full phone or ID number, the other party, staff."""

import re
from datetime import date

import pytest

from disputes import services
from disputes.choices import FollowUpStatus, PartySide, Status
from disputes.models import Dispute, FollowUp
from disputes.services import PartyData

from .conftest import (
    APPLICANT_NAME,
    APPLICANT_PHONE,
    RESPONDENT_NAME,
    rating_url,
    staff_names,
    status_url,
)

pytestmark = pytest.mark.django_db

MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
RESPONDENT_ID = "420602198503152541"


class Resident:
    """The resident with their receipt, and every answer the public API gave them."""

    def __init__(self, api, receipt):
        self.api = api
        self.number = receipt["tracking_number"]
        self.code = receipt["access_code"]
        self.answers = [receipt]
        self.raw = []

    def look(self) -> dict:
        response = self.api.get(status_url(self.number), HTTP_X_ACCESS_CODE=self.code)
        assert response.status_code == 200, response.content.decode()
        self.raw.append(response.content.decode())
        self.answers.append(response.json())
        return response.json()

    def rate(self, rating, comment=""):
        response = self.api.post(
            rating_url(self.number),
            {"rating": rating, "comment": comment},
            format="json",
            HTTP_X_ACCESS_CODE=self.code,
        )
        self.raw.append(response.content.decode())
        return response

    def steps(self) -> list[str]:
        return [step["step"] for step in self.look()["steps"]]


def assert_no_personal_data(texts, *, forbidden):
    for text in texts:
        assert not MOBILE.search(text), text
        assert not ID_NUMBER.search(text), text
        for value in forbidden:
            assert value not in text, (value, text)


def test_the_resident_follows_their_case_from_filing_to_rating(
    api, file_online, staff, center_tree
):
    t, s = center_tree, staff
    resident = Resident(api, file_online())
    case = Dispute.objects.get(tracking_number=resident.number)
    pk = case.pk

    view = resident.look()
    assert (view["status"], view["status_label"]) == ("registered", "已登记")
    assert (view["level"], view["center"]) == ("village", t.village.name)
    assert view["applicants"] == ["李**"] and view["rating_open"] is False
    assert view["level_due_at"] is not None and view["closed_at"] is None
    assert [step["step"] for step in view["steps"]] == ["received"]

    services.dispute_accept(dispute_id=pk, actor=s.village_mediator)
    assert resident.steps() == ["received", "accepted"]

    services.dispute_escalate(
        dispute_id=pk,
        actor=s.village_staff,
        reason=f"被申请人{RESPONDENT_NAME}（电话13807105678）拒绝协商，村级难以化解",
    )
    view = resident.look()
    escalated = view["steps"][-1]
    assert escalated["step"] == "escalated" and escalated["label"] == "已上报上级中心"
    assert (escalated["level"], escalated["center"]) == ("township", t.township.name)
    assert (view["level"], view["level_label"], view["center"]) == (
        "township",
        "乡级",
        t.township.name,
    )

    services.dispute_dispatch(
        dispute_id=pk,
        actor=s.township_staff,
        center=t.village,
        note=f"请{s.village_mediator.last_name}{s.village_mediator.first_name}跟进",
    )
    dispatched = resident.look()["steps"][-1]
    assert (dispatched["step"], dispatched["center"]) == ("dispatched", t.village.name)

    services.dispute_sign(dispute_id=pk, actor=s.village_mediator)
    services.dispute_start_mediation(dispute_id=pk, actor=s.village_mediator)
    services.dispute_record_session(
        dispute_id=pk,
        actor=s.village_mediator,
        held_at=case.created_at,
        mediators=[s.village_mediator],
        notes=f"双方到场，{RESPONDENT_NAME}同意修排水沟",
    )
    assert resident.look()["status"] == Status.IN_MEDIATION
    services.dispute_agree(
        dispute_id=pk,
        actor=s.village_mediator,
        content=f"{RESPONDENT_NAME}于一周内修好排水沟",
        signed_on=date.today(),
    )
    services.dispute_close(dispute_id=pk, actor=s.village_mediator, note="已履行")
    view = resident.look()
    assert view["status"] == Status.CLOSED and view["closed_at"] is not None
    assert view["level_due_at"] is None and view["rating_open"] is False
    assert [step["step"] for step in view["steps"]] == [
        "received",
        "accepted",
        "escalated",
        "dispatched",
        "signed",
        "mediation_started",
        "agreement_reached",
        "closed",
    ]
    # Rating before the follow-up has started: refused with a clear message.
    too_early = resident.rate("satisfied")
    assert too_early.status_code == 409
    assert too_early.json() == {"detail": "目前不能评价：案件办结后进入回访时才能评价。"}

    services.dispute_start_follow_up(dispute_id=pk, actor=s.village_director)
    view = resident.look()
    assert view["status"] == Status.FOLLOW_UP and view["rating_open"] is True
    assert view["rating_due_on"] == FollowUp.objects.get(dispute=case).due_on.isoformat()
    assert view["steps"][-1]["step"] == "follow_up"

    # 不满意: the case is reopened (重办) and the resident sees it.
    unsatisfied = resident.rate("unsatisfied", "水沟没修好")
    assert unsatisfied.status_code == 200, unsatisfied.content.decode()
    view = unsatisfied.json()
    assert (view["status"], view["status_label"]) == ("accepted", "已受理")
    assert view["rating_open"] is False and view["level_due_at"] is not None
    rated, reopened = view["steps"][-2:]
    assert (rated["step"], rated["rating"], rated["rating_label"]) == (
        "rated",
        "unsatisfied",
        "不满意",
    )
    assert reopened["step"] == "reopened"
    follow_up = FollowUp.objects.get(dispute=case, cycle=0)
    assert (follow_up.status, follow_up.rating, follow_up.answered_by) == (
        FollowUpStatus.ANSWERED,
        "unsatisfied",
        None,
    )
    assert follow_up.comment == "水沟没修好"
    case.refresh_from_db()
    assert case.reopen_count == 1
    # The answered follow-up cannot be rated again.
    assert resident.rate("satisfied").status_code == 409

    # Worked again, closed again, a second follow-up (二次回访).
    services.dispute_start_mediation(dispute_id=pk, actor=s.village_mediator)
    services.dispute_agree(
        dispute_id=pk, actor=s.village_mediator, content="重新修沟", signed_on=date.today()
    )
    services.dispute_close(dispute_id=pk, actor=s.village_mediator)
    services.dispute_start_follow_up(dispute_id=pk, actor=None)
    assert resident.look()["rating_open"] is True

    satisfied = resident.rate("satisfied", "这次修好了")
    assert satisfied.status_code == 200
    view = satisfied.json()
    assert (view["status"], view["rating_open"]) == ("satisfied", False)
    assert [step["step"] for step in view["steps"]] == [
        "received",
        "accepted",
        "escalated",
        "dispatched",
        "signed",
        "mediation_started",
        "agreement_reached",
        "closed",
        "follow_up",
        "rated",
        "reopened",
        "mediation_started",
        "agreement_reached",
        "closed",
        "follow_up",
        "rated",
    ]
    assert view["steps"][-1]["rating_label"] == "满意"
    assert FollowUp.objects.get(dispute=case, cycle=1).answered_by is None
    # Every step has a time, in order.
    times = [step["at"] for step in view["steps"]]
    assert times == sorted(times)

    # Nothing personal in anything the resident was told, but their masked name.
    assert_no_personal_data(
        resident.raw,
        forbidden=[APPLICANT_NAME, APPLICANT_PHONE, RESPONDENT_NAME, *staff_names(s)],
    )


def test_a_walk_in_case_shows_no_party_or_staff_to_its_resident(api, register, staff, center_tree):
    """A case registered at the desk with both parties' full details, worked by named staff:
    its public view holds none of it (only the applicant's masked name)."""
    result = register(
        actor=staff.village_mediator,
        parties=[
            PartyData(
                side=PartySide.APPLICANT,
                name="李秀兰",
                phone="13907101234",
                id_number="420602198503152541",
                address="襄城区檀溪路12号",
            ),
            PartyData(
                side=PartySide.RESPONDENT,
                name=RESPONDENT_NAME,
                phone="13807105678",
                id_number="420602198001010033",
                address="襄城区檀溪路14号",
            ),
        ],
    )
    pk = result.dispute.pk
    services.dispute_accept(dispute_id=pk, actor=staff.village_mediator)
    services.dispute_assign(
        dispute_id=pk, actor=staff.village_staff, mediator=staff.village_mediator
    )
    services.dispute_start_mediation(dispute_id=pk, actor=staff.village_mediator)
    services.dispute_fail(
        dispute_id=pk,
        actor=staff.village_mediator,
        routes=f"{RESPONDENT_NAME}不同意，已告知可向法院起诉",
    )
    resident = Resident(
        api, {"tracking_number": result.dispute.tracking_number, "access_code": result.access_code}
    )
    view = resident.look()
    assert view["applicants"] == ["李**"]
    assert [step["step"] for step in view["steps"]] == [
        "received",
        "accepted",
        "mediation_started",
        "mediation_failed",
    ]
    rating = resident.rate("satisfied")
    assert rating.status_code == 409
    assert_no_personal_data(
        resident.raw,
        forbidden=[
            "李秀兰",
            RESPONDENT_NAME,
            "檀溪路12号",
            "檀溪路14号",
            "法院起诉",
            *staff_names(staff),
        ],
    )


def test_an_invalid_rating_is_a_400_with_field_messages(api, file_online):
    receipt = file_online()
    response = api.post(
        rating_url(receipt["tracking_number"]),
        {"rating": "excellent"},
        format="json",
        HTTP_X_ACCESS_CODE=receipt["access_code"],
    )
    assert response.status_code == 400
    assert list(response.json()) == ["rating"]


def test_the_code_may_come_in_the_rating_body(api, file_online, staff):
    receipt = file_online()
    pk = Dispute.objects.get(tracking_number=receipt["tracking_number"]).pk
    for step in (
        lambda: services.dispute_accept(dispute_id=pk, actor=staff.village_mediator),
        lambda: services.dispute_start_mediation(dispute_id=pk, actor=staff.village_mediator),
        lambda: services.dispute_agree(
            dispute_id=pk, actor=staff.village_mediator, content="和解", signed_on=date.today()
        ),
        lambda: services.dispute_close(dispute_id=pk, actor=staff.village_mediator),
        lambda: services.dispute_start_follow_up(dispute_id=pk, actor=None),
    ):
        step()
    response = api.post(
        rating_url(receipt["tracking_number"]),
        {"rating": "basically_satisfied", "access_code": receipt["access_code"]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["steps"][-1]["rating_label"] == "基本满意"
    assert response.json()["status"] == Status.SATISFIED
