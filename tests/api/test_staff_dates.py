"""Every date and date-time the staff API takes, in a filter or in a body, at the edges of
the calendar and of the time zones: a 400 naming the field, never a 500 (on SQLite and on
PostgreSQL, which refuses offsets beyond ±15:59 and so needs its date-times in a zone it
knows), and a time with an unusual offset is kept as the instant it names."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from disputes.models import Agreement, Dispute, MediationSession
from disputes.services import dispute_accept, dispute_start_mediation
from tests.api.conftest import case_url
from tests.api.test_staff_validation import intake_body
from tests.i18n_support import compile_catalogs

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}

# Beyond PostgreSQL's ±15:59; the years 1 and 9999 with an offset that takes them out of the
# calendar in UTC or in the server's zone; no zone at the edges; and what is no date at all.
EDGE_DATETIMES = [
    "2025-01-01T00:00:00+17:49",
    "2025-01-01T00:00:00-17:49",
    "2025-01-01T00:00:00+23:59",
    "0001-01-01T00:00:00+05:00",
    "0001-01-01T00:00:00-14:00",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59-05:00",
    "9999-12-31T23:59:59+14:00",
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59",
    "0000-01-01T00:00:00Z",
    "10000-01-01T00:00:00Z",
    "2025-02-30T00:00:00Z",
    "2025-01-01T24:00:00Z",
    "2025-01-01T00:00:00+24:00",
]
EDGE_DATES = [
    "0001-01-01",
    "9999-12-31",
    "0000-01-01",
    "10000-01-01",
    "2025-02-30",
    "2025-13-01",
    "-2025-01-01",
    *EDGE_DATETIMES[:4],
    "9999-12-31T23:59:59-05:00",
]

# Filters: (list, parameter, other parameters the list needs).
DATE_FILTERS = [
    ("case-list", "created_from", {}),
    ("case-list", "created_to", {}),
    ("follow-up-list", "due_before", {}),
    ("escalation-audit", "date_from", {}),
    ("escalation-audit", "date_to", {}),
    ("metrics-dashboard", "start", {"kind": "custom", "end": "2025-03-31"}),
    ("metrics-dashboard", "end", {"kind": "custom", "start": "2025-03-01"}),
]


@pytest.fixture(autouse=True)
def _catalogs():
    compile_catalogs()


def _field_message(response, name: str) -> list[str]:
    """The messages on `name`, the only field concerned (with a custom period's other end,
    which is then compared with a day out of range)."""
    body = response.json()
    concerned = {"start", "end"} if name in ("start", "end") else {name}
    assert name in body and set(body) <= concerned, body
    messages = body[name]
    assert messages and all(isinstance(message, str) and message for message in messages)
    return messages


def _list_url(view: str, center_tree) -> str:
    if view == "metrics-dashboard":
        return reverse(view, kwargs={"code": center_tree.county.code})
    return reverse(view)


@pytest.mark.parametrize("value", EDGE_DATES)
@pytest.mark.parametrize(("view", "name", "others"), DATE_FILTERS)
def test_a_date_filter_at_the_edges(api, people, center_tree, view, name, others, value):
    client = api(people.county_director)
    url = _list_url(view, center_tree)
    assert client.get(url, {**others, name: "2025-03-15"}).status_code == 200
    query = {**others, name: value}
    response = client.get(url, query)
    assert response.status_code in (200, 400), (response.status_code, response.content)
    if response.status_code == 400:
        zh = _field_message(response, name)
        en = _field_message(client.get(url, query, headers=EN), name)
        assert zh != en
    elif view == "metrics-dashboard":  # the dashboards count from 2000 to 2100
        pytest.fail(f"{name}={value} was taken")
    else:
        assert value in ("0001-01-01", "9999-12-31")


@pytest.mark.parametrize("value", EDGE_DATETIMES)
def test_when_a_dispute_happened_at_the_edges(api, people, center_tree, neighbour, value):
    client = api(people.village_mediator)
    body = intake_body(center_tree, occurred_at=value)
    response = client.post(reverse("case-list"), body, format="json")
    _past_time_answer(response, "occurred_at", value)
    if response.status_code == 201:
        assert Dispute.objects.get().occurred_at == _instant(value)
    else:
        english = client.post(reverse("case-list"), body, format="json", headers=EN)
        assert _field_message(english, "occurred_at") != _field_message(response, "occurred_at")
        assert not Dispute.objects.exists()


@pytest.fixture
def in_mediation(api, register, people):
    """post(action, body) → the answer to the village mediator's step on a case in
    mediation (the case's version added to the body), and the case."""
    case = register()
    mediator = people.village_mediator
    dispute_accept(dispute_id=case.pk, actor=mediator)
    dispute_start_mediation(dispute_id=case.pk, actor=mediator)

    def post(action, body, headers=None):
        body = {"version": Dispute.objects.get(pk=case.pk).version, **body}
        return api(mediator).post(case_url(case, action), body, format="json", headers=headers)

    return post, case


@pytest.mark.parametrize("value", EDGE_DATETIMES)
def test_when_a_mediation_session_was_held_at_the_edges(in_mediation, value):
    post, case = in_mediation
    response = post("sessions", {"held_at": value, "notes": "双方到场，各自陈述。"})
    _past_time_answer(response, "held_at", value)
    if response.status_code == 200:
        assert MediationSession.objects.get(dispute=case).held_at == _instant(value)
    else:
        assert not MediationSession.objects.exists()


@pytest.mark.parametrize("value", EDGE_DATES)
def test_when_an_agreement_was_signed_at_the_edges(in_mediation, value):
    post, case = in_mediation
    """None of these is a day from 1950 until today."""
    response = post("agree", {"content": "双方各承担一半费用。", "signed_on": value})
    assert response.status_code == 400, (response.status_code, response.content)
    english = post("agree", {"content": "双方各承担一半费用。", "signed_on": value}, EN)
    assert _field_message(english, "signed_on") != _field_message(response, "signed_on")
    assert not Agreement.objects.filter(dispute=case).exists()


@pytest.mark.parametrize(
    ("day", "status"),
    [("1949-12-31", 400), ("1950-01-01", 200), ("today", 200), ("tomorrow", 400)],
)
def test_an_agreement_is_signed_from_1950_until_today(in_mediation, day, status):
    """An agreement of the year 1 or of 9999 was kept."""
    post, case = in_mediation
    today = timezone.localdate()
    signed_on = {"today": today, "tomorrow": today + timedelta(days=1)}.get(day)
    signed_on = signed_on or date.fromisoformat(day)
    response = post("agree", {"content": "双方各承担一半费用。", "signed_on": str(signed_on)})
    assert response.status_code == status, response.content
    if status == 400:
        assert set(response.json()) == {"signed_on"}
    else:
        assert Agreement.objects.get(dispute=case).signed_on == signed_on


def _instant(value: str) -> datetime | None:
    """The instant a date-time names (None: it names none in the calendar, in UTC)."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed.astimezone(UTC) if parsed.tzinfo else None
    except (ValueError, OverflowError):
        return None


def _past_time_answer(response, name: str, value: str) -> None:
    """Taken when it is an instant of the calendar from 1950 to now, else a 400 naming the
    field."""
    assert response.status_code in (200, 201, 400), (response.status_code, response.content)
    instant = _instant(value)
    acceptable = instant is not None and datetime(1950, 1, 1, tzinfo=UTC) <= instant
    acceptable = acceptable and instant <= datetime.now(UTC) + timedelta(minutes=5)
    if acceptable:
        assert response.status_code in (200, 201), response.content
    else:
        assert response.status_code == 400, response.content
        _field_message(response, name)
