import itertools
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from centers.choices import CenterLevel, Role
from disputes.access_codes import access_code_matches
from disputes.choices import ALLOWED_TRANSITIONS, Action, PartySide, RiskLevel, Status
from disputes.deadlines import level_deadline
from disputes.models import CaseEvent, Dispute
from disputes.selectors import verify_event_chain
from disputes.services import (
    DisputeConflictError,
    DisputePermissionError,
    DisputeTransitionError,
    PartyData,
    allowed_actions,
    dispute_accept,
    dispute_agree,
    dispute_archive,
    dispute_assign,
    dispute_close,
    dispute_dispatch,
    dispute_escalate,
    dispute_extend,
    dispute_fail,
    dispute_rate_satisfied,
    dispute_record_session,
    dispute_reopen,
    dispute_return,
    dispute_sign,
    dispute_start_follow_up,
    dispute_start_mediation,
)
from disputes.services.transitions import transition
from tests.disputes.conftest import APPLICANT

pytestmark = pytest.mark.django_db


def statuses(dispute):
    return list(CaseEvent.objects.filter(dispute=dispute).values_list("to_status", flat=True))


def test_intake_numbers_the_case_hashes_the_access_code_and_starts_the_clock(register):
    result = register()
    case = result.dispute
    assert case.tracking_number == f"420602001008-{timezone.now().year}-00001"
    assert register().dispute.tracking_number.endswith("-00002")
    assert len(result.access_code) == 8
    assert result.access_code not in case.access_code_hash
    assert access_code_matches(result.access_code, case.access_code_hash)
    assert case.status == Status.REGISTERED
    assert case.level == CenterLevel.VILLAGE
    assert case.level_deadline == level_deadline(
        CenterLevel.VILLAGE, timezone.localtime(case.level_entered_at)
    )
    event = case.events.get()
    assert (event.seq, event.action, event.to_status) == (1, Action.REGISTER, Status.REGISTERED)
    assert event.data["level_deadline"] == case.level_deadline.isoformat()
    assert verify_event_chain(case).ok


def test_major_risk_goes_straight_to_county(register, center_tree):
    case = register(risk_level=RiskLevel.MAJOR).dispute
    assert case.receiving_center == center_tree.village
    assert case.current_center == center_tree.county
    assert case.level == CenterLevel.COUNTY
    assert case.events.get().data["straight_to_county"] is True


def test_full_lifecycle_in_order(register, people):
    case = register().dispute
    staff, mediator = people.township_staff, people.village_mediator
    dispute_accept(dispute_id=case.pk, actor=mediator)
    dispute_assign(dispute_id=case.pk, actor=staff, mediator=mediator)
    dispute_start_mediation(dispute_id=case.pk, actor=mediator)
    session = dispute_record_session(
        dispute_id=case.pk,
        actor=mediator,
        held_at=timezone.now(),
        mediators=[mediator],
        notes="双方同意由被申请人修建排水沟。",
    )
    dispute_agree(
        dispute_id=case.pk,
        actor=mediator,
        content="被申请人十日内修建排水沟。",
        signed_on=date.today(),
    )
    dispute_close(dispute_id=case.pk, actor=mediator)
    dispute_start_follow_up(dispute_id=case.pk, actor=None)
    dispute_rate_satisfied(dispute_id=case.pk, actor=None, comment="满意")
    final = dispute_archive(dispute_id=case.pk, actor=staff)

    assert final.status == Status.ARCHIVED
    assert session.mediators.get() == mediator
    assert final.agreement.content.startswith("被申请人")
    assert statuses(final) == [
        Status.REGISTERED,
        Status.ACCEPTED,
        Status.ASSIGNED,
        Status.IN_MEDIATION,
        Status.IN_MEDIATION,
        Status.AGREED,
        Status.CLOSED,
        Status.FOLLOW_UP,
        Status.SATISFIED,
        Status.ARCHIVED,
    ]
    check = verify_event_chain(final)
    assert check.ok and check.events == 10
    assert final.version == 10


# Every (action, status) pair: allowed exactly when the table says so.
PAIRS = list(itertools.product(ALLOWED_TRANSITIONS, Status))


@pytest.mark.parametrize(("action", "status"), PAIRS, ids=lambda v: str(v).split(".")[-1])
def test_transition_table_is_enforced(register, people, action, status):
    case = register().dispute
    Dispute.objects.filter(pk=case.pk).update(status=status)
    # A director may take every step but the system's own (the deadline watch).
    director = (
        people.township_director if Role.DIRECTOR in ALLOWED_TRANSITIONS[action].roles else None
    )
    allowed = status in ALLOWED_TRANSITIONS[action].sources
    if allowed:
        updated = transition(case.pk, action, actor=director, reason="理由")
        target = ALLOWED_TRANSITIONS[action].target
        assert updated.status == (target or status)
        assert case.events.order_by("-seq").first().action == action
    else:
        with pytest.raises(DisputeTransitionError):
            transition(case.pk, action, actor=director, reason="理由")
        assert case.events.count() == 1
        assert Dispute.objects.get(pk=case.pk).status == status


def test_roles_auditors_read_only_and_outsiders_cannot_act(register, people):
    case = register().dispute
    for outsider in (people.county_auditor, people.sibling_staff):
        with pytest.raises(DisputePermissionError):
            dispute_accept(dispute_id=case.pk, actor=outsider)
    assert allowed_actions(case, people.county_auditor) == []
    dispute_accept(dispute_id=case.pk, actor=people.county_staff)  # the upper level may act
    with pytest.raises(DisputePermissionError):  # a mediator cannot dispatch
        transition(case.pk, Action.DISPATCH, actor=people.village_mediator)
    with pytest.raises(DisputePermissionError):  # only a director approves an extension
        dispute_extend(dispute_id=case.pk, actor=people.township_staff, workdays=5, reason="复杂")
    extended = dispute_extend(
        dispute_id=case.pk, actor=people.township_director, workdays=5, reason="需要鉴定"
    )
    assert extended.is_extended and extended.level_deadline > case.level_deadline
    with pytest.raises(DisputeTransitionError):  # once per level
        dispute_extend(
            dispute_id=case.pk, actor=people.township_director, workdays=5, reason="再延"
        )


def test_reason_is_required_where_the_table_says(register, people):
    case = register().dispute
    with pytest.raises(DisputeTransitionError) as err:
        transition(case.pk, Action.NOT_ACCEPT, actor=people.township_staff, reason="  ")
    assert err.value.field == "reason"


def test_dispatch_sign_return_and_the_return_rules(register, people, center_tree, settings):
    settings.DISPUTE_MAX_RETURNS = 1
    result = register(receiving_center=center_tree.township, actor=people.township_staff)
    case = result.dispute
    staff = people.township_staff
    dispute_accept(dispute_id=case.pk, actor=staff)
    dispatched = dispute_dispatch(dispute_id=case.pk, actor=staff, center=center_tree.village)
    assert dispatched.current_center == center_tree.village
    assert dispatched.level == CenterLevel.VILLAGE
    returned = dispute_return(dispute_id=case.pk, actor=people.village_mediator, reason="不属本村")
    assert returned.current_center == center_tree.township and returned.return_count == 1
    dispute_dispatch(dispute_id=case.pk, actor=staff, center=center_tree.village)
    with pytest.raises(DisputeTransitionError, match="已退单"):
        dispute_return(dispute_id=case.pk, actor=people.village_mediator, reason="还是不属")
    dispute_sign(dispute_id=case.pk, actor=people.village_mediator)
    assert Dispute.objects.get(pk=case.pk).status == Status.SIGNED
    # Dispatching outside the subtree is refused.
    with pytest.raises(DisputeTransitionError):
        dispute_dispatch(dispute_id=case.pk, actor=staff, center=center_tree.sibling_village)


def test_a_designated_unit_cannot_return(register, people, center_tree):
    case = register(receiving_center=center_tree.township, actor=people.township_staff).dispute
    staff = people.township_staff
    dispute_accept(dispute_id=case.pk, actor=staff)
    dispute_dispatch(dispute_id=case.pk, actor=staff, center=center_tree.village, designated=True)
    with pytest.raises(DisputeTransitionError, match="指定"):
        dispute_return(dispute_id=case.pk, actor=people.village_mediator, reason="不属本村")


def test_escalation_climbs_one_level_with_a_fresh_deadline(register, people, center_tree):
    case = register().dispute
    dispute_accept(dispute_id=case.pk, actor=people.village_mediator)
    up = dispute_escalate(dispute_id=case.pk, actor=people.township_staff, reason="调解不成")
    assert up.current_center == center_tree.township
    assert up.level == CenterLevel.TOWNSHIP and up.escalation_count == 1
    assert up.level_deadline >= case.level_deadline
    event = up.events.order_by("-seq").first()
    assert event.data["from_level"] == CenterLevel.VILLAGE
    assert event.data["level_deadline"] == up.level_deadline.isoformat()


def test_failed_mediation_and_reopen(register, people):
    case = register().dispute
    mediator = people.village_mediator
    dispute_accept(dispute_id=case.pk, actor=mediator)
    dispute_start_mediation(dispute_id=case.pk, actor=mediator)
    dispute_fail(dispute_id=case.pk, actor=mediator, routes="告知可向人民法院起诉。")
    dispute_close(dispute_id=case.pk, actor=mediator)
    dispute_start_follow_up(dispute_id=case.pk, actor=None)
    reopened = dispute_reopen(dispute_id=case.pk, actor=None, reason="群众不满意")
    assert reopened.status == Status.ACCEPTED
    assert reopened.reopen_count == 1 and reopened.closed_at is None
    assert verify_event_chain(reopened).ok


def test_stale_form_is_refused(register, people):
    case = register().dispute
    dispute_accept(dispute_id=case.pk, actor=people.village_mediator, expected_version=1)
    with pytest.raises(DisputeConflictError):
        dispute_assign(
            dispute_id=case.pk,
            actor=people.township_staff,
            mediator=people.village_mediator,
            expected_version=1,
        )


def test_bad_parties_are_refused_with_field_messages_and_nothing_saved(register):
    bad = PartyData(
        side=PartySide.APPLICANT, name="张三", phone="12345", id_number="420602198503152548"
    )
    with pytest.raises(ValidationError) as err:
        register(parties=[bad])
    assert set(err.value.message_dict) == {"parties[0].phone", "parties[0].id_number"}
    with pytest.raises(DisputeTransitionError):
        register(parties=[PartyData(side=PartySide.RESPONDENT, name="王五")])
    assert not Dispute.objects.exists()
    assert not CaseEvent.objects.exists()


def test_events_are_append_only_in_code(register):
    case = register().dispute
    event = case.events.get()
    event.reason = "改写"
    with pytest.raises(Exception, match="append-only"):
        event.save()
    with pytest.raises(Exception, match="append-only"):
        CaseEvent.objects.filter(pk=event.pk).update(reason="改写")
    with pytest.raises(Exception, match="append-only"):
        CaseEvent.objects.filter(pk=event.pk).delete()


def test_tampering_is_found_by_the_chain_check(register, people):
    case = register().dispute
    dispute_accept(dispute_id=case.pk, actor=people.village_mediator)
    dispute_escalate(dispute_id=case.pk, actor=people.township_staff, reason="调解不成")
    if connection.vendor == "postgresql":
        for sql in (
            "UPDATE disputes_caseevent SET reason = 'x' WHERE dispute_id = %s",
            "DELETE FROM disputes_caseevent WHERE dispute_id = %s",
        ):
            with (
                pytest.raises(Exception, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(sql, [case.pk])
        assert verify_event_chain(case).ok
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE disputes_caseevent SET reason = '改' WHERE dispute_id = %s AND seq = 3",
                [case.pk],
            )
        check = verify_event_chain(case)
        assert not check.ok and check.broken_seq == 3 and check.problem == "hash"


def test_applicant_fixture_id_is_valid():
    from governance.validators import validate_id_number

    validate_id_number(APPLICANT.id_number)


def test_revealing_pii_is_logged_and_limited_to_handlers(register, people):
    from disputes.services import party_reveal

    case = register().dispute
    party = case.parties.get(side=PartySide.APPLICANT)
    with pytest.raises(DisputePermissionError):
        party_reveal(party_id=party.pk, actor=people.county_auditor, field="phone", reason="核查")
    with pytest.raises(DisputeTransitionError):
        party_reveal(party_id=party.pk, actor=people.village_mediator, field="phone", reason="")
    value = party_reveal(
        party_id=party.pk, actor=people.village_mediator, field="id_number", reason="制作协议书"
    )
    assert value == APPLICANT.id_number
    assert Dispute.objects.get(pk=case.pk).version == case.version  # open forms stay valid
    event = case.events.order_by("-seq").first()
    assert event.action == Action.REVEAL_PII
    assert event.actor == people.village_mediator
    assert event.data["party"] == party.pk and event.data["field"] == "id_number"
    assert value not in str(event.data) and value not in event.reason


def test_performance_and_judicial_confirmation_of_an_agreement(client, register, people):
    from disputes.services import agreement_record_performance

    case = register().dispute
    mediator = people.village_mediator
    dispute_accept(dispute_id=case.pk, actor=mediator)
    dispute_start_mediation(dispute_id=case.pk, actor=mediator)
    with pytest.raises(DisputeTransitionError):  # no agreement yet (and not agreed)
        agreement_record_performance(
            dispute_id=case.pk,
            actor=mediator,
            performance_notes="",
            judicial_confirmation_applied=False,
            judicial_confirmation_granted=False,
        )
    dispute_agree(dispute_id=case.pk, actor=mediator, content="修沟", signed_on=date.today())
    with pytest.raises(ValidationError):  # granted without having applied
        agreement_record_performance(
            dispute_id=case.pk,
            actor=mediator,
            performance_notes="",
            judicial_confirmation_applied=False,
            judicial_confirmation_granted=True,
        )
    version = Dispute.objects.get(pk=case.pk).version
    agreement = agreement_record_performance(
        dispute_id=case.pk,
        actor=mediator,
        performance_notes="排水沟已于3月10日修好",
        judicial_confirmation_applied=True,
        judicial_confirmation_granted=False,
    )
    assert agreement.performance_notes.startswith("排水沟")
    assert agreement.judicial_confirmation_applied
    assert Dispute.objects.get(pk=case.pk).version == version  # colleagues' forms stay valid
    event = case.events.order_by("-seq").first()
    assert event.action == Action.RECORD_PERFORMANCE and event.data["applied"] is True
    assert event.data["previous"]["performance_notes"] == ""

    client.force_login(mediator)
    url = reverse("disputes:act", args=[case.tracking_number, "performance"])
    response = client.post(
        url,
        {
            "version": version,
            "performance_notes": "已全部履行",
            "judicial_confirmation_applied": "on",
            "judicial_confirmation_granted": "on",
        },
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.judicial_confirmation_granted and agreement.performance_notes == "已全部履行"
    with pytest.raises(DisputePermissionError):
        agreement_record_performance(
            dispute_id=case.pk,
            actor=people.county_auditor,
            performance_notes="",
            judicial_confirmation_applied=True,
            judicial_confirmation_granted=True,
        )


def test_events_cut_off_the_end_are_found_by_the_anchor(register, people):
    case = register().dispute
    dispute_accept(dispute_id=case.pk, actor=people.village_mediator)
    dispute_start_mediation(dispute_id=case.pk, actor=people.village_mediator)
    case.refresh_from_db()
    assert (case.events_recorded, verify_event_chain(case).ok) == (3, True)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # the trigger would refuse the deletion
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE disputes_caseevent DISABLE TRIGGER USER")
        cursor.execute(
            "DELETE FROM disputes_caseevent WHERE dispute_id = %s AND seq = 3", [case.pk]
        )
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE disputes_caseevent ENABLE TRIGGER USER")
    check = verify_event_chain(case)
    assert not check.ok and check.problem == "truncated" and check.broken_seq == 3
