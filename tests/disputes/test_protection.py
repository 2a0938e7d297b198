"""Who may see what beyond the subtree rule: confidential cases (保密) seen only by their
handlers and the directors above, a reporter's identity (举报人) hidden from the units a
report is sent to, a lost access code reissued, and the deadline values every event records."""

import re

import pytest
from django.urls import reverse

from centers.choices import Role
from disputes.access_codes import access_code_matches
from disputes.choices import Action, PartySide, RequestType, Status
from disputes.models import CaseEvent, Dispute
from disputes.selectors import (
    dispute_queryset,
    repeat_cases,
    reporter_identity_visible,
    verify_event_chain,
)
from disputes.services import (
    DisputePermissionError,
    DisputeTransitionError,
    dispute_accept,
    dispute_dispatch,
    dispute_escalate,
    dispute_reissue_access_code,
    dispute_sign,
    party_reveal,
)
from tests.disputes.conftest import APPLICANT, RESPONDENT

pytestmark = pytest.mark.django_db

ACCESS_CODE = re.compile(r'data-testid="access-code">([0-9A-Z]{8})<')


def visible(user):
    return set(dispute_queryset(user=user).values_list("tracking_number", flat=True))


def detail(client, user, case):
    client.force_login(user)
    return client.get(reverse("disputes:detail", args=[case.tracking_number]))


# --- Confidential cases -------------------------------------------------------------------


def test_confidential_case_is_seen_by_handlers_and_directors_only(
    center_tree, people, member, register
):
    secret = register(is_confidential=True).dispute
    ordinary = register().dispute
    second_village_mediator = member(center_tree.village, Role.MEDIATOR)
    city_director = member(center_tree.city, Role.DIRECTOR)
    county_staff = people.county_staff

    for user in (people.village_mediator, second_village_mediator, people.township_director):
        assert secret.tracking_number in visible(user), user.username
    assert secret.tracking_number in visible(city_director)
    # In scope by subtree, but neither handling it nor directing: the case is not there.
    for user in (people.township_staff, people.township_mediator, county_staff):
        assert visible(user) == {ordinary.tracking_number}, user.username
    assert secret.tracking_number not in visible(people.county_auditor)


def test_confidential_case_follows_the_case_up_and_remembers_who_acted(
    client, center_tree, people, member, register
):
    village_staff = member(center_tree.village, Role.STAFF)
    secret = register(is_confidential=True).dispute
    assert detail(client, people.township_staff, secret).status_code == 404

    dispute_escalate(dispute_id=secret.pk, actor=village_staff, reason="村级无法化解")
    # Now held by the township: its handling roles see it, the county's still do not.
    assert detail(client, people.township_staff, secret).status_code == 200
    assert detail(client, people.county_staff, secret).status_code == 404
    # The village staff who escalated it acted on it: still among its handlers.
    assert secret.tracking_number in visible(village_staff)


def test_confidential_case_is_missing_from_inbox_and_repeat_warnings(client, people, register):
    secret = register(is_confidential=True).dispute
    client.force_login(people.township_staff)
    response = client.get(reverse("disputes:inbox"), {"q": secret.tracking_number})
    assert list(response.context["page"].object_list) == []
    assert not repeat_cases(user=people.township_staff, phones=[APPLICANT.phone]).exists()
    assert repeat_cases(user=people.village_mediator, phones=[APPLICANT.phone]).exists()


# --- Reports (举报): the reporter's identity ------------------------------------------------


@pytest.fixture
def report(center_tree, people, register):
    """A report taken in at the township and dispatched down to the village it concerns."""
    case = register(
        actor=people.township_staff,
        receiving_center=center_tree.township,
        request_type=RequestType.REPORT,
        summary="举报村内违规占用集体土地",
    ).dispute
    dispute_accept(dispute_id=case.pk, actor=people.township_staff)
    dispute_dispatch(dispute_id=case.pk, actor=people.township_staff, center=center_tree.village)
    dispute_sign(dispute_id=case.pk, actor=people.village_mediator)
    return Dispute.objects.get(pk=case.pk)


def test_reporter_identity_is_known_at_the_receiving_center_and_above(report, people):
    assert reporter_identity_visible(report, people.township_staff)
    assert reporter_identity_visible(report, people.county_staff)
    assert not reporter_identity_visible(report, people.village_mediator)


def test_the_unit_reported_to_sees_the_case_but_not_the_reporter(client, report, people):
    response = detail(client, people.village_mediator, report)
    assert response.status_code == 200
    page = response.content.decode()
    assert "举报人（信息保密）" in page
    assert APPLICANT.name not in page and APPLICANT.phone[-4:] not in page
    assert APPLICANT.id_number[-4:] not in page
    assert RESPONDENT.name in page  # the other side is not protected
    receipt = client.get(reverse("disputes:receipt", args=[report.tracking_number]))
    assert APPLICANT.name not in receipt.content.decode()

    own = detail(client, people.township_staff, report).content.decode()
    assert APPLICANT.name in own


def test_inbox_hides_and_does_not_search_by_the_reporter(client, report, people):
    client.force_login(people.village_mediator)
    page = client.get(reverse("disputes:inbox")).content.decode()
    assert report.tracking_number in page
    assert "举报人信息保密" in page and APPLICANT.name[0] + "*" not in page
    found = client.get(reverse("disputes:inbox"), {"q": APPLICANT.name}).content.decode()
    assert report.tracking_number not in found
    by_respondent = client.get(reverse("disputes:inbox"), {"q": RESPONDENT.name})
    assert report.tracking_number in by_respondent.content.decode()
    assert not repeat_cases(user=people.village_mediator, phones=[APPLICANT.phone]).exists()

    client.force_login(people.township_staff)
    found = client.get(reverse("disputes:inbox"), {"q": APPLICANT.name}).content.decode()
    assert report.tracking_number in found


def test_reporter_details_cannot_be_revealed_from_the_reported_side(report, people):
    applicant = report.parties.get(side=PartySide.APPLICANT)
    respondent = report.parties.get(side=PartySide.RESPONDENT)
    events = report.events.count()
    with pytest.raises(DisputePermissionError):
        party_reveal(
            party_id=applicant.pk, actor=people.village_mediator, field="phone", reason="联系"
        )
    assert report.events.count() == events  # a refused reveal leaves no trace of a value
    assert (
        party_reveal(
            party_id=respondent.pk, actor=people.village_mediator, field="phone", reason="约谈"
        )
        == RESPONDENT.phone
    )
    assert (
        party_reveal(
            party_id=applicant.pk, actor=people.township_staff, field="phone", reason="回复"
        )
        == APPLICANT.phone
    )


def test_an_ordinary_complaint_shows_the_applicant_to_the_unit_it_was_sent_to(
    center_tree, people, register
):
    case = register(actor=people.township_staff, receiving_center=center_tree.township).dispute
    dispute_accept(dispute_id=case.pk, actor=people.township_staff)
    dispute_dispatch(dispute_id=case.pk, actor=people.township_staff, center=center_tree.village)
    assert reporter_identity_visible(Dispute.objects.get(pk=case.pk), people.village_mediator)


# --- Reissuing the access code --------------------------------------------------------------


def test_reissued_access_code_replaces_the_old_one(register, people):
    result = register()
    case = result.dispute
    new_code = dispute_reissue_access_code(
        dispute_id=case.pk, actor=people.village_mediator, reason="申请人持身份证到场核实"
    )
    case.refresh_from_db()
    assert new_code != result.access_code
    assert access_code_matches(new_code, case.access_code_hash)
    assert not access_code_matches(result.access_code, case.access_code_hash)
    assert case.version == result.dispute.version  # colleagues' forms stay valid
    event = case.events.order_by("-seq").first()
    assert event.action == Action.REISSUE_ACCESS_CODE
    assert event.reason == "申请人持身份证到场核实"
    assert new_code not in str(event.data)
    assert verify_event_chain(case).ok


def test_reissue_needs_a_reason_and_a_handling_role(register, people):
    case = register().dispute
    with pytest.raises(DisputeTransitionError):
        dispute_reissue_access_code(dispute_id=case.pk, actor=people.village_mediator, reason=" ")
    with pytest.raises(DisputePermissionError):
        dispute_reissue_access_code(dispute_id=case.pk, actor=people.county_auditor, reason="核实")
    case.refresh_from_db()
    assert case.access_code_hash == Dispute.objects.get(pk=case.pk).access_code_hash
    assert not case.events.filter(action=Action.REISSUE_ACCESS_CODE).exists()


def test_reissue_through_the_receipt_page_shows_the_new_code_once(client, register, people):
    result = register()
    case = result.dispute
    url = reverse("disputes:receipt", args=[case.tracking_number])
    client.force_login(people.village_mediator)
    page = client.get(url).content.decode()
    assert 'data-testid="reissue-form"' in page

    response = client.post(
        reverse("disputes:reissue_access_code", args=[case.tracking_number]), {"reason": ""}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert access_code_matches(result.access_code, case.access_code_hash)  # nothing changed

    response = client.post(
        reverse("disputes:reissue_access_code", args=[case.tracking_number]),
        {"reason": "本人到场核实"},
        follow=True,
    )
    code = ACCESS_CODE.search(response.content.decode()).group(1)
    case.refresh_from_db()
    assert access_code_matches(code, case.access_code_hash)
    assert not ACCESS_CODE.search(client.get(url).content.decode())


def test_reissue_is_refused_out_of_scope_and_hidden_from_auditors(client, register, people):
    case = register().dispute
    url = reverse("disputes:reissue_access_code", args=[case.tracking_number])
    client.force_login(people.sibling_staff)
    assert client.post(url, {"reason": "核实"}).status_code == 404
    client.force_login(people.county_auditor)
    receipt = client.get(reverse("disputes:receipt", args=[case.tracking_number]))
    assert 'data-testid="reissue-form"' not in receipt.content.decode()
    client.post(url, {"reason": "核实"})
    assert not case.events.filter(action=Action.REISSUE_ACCESS_CODE).exists()


# --- Deadline values in every event ---------------------------------------------------------


def test_every_event_records_the_deadline_values_in_force(center_tree, people, register):
    case = register().dispute
    dispute_accept(dispute_id=case.pk, actor=people.village_mediator)
    village_staff_escalates = people.township_director  # a director above may escalate
    dispute_escalate(dispute_id=case.pk, actor=village_staff_escalates, reason="需镇级协调")
    case.refresh_from_db()
    events = list(CaseEvent.objects.filter(dispute=case).order_by("seq"))
    assert [e.to_status for e in events] == [Status.REGISTERED, Status.ACCEPTED, Status.ACCEPTED]
    for event in events:
        for key in ("level", "level_entered_at", "level_deadline", "level_workdays"):
            assert key in event.data, (event.action, key)
        assert event.data["workdays_used"] >= 0
    assert events[1].data["level"] == "village" and events[1].data["level_workdays"] == 15
    assert events[2].data["level"] == "township" and events[2].data["level_workdays"] == 30
    assert events[2].data["level_deadline"] == case.level_deadline.isoformat()


def test_services_refuse_a_person_who_cannot_see_the_case(register, people):
    """Roles alone are not enough: a confidential case is out of reach of staff above who
    neither handle nor direct it, whichever way the service is called."""
    secret = register(is_confidential=True).dispute
    with pytest.raises(DisputePermissionError):
        dispute_accept(dispute_id=secret.pk, actor=people.county_staff)
    applicant = secret.parties.get(side=PartySide.APPLICANT)
    with pytest.raises(DisputePermissionError):
        party_reveal(party_id=applicant.pk, actor=people.county_staff, field="phone", reason="查")
    assert Dispute.objects.get(pk=secret.pk).status == Status.REGISTERED
    dispute_accept(dispute_id=secret.pk, actor=people.township_director)  # directs above


def test_the_reported_side_gets_no_reporter_in_print_or_repeat_warnings(
    client, report, people, register, center_tree
):
    from datetime import date

    from disputes.services import dispute_agree, dispute_start_mediation

    # The same reporter's earlier case, received at the village itself.
    register(summary="另一件事")
    dispute_start_mediation(dispute_id=report.pk, actor=people.village_mediator)
    dispute_agree(
        dispute_id=report.pk, actor=people.village_mediator, content="拆除", signed_on=date.today()
    )
    client.force_login(people.village_mediator)
    page = client.get(reverse("disputes:detail", args=[report.tracking_number]))
    assert page.context["repeats"].count == 0
    printed = client.get(reverse("disputes:agreement", args=[report.tracking_number]))
    assert printed.status_code == 200
    html = printed.content.decode()
    assert APPLICANT.name not in html and APPLICANT.id_number not in html
    assert RESPONDENT.name in html

    client.force_login(people.township_staff)
    page = client.get(reverse("disputes:detail", args=[report.tracking_number]))
    assert page.context["repeats"].count == 1
