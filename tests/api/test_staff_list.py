"""The case list: only the caller's scope, the filters, masked parties, a count that stops
at 10,000 and says so, and a fixed number of queries whatever the page size. Nowhere but
the reveal endpoint does a full mobile or ID number appear."""

from datetime import date, timedelta
from functools import partial

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from disputes.choices import Channel, RequestType, RiskLevel
from disputes.models import Category, Dispute
from disputes.services import (
    dispute_accept,
    dispute_agree,
    dispute_close,
    dispute_dispatch,
    dispute_escalate,
    dispute_start_follow_up,
    dispute_start_mediation,
)
from governance.pagination import CappedPageNumberPagination, CappedPaginator, budget_statements
from tests.api.conftest import APPLICANT, ID_NUMBER, MOBILE, RESPONDENT, case_url

pytestmark = pytest.mark.django_db

LIST = reverse("case-list")


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["tracking_number"] for row in response.json()["results"]]


@pytest.fixture
def cases(register, people, center_tree):
    """Four cases in 真武山街道 and one in the sibling 古城街道."""
    labour = Category.objects.get_or_create(code="labour", defaults={"name": "劳动争议"})[0]
    drain = register(summary="邻里排水纠纷")
    wages = register(
        actor=people.village2_mediator,
        receiving_center=center_tree.village2,
        village=center_tree.village2,
        category=labour,
        channel=Channel.PHONE,
        risk_level=RiskLevel.SERIOUS,
        summary="欠薪纠纷",
    )
    dispute_accept(dispute_id=wages.pk, actor=people.village2_mediator)
    township = register(
        actor=people.township_staff, receiving_center=center_tree.township, summary="宅基地纠纷"
    )
    old = register(summary="早年旧案")
    Dispute.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=40),
        level_deadline=timezone.localdate() - timedelta(days=20),
    )
    sibling = register(
        actor=people.sibling_mediator,
        receiving_center=center_tree.sibling_village,
        village=center_tree.sibling_village,
        summary="邻里排水纠纷（古城）",
    )
    return type(
        "Cases",
        (),
        {
            name: Dispute.objects.get(pk=case.pk)
            for name, case in {
                "drain": drain,
                "wages": wages,
                "township": township,
                "old": old,
                "sibling": sibling,
            }.items()
        },
    )


def test_only_the_scope_newest_first(api, people, cases):
    staff = api(people.township_staff)
    assert numbers(staff.get(LIST)) == [
        cases.township.tracking_number,
        cases.wages.tracking_number,
        cases.drain.tracking_number,
        cases.old.tracking_number,
    ]
    body = staff.get(LIST).json()
    assert (body["count"], body["count_capped"]) == (4, False)
    assert numbers(api(people.village_mediator).get(LIST)) == [
        cases.drain.tracking_number,
        cases.old.tracking_number,
    ]
    assert numbers(api(people.sibling_staff).get(LIST)) == [cases.sibling.tracking_number]
    assert numbers(api(people.county_auditor).get(LIST, {"page_size": 100})) == [
        cases.sibling.tracking_number,
        cases.township.tracking_number,
        cases.wages.tracking_number,
        cases.drain.tracking_number,
        cases.old.tracking_number,
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "registered"}, {"drain", "township", "old"}),
        ({"status": ["accepted", "closed"]}, {"wages"}),
        ({"status": ["accepted", "registered"]}, {"drain", "wages", "township", "old"}),
        ({"category": "labour"}, {"wages"}),
        ({"channel": "phone"}, {"wages"}),
        ({"risk_level": "serious"}, {"wages"}),
        ({"level": "township"}, {"township"}),
        ({"current_center": "420602001008"}, {"drain", "old"}),
        ({"current_center": "420602001000"}, {"drain", "wages", "township", "old"}),
        ({"current_center": "420602002000"}, set()),
        ({"current_center": "999999999999"}, set()),
        ({"village": "420602001010"}, {"wages"}),
        ({"overdue": "true"}, {"old"}),
        ({"overdue": "false"}, {"drain", "wages", "township"}),
        ({"q": "排水"}, {"drain"}),
        ({"q": "欠薪", "status": "registered"}, set()),
    ],
)
def test_filters(api, people, cases, params, expected):
    found = set(numbers(api(people.township_staff).get(LIST, params)))
    assert found == {getattr(cases, name).tracking_number for name in expected}


def test_date_range_text_and_ordering(api, people, cases):
    staff = api(people.township_staff)
    today = timezone.localdate()
    recent = {"created_from": str(today - timedelta(days=1)), "created_to": str(today)}
    assert cases.old.tracking_number not in numbers(staff.get(LIST, recent))
    earlier = {"created_to": str(today - timedelta(days=30))}
    assert numbers(staff.get(LIST, earlier)) == [cases.old.tracking_number]
    by_number = numbers(staff.get(LIST, {"q": cases.wages.tracking_number[:15]}))
    assert by_number == [cases.wages.tracking_number]
    ordered = numbers(staff.get(LIST, {"ordering": "tracking_number"}))
    assert ordered == sorted(ordered)
    assert numbers(staff.get(LIST, {"ordering": "-tracking_number"})) == ordered[::-1]
    deadline = numbers(staff.get(LIST, {"ordering": "level_deadline"}))
    assert deadline[0] == cases.old.tracking_number


def test_parties_are_masked_in_the_list(api, people, cases):
    row = api(people.village_mediator).get(LIST).json()["results"][0]
    assert row["tracking_number"] == cases.drain.tracking_number
    assert row["parties"] == [
        {
            "side": "applicant",
            "side_display": "申请人",
            "kind": "person",
            "name": "李**",
            "phone": "139****1234",
        },
        {
            "side": "respondent",
            "side_display": "被申请人",
            "kind": "person",
            "name": "王**",
            "phone": "138****5678",
        },
    ]
    assert row["status_display"] == "已登记" and row["category"]["code"] == "neighbour"
    assert row["url"].endswith(case_url(cases.drain))


def test_a_protected_reporter_is_not_shown_to_the_unit_reported_to(
    api, register, people, center_tree
):
    report = register(
        actor=people.township_staff,
        receiving_center=center_tree.township,
        request_type=RequestType.REPORT,
        summary="举报村内违建",
    )
    dispute_accept(dispute_id=report.pk, actor=people.township_staff)
    dispute_dispatch(dispute_id=report.pk, actor=people.township_staff, center=center_tree.village)
    village = api(people.village_mediator)
    row = village.get(LIST).json()["results"][0]
    assert row["reporter_protected"] is True
    assert [party["side"] for party in row["parties"]] == ["respondent"]
    detail = village.get(case_url(report)).json()
    applicant = detail["parties"][0]
    assert applicant["identity_protected"] is True
    assert (applicant["name"], applicant["phone"], applicant["id_number"]) == (
        "举报人（信息保密）",
        "",
        "",
    )
    assert APPLICANT.name not in village.get(case_url(report)).content.decode()
    # The township that received the report knows who reported.
    staff_row = api(people.township_staff).get(LIST).json()["results"][0]
    assert staff_row["reporter_protected"] is False
    assert staff_row["parties"][0]["name"] == "李**"


def test_no_full_mobile_or_id_number_but_through_reveal(api, people, cases, center_tree):
    """Every read of the staff API, on cases whose parties have phones and ID numbers."""
    case = cases.drain
    mediator = people.village_mediator
    dispute_accept(dispute_id=case.pk, actor=mediator)
    dispute_start_mediation(dispute_id=case.pk, actor=mediator)
    dispute_agree(dispute_id=case.pk, actor=mediator, content="达成协议", signed_on=date.today())
    dispute_close(dispute_id=case.pk, actor=mediator)
    dispute_start_follow_up(dispute_id=case.pk, actor=None)
    dispute_accept(dispute_id=cases.old.pk, actor=mediator)
    dispute_escalate(dispute_id=cases.old.pk, actor=people.township_staff, reason="上报")
    urls = [
        LIST,
        case_url(case),
        case_url(case, "events"),
        case_url(case, "attachments"),
        reverse("follow-up-list") + "?status=open",
        reverse("notification-list"),
        reverse("escalation-audit"),
    ]
    for user in (people.village_mediator, people.township_director, people.county_auditor):
        client = api(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 403), url
            body = response.content.decode()
            assert not MOBILE.search(body), (user, url, MOBILE.search(body))
            assert not ID_NUMBER.search(body), (user, url)
    created = api(people.township_staff).post(
        LIST,
        {
            "receiving_center": center_tree.township.code,
            "category": "neighbour",
            "summary": "新登记",
            "village": center_tree.village.code,
            "parties": [
                {
                    "side": "applicant",
                    "name": "李秀兰",
                    "phone": APPLICANT.phone,
                    "id_number": APPLICANT.id_number,
                }
            ],
        },
        format="json",
    )
    assert created.status_code == 201
    assert not MOBILE.search(created.content.decode())
    assert not ID_NUMBER.search(created.content.decode())

    party = case.parties.order_by("pk").first()
    url = reverse(
        "case-party-reveal", kwargs={"tracking_number": case.tracking_number, "party_id": party.pk}
    )
    client = api(mediator)
    for field, value in (("phone", APPLICANT.phone), ("id_number", APPLICANT.id_number)):
        revealed = client.post(url, {"field": field, "reason": "核实身份"}, format="json")
        assert revealed.status_code == 200
        assert revealed.json() == {"party": party.pk, "field": field, "value": value}
        assert revealed["Cache-Control"] == "no-store"
    assert RESPONDENT.phone not in client.get(case_url(case)).content.decode()


def test_the_count_stops_at_the_cap_and_says_so(api, people, cases, monkeypatch):
    monkeypatch.setattr(
        CappedPageNumberPagination, "django_paginator_class", partial(CappedPaginator, cap=2)
    )
    body = api(people.township_staff).get(LIST, {"page_size": 1}).json()
    assert (body["count"], body["count_capped"]) == (2, True)
    assert body["next"] is not None
    second = api(people.township_staff).get(LIST, {"page_size": 1, "page": 2}).json()
    assert second["next"] is None  # the pages stop at the cap too
    assert api(people.township_staff).get(LIST, {"page_size": 1, "page": 3}).status_code == 404


def test_the_count_is_limited_in_sql(api, people, cases):
    with CaptureQueriesContext(connection) as queries:
        api(people.township_staff).get(LIST)
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT 10001" in counts[0].upper().replace('"', "")


def test_the_page_needs_no_distinct_even_when_filtered(api, people, cases):
    # DISTINCT would make the database sort the whole scope before the first page.
    params = {"status": ["registered", "accepted"], "category": "labour", "q": "欠"}
    with CaptureQueriesContext(connection) as queries:
        response = api(people.township_staff).get(LIST, params)
    assert response.status_code == 200
    cases_sql = [q["sql"] for q in queries.captured_queries if "disputes_dispute" in q["sql"]]
    assert cases_sql and not any("DISTINCT" in sql.upper() for sql in cases_sql)


def test_a_fixed_number_of_queries_whatever_the_page_size(
    api, people, register, center_tree, django_assert_max_num_queries
):
    for index in range(12):
        register(
            summary=f"纠纷{index}",
            request_type=RequestType.REPORT if index % 3 == 0 else RequestType.HELP,
            actor=people.township_staff if index % 2 else people.village_mediator,
            receiving_center=center_tree.township if index % 2 else center_tree.village,
        )
    client = api(people.township_staff)

    def queries_for(page_size):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST, {"page_size": page_size})
        assert len(response.json()["results"]) == min(page_size, 12)
        return len(queries.captured_queries)

    small, large = queries_for(2), queries_for(12)
    assert small == large
    with django_assert_max_num_queries(8 + budget_statements(connection)):
        client.get(LIST, {"page_size": 12, "status": ["registered", "accepted"]})


def test_a_case_numbered_otherwise_is_listed_and_reached(api, people, cases):
    # Imported or generated cases (bench_dashboard's BENCH-…) need not follow intake's
    # format; the list links them and the detail answers, as the web pages and the resident
    # API do.
    Dispute.objects.filter(pk=cases.drain.pk).update(tracking_number="BENCH-0000000001")
    staff = api(people.township_staff)
    rows = {row["tracking_number"]: row for row in staff.get(LIST).json()["results"]}
    assert rows["BENCH-0000000001"]["url"].endswith("/api/v1/cases/BENCH-0000000001/")
    detail = staff.get(case_url("BENCH-0000000001"))
    assert detail.status_code == 200 and detail.json()["summary"] == "邻里排水纠纷"
    assert staff.get("/api/v1/cases/BENCH_0000000001/").status_code == 404
