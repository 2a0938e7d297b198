"""Every status of ours maps to Open311's open or closed, with the notes, dates and notice
that go with it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from disputes.choices import OPEN_STATUSES, Status
from disputes.models import Dispute
from open311.definitions import STATUS_MAP, statuses_for
from tests.i18n_support import compile_catalogs

from .conftest import url

pytestmark = pytest.mark.django_db

# The table of open311/definitions.py, written out again: changing the mapping must change
# this test too.
EXPECTED = {
    "registered": "open",
    "accepted": "open",
    "not_accepted": "closed",
    "assigned": "open",
    "dispatched": "open",
    "signed": "open",
    "returned": "open",
    "in_mediation": "open",
    "agreed": "open",
    "failed": "open",
    "closed": "closed",
    "follow_up": "closed",
    "satisfied": "closed",
    "unreachable": "closed",
    "archived": "closed",
}


def test_every_status_has_a_mapping_and_open_means_the_clock_runs():
    assert set(EXPECTED) == set(Status.values) == set(STATUS_MAP)
    assert {status for status, value in STATUS_MAP.items() if value == "open"} == set(OPEN_STATUSES)
    assert sorted(statuses_for("open") + statuses_for("closed")) == sorted(Status.values)


@pytest.fixture
def case_number(submit):
    return submit().json()[0]["service_request_id"]


@pytest.mark.parametrize("status", list(Status))
def test_each_status_shows_as_the_table_says(client, case_number, status):
    closed_at = timezone.now() - timedelta(days=2)
    Dispute.objects.filter(tracking_number=case_number).update(
        status=status,
        level="township",
        closed_at=closed_at if EXPECTED[status] == "closed" else None,
    )
    dispute = Dispute.objects.get(tracking_number=case_number)
    [item] = client.get(url("request", service_request_id=case_number)).json()

    assert item["status"] == EXPECTED[status]
    assert item["status_notes"] == f"{status.label}（乡级）"
    if EXPECTED[status] == "open":
        assert item["expected_datetime"] == timezone.localtime(dispute.level_due_at).isoformat()
        assert item["updated_datetime"] == timezone.localtime(dispute.updated_at).isoformat(
            timespec="seconds"
        )
        assert item["service_notice"] is None
    else:
        assert item["expected_datetime"] is None
        assert item["updated_datetime"] == timezone.localtime(closed_at).isoformat(
            timespec="seconds"
        )
        assert item["service_notice"]
    if status == Status.NOT_ACCEPTED:
        assert item["service_notice"].startswith("不予受理")


@pytest.mark.parametrize("status", ["open", "closed"])
def test_the_status_filter_follows_the_table(client, hotline, case_number, status):
    for ours in Status:
        Dispute.objects.filter(tracking_number=case_number).update(status=ours)
        body = client.get(url("requests"), {"api_key": hotline.key, "status": status}).json()
        assert len(body) == (1 if EXPECTED[ours] == status else 0), ours
    both = client.get(url("requests"), {"api_key": hotline.key, "status": "open,closed"})
    assert len(both.json()) == 1


def test_status_notes_in_english(client, case_number):
    compile_catalogs()
    Dispute.objects.filter(tracking_number=case_number).update(
        status=Status.IN_MEDIATION, level="township"
    )
    [item] = client.get(
        url("request", service_request_id=case_number), HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert item["status_notes"] == "In mediation (Township)"
