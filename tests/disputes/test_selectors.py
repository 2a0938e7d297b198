from datetime import timedelta

import pytest
from django.utils import timezone

from disputes.choices import Status
from disputes.models import Dispute
from disputes.selectors import repeat_cases
from tests.disputes.conftest import APPLICANT

pytestmark = pytest.mark.django_db


def test_repeat_cases_by_phone_or_id_within_scope_and_window(register, people):
    first = register().dispute
    user = people.township_staff
    assert list(repeat_cases(user=user, phones=[APPLICANT.phone])) == [first]
    assert list(repeat_cases(user=user, id_numbers=[APPLICANT.id_number.lower()])) == [first]
    assert not repeat_cases(user=user, phones=["13900000000"]).exists()
    assert not repeat_cases(user=user, phones=[APPLICANT.phone], exclude_pk=first.pk).exists()
    # The respondent's phone is not a repeat applicant.
    assert not repeat_cases(user=user, phones=["13807105678"]).exists()
    # Outside the user's scope: nothing.
    assert not repeat_cases(user=people.sibling_staff, phones=[APPLICANT.phone]).exists()
    # Closed and older than 90 days: no longer a warning; still open: always.
    old = timezone.now() - timedelta(days=120)
    Dispute.objects.filter(pk=first.pk).update(created_at=old, status=Status.ARCHIVED)
    assert not repeat_cases(user=user, phones=[APPLICANT.phone]).exists()
    Dispute.objects.filter(pk=first.pk).update(status=Status.IN_MEDIATION)
    assert repeat_cases(user=user, phones=[APPLICANT.phone]).exists()
