"""When a dispute happened: from 1950 on and not in the future, whoever registers it (found
by tests/api/test_schemathesis.py: the staff API took the year 3, and answered it with the
local time zone's 19th-century offset, "0003-04-01T08:05:43+08:05:43", not RFC 3339)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from centers.choices import Role
from disputes.services import DisputeTransitionError
from tests.i18n_support import compile_catalogs

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("occurred_at", "message"),
    [
        (datetime(3, 4, 1, tzinfo=ZoneInfo("UTC")), "发生时间不能早于1950年。"),
        (datetime(1949, 12, 31, 23, 59, tzinfo=SHANGHAI), "发生时间不能早于1950年。"),
        (timezone.now() + timedelta(hours=1), "发生时间不能晚于现在。"),
    ],
)
def test_refused(register, occurred_at, message):
    with pytest.raises(DisputeTransitionError) as refused:
        register(occurred_at=occurred_at)
    assert refused.value.field == "occurred_at"
    assert refused.value.message == message


@pytest.mark.parametrize(
    "occurred_at",
    [
        datetime(1950, 1, 1, tzinfo=SHANGHAI),
        timezone.now() + timedelta(minutes=2),  # the sender's clock a little ahead
        None,
    ],
)
def test_taken(register, occurred_at):
    assert register(occurred_at=occurred_at).dispute.occurred_at == occurred_at


@pytest.mark.django_db
def test_the_staff_api_answers_400_on_the_field(center_tree, member):
    from disputes.models import Category

    compile_catalogs()
    Category.objects.get_or_create(code="neighbour", defaults={"name": "邻里纠纷"})
    client = APIClient()
    client.force_login(member(center_tree.county, Role.DIRECTOR))
    body = {
        "receiving_center": center_tree.county.code,
        "category": "neighbour",
        "summary": "邻里排水纠纷",
        "village": center_tree.village.code,
        "parties": [{"side": "applicant", "name": "李秀兰"}],
        "occurred_at": "0003-04-01T00:00:00Z",
    }
    response = client.post("/api/v1/cases/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json() == {"occurred_at": ["发生时间不能早于1950年。"]}
    english = client.post("/api/v1/cases/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json() == {"occurred_at": ["The time it happened cannot be before 1950."]}


@pytest.mark.parametrize(
    ("held_at", "message"),
    [
        (datetime(3, 1, 1, tzinfo=ZoneInfo("UTC")), "调解时间不能早于1950年。"),
        (timezone.now() + timedelta(days=1), "调解时间不能晚于现在。"),
    ],
)
def test_a_mediation_session_from_year_3_or_tomorrow_is_refused(register, people, held_at, message):
    from disputes.services import dispute_accept, dispute_record_session, dispute_start_mediation

    case = register().dispute
    dispute_accept(dispute_id=case.pk, actor=people.village_mediator)
    dispute_start_mediation(dispute_id=case.pk, actor=people.village_mediator)
    with pytest.raises(DisputeTransitionError) as refused:
        dispute_record_session(
            dispute_id=case.pk,
            actor=people.village_mediator,
            held_at=held_at,
            mediators=[people.village_mediator],
            notes="双方到场",
        )
    assert (refused.value.field, refused.value.message) == ("held_at", message)
