"""POST requests and GET requests: validation in Chinese and English, the filters and their
defaults, the cap, the jurisdiction, the client's subtree, and no personal data out."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from disputes.access_codes import access_code_matches
from disputes.choices import Channel, PartySide, RiskLevel
from disputes.models import Dispute
from disputes.services import PartyData, dispute_register
from open311 import selectors
from open311.services import api_client_create
from tests.i18n_support import compile_catalogs

from .conftest import APPLICANT, parse, post_form, url

pytestmark = pytest.mark.django_db


def errors(response) -> dict[str, str]:
    """{parameter: description} of a JSON error list (all codes equal to the status)."""
    body = response.json()
    assert all(error["code"] == response.status_code for error in body)
    found = {}
    for error in body:
        field, _sep, message = error["description"].partition(": ")
        found[field] = message
    return found


def register(center_tree, categories, *, village=None, receiving=None, **overrides):
    """A case registered by the system (as a channel would), by default at the village."""
    kwargs = {
        "actor": None,
        "receiving_center": receiving or village or center_tree.village,
        "channel": Channel.WALK_IN,
        "category": categories.neighbour,
        "summary": "邻里排水纠纷",
        "village": village or center_tree.village,
        "parties": [PartyData(side=PartySide.APPLICANT, name="王大明", phone="13800001111")],
    }
    kwargs.update(overrides)
    return dispute_register(**kwargs).dispute


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content.decode()
    return [item["service_request_id"] for item in response.json()]


# --- POST --------------------------------------------------------------------------------


def test_post_registers_the_case_as_sent(submit, center_tree):
    response = submit(
        description="  " + "水" * 150 + "\n第二行",
        email="li@example.com",
        media_url="https://example.com/p/1.jpg",
        **{
            "attribute[risk_level]": "serious",
            "attribute[request_type]": "complaint",
            "attribute[occurred_at]": "2024-05-01T09:30:00+08:00",
            "attribute[respondent]": "王建军",
            "attribute[confidential]": "true",
        },
    )
    assert response.status_code == 201
    dispute = Dispute.objects.get(tracking_number=response.json()[0]["service_request_id"])
    assert dispute.summary == "水" * 99 + "…"
    assert dispute.description.startswith("水" * 150 + "\n第二行")
    assert "li@example.com" in dispute.description
    assert "https://example.com/p/1.jpg" in dispute.description
    assert dispute.address == "檀溪路12号"
    assert dispute.risk_level == RiskLevel.SERIOUS
    assert dispute.request_type == "complaint"
    assert timezone.localtime(dispute.occurred_at).isoformat() == "2024-05-01T09:30:00+08:00"
    assert dispute.is_confidential is True
    applicant, respondent = dispute.parties.order_by("side")
    assert (applicant.side, applicant.name, applicant.phone) == (
        PartySide.APPLICANT,
        "李秀兰",
        "13907101234",
    )
    assert (respondent.side, respondent.name) == (PartySide.RESPONDENT, "王建军")


def test_a_major_risk_goes_straight_to_the_county(client, hotline, categories, center_tree):
    _client, key = api_client_create(name="街道平台", center=center_tree.township)
    response = post_form(
        client,
        url("requests"),
        {
            "api_key": key,
            "service_code": "neighbour",
            "address_id": center_tree.village.code,
            "description": "有人扬言动手",
            "last_name": "李",
            "attribute[risk_level]": "major",
        },
    )
    assert response.status_code == 201
    dispute = Dispute.objects.get(tracking_number=response.json()[0]["service_request_id"])
    assert dispute.receiving_center == center_tree.township
    assert dispute.current_center == center_tree.county


def test_the_access_code_is_returned_nowhere(submit, monkeypatch):
    monkeypatch.setattr("disputes.services.intake.new_access_code", lambda: "K7M2Q9PX")
    for fmt in ("json", "xml"):
        response = submit(fmt)
        assert response.status_code == 201
        assert "K7M2Q9PX" not in response.content.decode()
    dispute = Dispute.objects.latest("pk")
    assert access_code_matches("K7M2Q9PX", dispute.access_code_hash)


@pytest.mark.parametrize(
    ("overrides", "field", "zh"),
    [
        ({"address_id": None}, "address_id", "address_id 提交发生地村/社区的12位区划代码"),
        ({"address_id": "4206020010"}, "address_id", "须为村/社区的12位区划代码"),
        ({"address_id": "420602001000"}, "address_id", "没有这个村/社区区划代码"),
        ({"address_id": "420606001001"}, "address_id", "发生地须为本中心辖区内的村/社区"),
        ({"description": ""}, "description", ""),
        ({"description": "长" * 4001}, "description", ""),
        ({"last_name": "", "first_name": ""}, "last_name", "请提交申请人姓名"),
        ({"phone": "12345"}, "phone", "请输入11位手机号"),
        ({"lat": "32.0"}, "long", "lat 与 long 须同时提交"),
        ({"lat": "132.0", "long": "112.1"}, "lat", ""),
        ({"email": "not-an-email"}, "email", ""),
        ({"media_url": "ftp:/x"}, "media_url", ""),
        ({"attribute[risk_level]": "red"}, "attribute[risk_level]", ""),
        ({"attribute[occurred_at]": "2024-05-01T09:30:00"}, "attribute[occurred_at]", "带时区"),
        ({"attribute[occurred_at]": "2999-05-01T09:30:00Z"}, "attribute[occurred_at]", "晚于"),
        ({"attribute[WHISPAWN]": "123456"}, "attribute[WHISPAWN]", "没有这个属性"),
        ({"attribute[risk_level][]": "major"}, "attribute[risk_level][]", "没有这个属性"),
        ({"service_code": ""}, "service_code", ""),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(submit, overrides, field, zh):
    response = submit(**overrides)
    assert response.status_code == 400
    found = errors(response)
    assert field in found, found
    assert zh in found[field]
    assert re.search(r"[\u4e00-\u9fff]", found[field])
    assert not Dispute.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "en"),
    [
        ({"address_id": None}, "address_id", "village's 12-digit division code"),
        ({"last_name": "", "first_name": ""}, "last_name", "applicant's name"),
        ({"phone": "12345"}, "phone", "11-digit mobile"),
        ({"description": ""}, "description", "may not be blank"),
        ({"attribute[occurred_at]": "2024-05-01"}, "attribute[occurred_at]", "time zone"),
        ({"attribute[WHISPAWN]": "1"}, "attribute[WHISPAWN]", "No such attribute"),
    ],
)
def test_errors_speak_english_when_asked(submit, overrides, field, en):
    compile_catalogs()
    response = submit(headers={"HTTP_ACCEPT_LANGUAGE": "en"}, **overrides)
    assert response.status_code == 400
    found = errors(response)
    assert en in found[field], found
    assert not re.search(r"[\u4e00-\u9fff]", found[field])


def test_every_bad_parameter_is_reported_at_once(submit):
    response = submit(address_id="", phone="1", **{"attribute[foo]": "x"})
    assert set(errors(response)) == {"address_id", "phone", "attribute[foo]"}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_service_code_is_a_404(submit, fmt):
    response = submit(fmt, service_code="potholes")
    assert response.status_code == 404
    body = parse(response, fmt)
    description = body[0]["description"] if fmt == "json" else body[0].findtext("description")
    assert description.startswith("service_code: ")


def test_post_must_be_form_encoded(client, hotline):
    response = client.post(
        url("requests"), {"api_key": hotline.key}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "x-www-form-urlencoded" in response.json()[0]["description"]


def test_other_methods_are_refused_in_the_error_form(client):
    response = client.delete(url("requests"))
    assert response.status_code == 405
    assert response.json()[0]["code"] == 405


# --- jurisdiction_id ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_jurisdiction_is_a_404_everywhere(client, hotline, submit, center_tree, fmt):
    number = submit().json()[0]["service_request_id"]
    wrong = {"jurisdiction_id": "sfgov.org"}
    not_a_root = {"jurisdiction_id": center_tree.county.code}
    for query in (wrong, not_a_root):
        for response in (
            client.get(url("services", fmt), query),
            client.get(url("service", fmt, service_code="neighbour"), query),
            client.get(url("request", fmt, service_request_id=number), query),
            client.get(url("requests", fmt), {**query, "api_key": hotline.key}),
            submit(fmt, jurisdiction_id=query["jurisdiction_id"]),
        ):
            assert response.status_code == 404
            body = parse(response, fmt)
            if fmt == "json":
                assert body == [{"code": 404, "description": "jurisdiction_id: 没有这个辖区。"}]
            else:
                assert body.tag == "errors"
                assert body[0].findtext("description").startswith("jurisdiction_id: ")
    root = {"jurisdiction_id": center_tree.city.code}
    assert client.get(url("services", fmt), root).status_code == 200
    assert client.get(url("request", fmt, service_request_id=number), root).status_code == 200


def test_a_root_the_client_does_not_belong_to(client, hotline, submit, center_tree):
    from tests.factories import CenterFactory

    other_root = CenterFactory(code="110000000000", name="北京市", level="province")
    number = submit().json()[0]["service_request_id"]
    query = {"jurisdiction_id": other_root.code}
    assert client.get(url("services"), query).status_code == 200
    assert client.get(url("request", service_request_id=number), query).status_code == 404
    assert numbers(client.get(url("requests"), {**query, "api_key": hotline.key})) == []
    assert submit(jurisdiction_id=other_root.code).status_code == 404


# --- GET requests -----------------------------------------------------------------------------


@pytest.fixture
def cases(center_tree, categories):
    """Cases inside the hotline's county (at a village, at a sibling village, handled at the
    county), a confidential one, one in the other county and one received in the other
    county but handled in ours (the city dispatched it there)."""
    t = center_tree

    def make(**kwargs):
        return register(t, categories, **kwargs)

    inside = make()
    sibling = make(village=t.sibling_village, category=categories.family)
    at_county = make(receiving=t.county)
    secret = make(is_confidential=True)
    outside = make(village=t.other_village)
    came_in = make(village=t.other_village)
    # Dispatched by the city to our county: handled off its 属地 path.
    Dispute.objects.filter(pk=came_in.pk).update(
        current_center=t.county, level=t.county.level, handled_elsewhere=True
    )
    return type(
        "Cases",
        (),
        {
            "inside": inside,
            "sibling": sibling,
            "at_county": at_county,
            "secret": secret,
            "outside": outside,
            "came_in": came_in,
        },
    )


def test_the_list_is_the_clients_subtree_without_confidential_cases(client, hotline, cases):
    listed = numbers(client.get(url("requests"), {"api_key": hotline.key}))
    expected = [cases.came_in, cases.at_county, cases.sibling, cases.inside]
    assert listed == [case.tracking_number for case in expected]  # most recent first


def test_a_single_request_is_public_but_not_a_confidential_one(client, cases):
    for case in (cases.inside, cases.outside):
        assert (
            client.get(url("request", service_request_id=case.tracking_number)).status_code == 200
        )
    response = client.get(url("request", service_request_id=cases.secret.tracking_number))
    assert response.status_code == 404
    assert response.json() == [{"code": 404, "description": "service_request_id: 没有这个诉求。"}]


def test_ids_override_every_other_filter_but_not_the_scope(client, hotline, cases):
    ids = (
        ",".join(case.tracking_number for case in (cases.inside, cases.outside, cases.secret))
        + ",nonsense"
    )
    query = {
        "api_key": hotline.key,
        "service_request_id": ids,
        "status": "closed",
        "service_code": "marriage_family",
        "start_date": "2010-01-01T00:00:00Z",
    }
    assert numbers(client.get(url("requests"), query)) == [cases.inside.tracking_number]


def test_service_code_filter(client, hotline, cases):
    query = {"api_key": hotline.key, "service_code": "marriage_family"}
    assert numbers(client.get(url("requests"), query)) == [cases.sibling.tracking_number]
    query["service_code"] = "marriage_family, neighbour"
    assert len(numbers(client.get(url("requests"), query))) == 4
    query["service_code"] = "potholes"
    assert numbers(client.get(url("requests"), query)) == []


def test_dates_default_to_the_last_90_days_and_honour_their_offset(client, hotline, cases):
    now = timezone.now()
    Dispute.objects.filter(pk=cases.inside.pk).update(created_at=now - timedelta(days=100))
    Dispute.objects.filter(pk=cases.sibling.pk).update(created_at=now - timedelta(days=5))
    key = {"api_key": hotline.key}
    default = numbers(client.get(url("requests"), key))
    assert cases.inside.tracking_number not in default
    assert cases.sibling.tracking_number in default

    moment = (now - timedelta(days=100)).replace(microsecond=0)
    # The same instant in two zones; a "+" sent unencoded arrives as a space.
    for start in (
        moment.astimezone(timezone.get_fixed_timezone(-8 * 60)).isoformat(),
        moment.astimezone(timezone.get_fixed_timezone(0)).isoformat().replace("+00:00", "Z"),
        timezone.localtime(moment).isoformat().replace("+", " "),
    ):
        window = numbers(
            client.get(url("requests"), {**key, "start_date": start})
        )  # 90 days from start
        assert cases.inside.tracking_number in window, start
        assert cases.sibling.tracking_number not in window

    end = (now - timedelta(days=50)).isoformat()
    assert numbers(client.get(url("requests"), {**key, "end_date": end})) == [
        cases.inside.tracking_number
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start_date": "2024-01-01T00:00:00Z", "end_date": "2024-06-01T00:00:00Z"}, "end_date"),
        ({"start_date": "2024-06-01T00:00:00Z", "end_date": "2024-01-01T00:00:00Z"}, "end_date"),
        ({"start_date": "2024-01-01T00:00:00"}, "start_date"),
        ({"end_date": "2024-01-01"}, "end_date"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"status": "pending"}, "status"),
    ],
)
def test_bad_list_parameters_are_400s(client, hotline, query, field):
    response = client.get(url("requests"), {"api_key": hotline.key, **query})
    assert response.status_code == 400
    assert field in errors(response)


def test_the_list_stops_at_the_cap(client, hotline, cases, monkeypatch):
    monkeypatch.setattr(selectors, "MAX_RESULTS", 2)
    listed = numbers(client.get(url("requests"), {"api_key": hotline.key}))
    assert listed == [cases.came_in.tracking_number, cases.at_county.tracking_number]


def test_the_list_reads_a_fixed_number_of_queries(
    client, hotline, center_tree, categories, django_assert_max_num_queries
):
    for _index in range(12):
        register(center_tree, categories)
    with django_assert_max_num_queries(4):
        assert len(numbers(client.get(url("requests"), {"api_key": hotline.key}))) == 12


# --- No personal data out ---------------------------------------------------------------------


def test_no_personal_data_in_any_response(client, hotline, submit, center_tree, categories):
    submitted = submit(
        description="李秀兰（身份证420602198503152541）与王建军因排水争吵，李秀兰电话13907101234",
        email="li@example.com",
        media_url="https://example.com/p/1.jpg",
        device_id="device-778",
        account_id="acct-778",
        lat="32.0089",
        long="112.1224",
        **{"attribute[respondent]": "王建军"},
    )
    number = submitted.json()[0]["service_request_id"]
    walk_in = register(
        center_tree,
        categories,
        summary="赵小红投诉邻居，电话 138 0000 2222",
        address="檀溪路88号3栋",
        parties=[
            PartyData(
                side=PartySide.APPLICANT,
                name="赵小红",
                phone="13800002222",
                id_number="420602198503152541",
            )
        ],
    )
    secrets = [
        APPLICANT["phone"],
        "李秀兰",
        "王建军",
        "赵小红",
        "13800002222",
        "420602198503152541",
        "li@example.com",
        "example.com/p/1.jpg",
        "device-778",
        "acct-778",
        "32.0089",
        "112.1224",
        "檀溪路",
    ]
    bodies = [submitted.content.decode()]
    for fmt in ("json", "xml"):
        bodies.append(submit(fmt).content.decode())
        bodies.append(client.get(url("requests", fmt), {"api_key": hotline.key}).content.decode())
        for case_number in (number, walk_in.tracking_number):
            bodies.append(
                client.get(url("request", fmt, service_request_id=case_number)).content.decode()
            )
    for body in bodies:
        for secret in secrets:
            assert secret not in body, (secret, body)
    keyed = {"api_key": hotline.key}
    [item] = client.get(url("request", service_request_id=walk_in.tracking_number), keyed).json()
    assert item["description"] == "赵**投诉邻居，电话 138****2222"
    [item] = client.get(url("request", service_request_id=number), keyed).json()
    assert "李**" in item["description"] and "王**" in item["description"]
    assert "4206**********2541" in item["description"]


# --- One request without a key, or with another subtree's key ------------------------------


def test_without_a_key_one_request_shows_its_status_but_not_its_summary_or_place(
    client, hotline, submit, center_tree
):
    number = submit().json()[0]["service_request_id"]
    [anonymous] = client.get(url("request", service_request_id=number)).json()
    [keyed] = client.get(url("request", service_request_id=number), {"api_key": hotline.key}).json()
    assert anonymous["description"] is None and anonymous["address"] is None
    assert keyed["description"] and keyed["address"]
    assert {k: v for k, v in anonymous.items() if k not in ("description", "address")} == {
        k: v for k, v in keyed.items() if k not in ("description", "address")
    }


def test_another_subtrees_key_gets_the_redacted_form(client, submit, center_tree):
    from disputes.choices import Channel
    from open311.services import api_client_create

    _other, other_key = api_client_create(
        name="樊城区12345热线", center=center_tree.other_county, channel=Channel.HOTLINE_12345
    )
    number = submit().json()[0]["service_request_id"]
    [item] = client.get(url("request", service_request_id=number), {"api_key": other_key}).json()
    assert item["description"] is None and item["address"] is None


def test_a_wrong_key_is_refused_rather_than_served_anonymously(client, submit):
    number = submit().json()[0]["service_request_id"]
    response = client.get(url("request", service_request_id=number), {"api_key": "o311_wrong"})
    assert response.status_code == 403


def test_walking_through_numbers_without_a_key_is_limited_per_ip(client, submit, settings):
    settings.PUBLIC_API_THROTTLE_RATES = {
        **settings.PUBLIC_API_THROTTLE_RATES,
        "open311_anonymous_ip": "3/hour",
    }
    from django.core.cache import cache

    cache.clear()
    number = submit().json()[0]["service_request_id"]
    answers = [
        client.get(url("request", service_request_id=number), REMOTE_ADDR="10.9.9.9")
        for _ in range(4)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert int(answers[-1]["Retry-After"]) > 0
    assert answers[-1].json()[0]["code"] == 429
    other_ip = client.get(url("request", service_request_id=number), REMOTE_ADDR="10.9.9.8")
    assert other_ip.status_code == 200


def test_a_date_with_an_offset_beyond_postgresqls_range_is_compared_in_utc(client, hotline, submit):
    submit()
    response = client.get(
        url("requests"),
        {
            "api_key": hotline.key,
            "start_date": "2026-01-03T05:47:28+17:49",
            "end_date": "2026-03-01T00:00:00-16:30",
        },
    )
    assert response.status_code == 200
