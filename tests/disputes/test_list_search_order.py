"""The case list's search and sort at scale: a whole tracking number is looked up by the
unique index (not by a substring search over every case in scope), and every sort breaks
ties by id in the same direction, so pages neither repeat nor skip a case."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from centers.choices import Role
from disputes.filtersets import TRACKING_NUMBER, DisputeFilterSet
from disputes.models import Dispute

pytestmark = pytest.mark.django_db


def _numbers(response) -> list[str]:
    return [case.tracking_number for case in response.context["page"].object_list]


def test_a_whole_tracking_number_finds_its_case_by_the_index(register, people, client, center_tree):
    wanted = register().dispute
    assert TRACKING_NUMBER.fullmatch(wanted.tracking_number)
    # Another case that mentions the number in its summary is not what was asked for.
    register(summary=f"与 {wanted.tracking_number} 有关的另一起纠纷")
    client.force_login(people.township_staff)
    inbox = reverse("disputes:inbox")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(inbox, {"q": wanted.tracking_number})
    assert _numbers(response) == [wanted.tracking_number]
    searched = [q["sql"] for q in captured.captured_queries if "tracking_number" in q["sql"]]
    assert searched and not any("LIKE" in sql.upper() for sql in searched), searched
    # Part of a number is still a substring search.
    part = wanted.tracking_number[:15]
    assert len(_numbers(client.get(inbox, {"q": part}))) == 2
    # Out of scope, the whole number finds nothing.
    client.force_login(people.sibling_staff)
    assert _numbers(client.get(inbox, {"q": wanted.tracking_number})) == []


def test_a_word_costs_no_extra_query_and_is_searched_as_text(register, people):
    case = register(summary="邻里排水纠纷 ABC-12").dispute
    filterset = DisputeFilterSet({"q": "排水"}, queryset=Dispute.objects.all(), request=_as(people))
    with CaptureQueriesContext(connection) as captured:
        filterset.qs  # noqa: B018 — building the filter looks up no number for a word
    assert not any("tracking_number" in q["sql"] for q in captured.captured_queries)
    assert [c.pk for c in filterset.qs] == [case.pk]
    # Shaped like a number but no case has it: a substring search as before.
    data = {"q": "ABC-12"}
    filterset = DisputeFilterSet(data, queryset=Dispute.objects.all(), request=_as(people))
    assert [c.pk for c in filterset.qs] == [case.pk]


def test_an_exact_number_of_another_format_is_looked_up_too(register, people):
    case = register().dispute
    Dispute.objects.filter(pk=case.pk).update(tracking_number="IMPORTED-0001")
    data = {"q": "IMPORTED-0001"}
    filterset = DisputeFilterSet(
        data, queryset=Dispute.objects.visible_to(people.township_staff), request=_as(people)
    )
    assert [c.pk for c in filterset.qs] == [case.pk]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("", ("-created_at", "-id")),
        ("-created_at", ("-created_at", "-id")),
        ("created_at", ("created_at", "id")),
        ("level_deadline", ("level_deadline", "id")),
        ("-level_deadline", ("-level_deadline", "-id")),
    ],
)
def test_every_sort_breaks_ties_by_id_in_its_direction(people, sort, expected):
    filterset = DisputeFilterSet(
        {"sort": sort}, queryset=Dispute.objects.all(), request=_as(people)
    )
    assert tuple(filterset.qs.query.order_by) == expected


def test_pages_sorted_by_deadline_neither_repeat_nor_skip(
    register, people, client, member, monkeypatch
):
    monkeypatch.setattr("disputes.views.INBOX_PAGE_SIZE", 3)
    cases = [register().dispute for _ in range(7)]
    Dispute.objects.update(level_deadline=cases[0].level_deadline)  # all tied
    director = member(people.township_staff.memberships.first().center, Role.DIRECTOR)
    client.force_login(director)
    inbox = reverse("disputes:inbox")
    seen = []
    for page in (1, 2, 3):
        seen += _numbers(client.get(inbox, {"sort": "level_deadline", "page": page}))
    assert sorted(seen) == sorted(c.tracking_number for c in cases)
    assert len(seen) == len(set(seen))


def _as(people):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = people.township_staff
    return request
