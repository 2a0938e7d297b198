"""回访 and 群众评单: the follow-up job after closure, ratings by staff or the resident, the
reopen on 不满意 with a second follow-up, and unreachable residents."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from centers.choices import Role
from disputes.choices import Action, FollowUpStatus, Satisfaction, Status
from disputes.models import Dispute, FollowUp
from disputes.selectors import verify_event_chain
from disputes.services import (
    DisputePermissionError,
    DisputeTransitionError,
    dispute_accept,
    dispute_agree,
    dispute_archive,
    dispute_close,
    dispute_start_follow_up,
    dispute_start_mediation,
    follow_up_record,
    follow_up_scan,
)
from governance.workdays import add_workdays
from notifications.models import Notification, SmsMessage
from tests.disputes.conftest import APPLICANT

pytestmark = pytest.mark.django_db


def close(case, mediator):
    dispute_start_mediation(dispute_id=case.pk, actor=mediator)
    dispute_agree(dispute_id=case.pk, actor=mediator, content="达成协议", signed_on=date.today())
    return dispute_close(dispute_id=case.pk, actor=mediator)


@pytest.fixture
def closed_case(register, people, member, center_tree):
    member(center_tree.village, Role.STAFF, username="v_staff")
    case = register().dispute
    dispute_accept(dispute_id=case.pk, actor=people.village_mediator)
    return close(case, people.village_mediator)


def days_after_closing(case, workdays):
    closed = timezone.localtime(Dispute.objects.get(pk=case.pk).closed_at)
    return timezone.make_aware(
        timezone.datetime.combine(add_workdays(closed, workdays), closed.time())
    )


def test_follow_up_starts_three_working_days_after_closure_once(closed_case, people):
    case = closed_case
    assert follow_up_scan(now=days_after_closing(case, 2)).started == 0
    result = follow_up_scan(now=days_after_closing(case, 3))
    assert result.started == 1
    case.refresh_from_db()
    assert case.status == Status.FOLLOW_UP
    follow_up = FollowUp.objects.get(dispute=case)
    # Someone other than the handler (the mediator who closed it) calls the resident.
    assert follow_up.assigned_to.username == "v_staff"
    assert follow_up.status == FollowUpStatus.OPEN and follow_up.cycle == 0
    # It carries where the case happened, for the metrics of small subtrees.
    places = [(f"{name}_id", getattr(case, f"{name}_id")) for name in FollowUp.PLACE_FIELDS]
    assert all(value is not None for _name, value in places)
    assert [(name, getattr(follow_up, name)) for name, _value in places] == places
    task = Notification.objects.get(kind="follow_up")
    assert task.recipient == follow_up.assigned_to
    sms = SmsMessage.objects.get(kind="follow_up")
    assert sms.phone == APPLICANT.phone and case.tracking_number in sms.body
    assert follow_up.due_on.isoformat() in sms.body and "http" in sms.body
    assert "\n" not in sms.body and sms.body.startswith("【檀溪社区")
    assert APPLICANT.id_number not in sms.body
    assert follow_up_scan(now=days_after_closing(case, 4)).started == 0
    with pytest.raises(DisputeTransitionError):
        dispute_start_follow_up(dispute_id=case.pk, actor=people.township_staff)


def test_the_handler_cannot_be_the_caller(closed_case, people):
    with pytest.raises(DisputeTransitionError):
        dispute_start_follow_up(
            dispute_id=closed_case.pk,
            actor=people.township_staff,
            assigned_to=people.village_mediator,
        )


@pytest.mark.parametrize("rating", [Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED])
def test_satisfied_ratings_settle_the_case(closed_case, people, rating):
    dispute_start_follow_up(dispute_id=closed_case.pk, actor=None)
    case = follow_up_record(
        dispute_id=closed_case.pk, actor=people.township_staff, rating=rating, comment="满意"
    )
    assert case.status == Status.SATISFIED
    follow_up = FollowUp.objects.get(dispute=case)
    assert follow_up.rating == rating and follow_up.answered_by == people.township_staff
    event = case.events.order_by("-seq").first()
    assert event.action == Action.RATE_SATISFIED and event.data["rating"] == rating
    assert dispute_archive(dispute_id=case.pk, actor=people.township_staff).status == "archived"


def test_unsatisfied_reopens_and_a_second_follow_up_follows(closed_case, people, center_tree):
    case = closed_case
    dispute_start_follow_up(dispute_id=case.pk, actor=None)
    reopened = follow_up_record(
        dispute_id=case.pk, actor=None, rating=Satisfaction.UNSATISFIED, comment="排水沟没修"
    )
    assert reopened.status == Status.ACCEPTED and reopened.reopen_count == 1
    assert reopened.current_center == center_tree.village  # same level by default
    assert reopened.closed_at is None and not reopened.is_overdue
    event = reopened.events.order_by("-seq").first()
    assert event.action == Action.RATE_UNSATISFIED and event.actor is None
    assert event.data["by_resident"] and "排水沟没修" in event.reason
    assert FollowUp.objects.get(dispute=case).rating == Satisfaction.UNSATISFIED

    close(reopened, people.village_mediator)
    assert follow_up_scan(now=days_after_closing(case, 3)).started == 1
    second = FollowUp.objects.get(dispute=case, cycle=1)
    assert second.status == FollowUpStatus.OPEN
    assert "二次回访" in Notification.objects.filter(kind="follow_up").first().title
    assert verify_event_chain(Dispute.objects.get(pk=case.pk)).ok


def test_unsatisfied_may_reopen_one_level_up(closed_case, center_tree, settings):
    settings.DISPUTE_REOPEN_ONE_LEVEL_UP = True
    dispute_start_follow_up(dispute_id=closed_case.pk, actor=None)
    reopened = follow_up_record(
        dispute_id=closed_case.pk, actor=None, rating=Satisfaction.UNSATISFIED
    )
    assert reopened.current_center == center_tree.township
    assert reopened.level == "township" and reopened.level_workdays == 30


def test_ratings_need_an_open_follow_up_a_valid_value_and_a_handling_role(closed_case, people):
    with pytest.raises(DisputeTransitionError):  # not in follow-up yet
        follow_up_record(dispute_id=closed_case.pk, actor=None, rating="satisfied")
    dispute_start_follow_up(dispute_id=closed_case.pk, actor=None)
    with pytest.raises(DisputeTransitionError):
        follow_up_record(dispute_id=closed_case.pk, actor=None, rating="great")
    with pytest.raises(DisputePermissionError):
        follow_up_record(dispute_id=closed_case.pk, actor=people.county_auditor, rating="satisfied")
    assert FollowUp.objects.get(dispute=closed_case).status == FollowUpStatus.OPEN


def test_no_answer_in_time_is_unreachable_and_may_be_archived(closed_case, people):
    dispute_start_follow_up(dispute_id=closed_case.pk, actor=None)
    follow_up = FollowUp.objects.get(dispute=closed_case)
    on_due_day = timezone.make_aware(
        timezone.datetime.combine(follow_up.due_on, timezone.datetime.min.time())
    ) + timedelta(hours=12)
    assert follow_up_scan(now=on_due_day).unreachable == 0
    assert follow_up_scan(now=on_due_day + timedelta(days=1)).unreachable == 1
    case = Dispute.objects.get(pk=closed_case.pk)
    assert case.status == Status.UNREACHABLE
    assert FollowUp.objects.get(pk=follow_up.pk).status == FollowUpStatus.UNREACHABLE
    assert follow_up_scan(now=on_due_day + timedelta(days=2)).unreachable == 0
    assert dispute_archive(dispute_id=case.pk, actor=people.township_staff).status == "archived"


def test_staff_record_the_rating_on_the_case_page(client, closed_case, people):
    dispute_start_follow_up(dispute_id=closed_case.pk, actor=None)
    case = Dispute.objects.get(pk=closed_case.pk)
    client.force_login(people.township_staff)
    url = reverse("disputes:act", args=[case.tracking_number, "rate"])
    response = client.post(url, {"version": case.version, "reason": ""})
    assert response.status_code == 200  # no rating chosen: the field says so
    assert Dispute.objects.get(pk=case.pk).status == Status.FOLLOW_UP
    response = client.post(
        url, {"version": case.version, "rating": "unsatisfied", "reason": "电话回访：不满意"}
    )
    assert response.status_code == 302
    case = Dispute.objects.get(pk=case.pk)
    assert case.status == Status.ACCEPTED and case.reopen_count == 1


def test_the_case_page_lists_the_follow_ups(client, closed_case, people):
    dispute_start_follow_up(dispute_id=closed_case.pk, actor=None)
    follow_up_record(dispute_id=closed_case.pk, actor=None, rating=Satisfaction.BASICALLY_SATISFIED)
    client.force_login(people.township_staff)
    page = client.get(reverse("disputes:detail", args=[closed_case.tracking_number]))
    html = page.content.decode()
    assert 'data-testid="follow-ups"' in html
    assert "首次回访" in html and "基本满意" in html and "群众本人" in html
