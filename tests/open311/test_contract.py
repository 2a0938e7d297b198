"""The contract with GeoReport v2 (http://wiki.open311.org/GeoReport_v2): the specification's
example requests get answers with exactly its field names, in its order, of its types, in
JSON and in XML (parsed), UTF-8 with the declared content types."""

import re
from urllib.parse import parse_qsl

import pytest

from .conftest import FORM, parse, post_form, url

pytestmark = pytest.mark.django_db

FORMATS = ["json", "xml"]

SERVICE_FIELDS = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]
DEFINITION_FIELDS = ["service_code", "attributes"]
ATTRIBUTE_FIELDS = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
]
VALUE_FIELDS = ["key", "name"]
CREATED_FIELDS = ["service_request_id", "service_notice", "account_id"]
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
ERROR_FIELDS = ["code", "description"]
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
# The specification's w3 date-time with its zone: 2010-04-14T06:37:38-08:00 or …Z.
W3_DATETIME = re.compile(r"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2})\Z")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}

# POST Service Request, "Example Request", verbatim.
SPEC_POST_BODY = (
    "api_key=xyz&jurisdiction_id=city.gov&service_code=001&lat=37.76524078&long=-122.4212043"
    "&address_string=1234+5th+street&email=smit333%40sfgov.edu&device_id=tt222111"
    "&account_id=123456&first_name=john&last_name=smith&phone=111111111"
    "&description=A+large+sinkhole+is+destroying+the+street"
    "&media_url=http%3A%2F%2Ffarm3.static.flickr.com%2F2002%2F2212426634_5ed477a060.jpg"
    "&attribute[WHISPAWN]=123456&attribute[WHISDORN]=COISL001"
)


def children(element) -> list[str]:
    return [child.tag for child in element]


def assert_request_types(item: dict) -> None:
    assert list(item) == REQUEST_FIELDS
    assert isinstance(item["service_request_id"], str)
    assert item["status"] in ("open", "closed")
    for name in ("status_notes", "service_name", "service_code", "description"):
        assert isinstance(item[name], str)
    assert isinstance(item["agency_responsible"], str)
    assert item["service_notice"] is None or isinstance(item["service_notice"], str)
    assert W3_DATETIME.match(item["requested_datetime"])
    assert W3_DATETIME.match(item["updated_datetime"])
    assert item["expected_datetime"] is None or W3_DATETIME.match(item["expected_datetime"])
    assert isinstance(item["address"], str)
    assert re.fullmatch(r"\d{12}", item["address_id"])
    assert item["zipcode"] is None and item["lat"] is None and item["long"] is None
    assert item["media_url"] is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_list(client, categories, fmt):
    response = client.get(url("services", fmt))
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPES[fmt]
    body = parse(response, fmt)
    if fmt == "json":
        assert isinstance(body, list) and body
        for service in body:
            assert list(service) == SERVICE_FIELDS
            assert isinstance(service["service_code"], str)
            assert service["metadata"] is True
            assert service["type"] == "realtime"
        family = next(s for s in body if s["service_code"] == "marriage_family")
        assert family["service_name"] == "婚姻家庭"
        assert family["keywords"] == "婚姻家庭, 赡养, 抚养, 继承, 婚姻家庭与邻里"
        assert family["group"] == "婚姻家庭与邻里"
    else:
        assert body.tag == "services"
        assert body and set(children(body)) == {"service"}
        for service in body:
            assert children(service) == SERVICE_FIELDS
            assert service.findtext("metadata") == "true"
            assert service.findtext("type") == "realtime"


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition(client, categories, fmt):
    response = client.get(url("service", fmt, service_code="neighbour"))
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPES[fmt]
    body = parse(response, fmt)
    if fmt == "json":
        assert list(body) == DEFINITION_FIELDS
        assert body["service_code"] == "neighbour"
        orders = []
        for attribute in body["attributes"]:
            assert list(attribute) == ATTRIBUTE_FIELDS
            assert isinstance(attribute["variable"], bool)
            assert isinstance(attribute["required"], bool)
            assert attribute["datatype"] in DATATYPES
            assert attribute["datatype_description"] is None or isinstance(
                attribute["datatype_description"], str
            )
            assert isinstance(attribute["order"], int) and attribute["order"] >= 1
            orders.append(attribute["order"])
            for value in attribute["values"]:
                assert list(value) == VALUE_FIELDS
            if attribute["datatype"].endswith("valuelist"):
                assert attribute["values"]
        assert len(set(orders)) == len(orders)
        risk = next(a for a in body["attributes"] if a["code"] == "risk_level")
        assert risk["values"] == [
            {"key": "ordinary", "name": "一般"},
            {"key": "serious", "name": "较大"},
            {"key": "major", "name": "重大"},
        ]
        note = next(a for a in body["attributes"] if a["code"] == "address_id_note")
        assert note["variable"] is False and "address_id" in note["description"]
    else:
        assert body.tag == "service_definition"
        assert children(body) == DEFINITION_FIELDS
        attributes = body.find("attributes")
        assert set(children(attributes)) == {"attribute"}
        for attribute in attributes:
            assert children(attribute) == ATTRIBUTE_FIELDS
            assert attribute.findtext("variable") in ("true", "false")
            values = attribute.find("values")
            assert set(children(values)) <= {"value"}
            for value in values:
                assert children(value) == VALUE_FIELDS


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_specifications_post_example_placed_by_address_id(
    client, hotline, categories, center_tree, fmt
):
    """The example request of POST Service Request, with our key, a root code as the
    jurisdiction, our service code and attributes, a mainland phone number, and the village
    as address_id; every other parameter as the specification has it."""
    form = dict(parse_qsl(SPEC_POST_BODY))
    for name in ("attribute[WHISPAWN]", "attribute[WHISDORN]"):
        form.pop(name)
    form.update(
        {
            "api_key": hotline.key,
            "jurisdiction_id": center_tree.city.code,
            "service_code": "neighbour",
            "phone": "13907101234",
            "address_id": center_tree.village.code,
            "attribute[risk_level]": "ordinary",
        }
    )
    response = post_form(client, url("requests", fmt), form)
    assert response.status_code == 201, response.content.decode()
    assert response["Content-Type"] == CONTENT_TYPES[fmt]
    body = parse(response, fmt)
    if fmt == "json":
        assert len(body) == 1
        created = body[0]
        assert list(created) == CREATED_FIELDS
        assert isinstance(created["service_request_id"], str)
        assert isinstance(created["service_notice"], str)
        assert created["account_id"] is None
        number = created["service_request_id"]
    else:
        assert body.tag == "service_requests"
        assert children(body) == ["request"]
        assert children(body[0]) == CREATED_FIELDS
        assert body[0].find("account_id").text is None  # <account_id/>
        number = body[0].findtext("service_request_id")
    assert number.startswith(f"{center_tree.county.code}-")


def test_the_specifications_example_verbatim_is_refused_for_its_key(client, categories):
    response = client.post(url("requests", "xml"), SPEC_POST_BODY, content_type=FORM)
    assert response.status_code == 403
    errors = parse(response, "xml")
    assert errors.tag == "errors"
    assert children(errors) == ["error"]
    assert children(errors[0]) == ERROR_FIELDS
    assert errors[0].findtext("code") == "403"

    response = client.post(url("requests", "json"), SPEC_POST_BODY, content_type=FORM)
    assert response.status_code == 403
    assert [list(error) for error in response.json()] == [ERROR_FIELDS]
    assert response.json()[0]["code"] == 403


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_service_requests_and_one_request(client, hotline, submit, center_tree, fmt):
    number = submit().json()[0]["service_request_id"]
    # GET Service Requests' sample URL, with our key and root code.
    query = {
        "start_date": "2010-05-24T00:00:00Z",
        "end_date": "2010-06-24T00:00:00Z",
        "status": "open",
        "jurisdiction_id": center_tree.city.code,
        "api_key": hotline.key,
    }
    response = client.get(url("requests", fmt), query)
    assert response.status_code == 200
    body = parse(response, fmt)
    assert (len(body) if fmt == "json" else len(list(body))) == 0  # nothing in 2010

    query.pop("start_date"), query.pop("end_date")
    for response in (
        client.get(url("requests", fmt), query),
        client.get(
            url("request", fmt, service_request_id=number),
            {"jurisdiction_id": "420600000000", "api_key": hotline.key},
        ),
    ):
        assert response.status_code == 200
        assert response["Content-Type"] == CONTENT_TYPES[fmt]
        body = parse(response, fmt)
        if fmt == "json":
            assert len(body) == 1
            assert_request_types(body[0])
            assert body[0]["service_request_id"] == number
            assert body[0]["status"] == "open"
            assert body[0]["requested_datetime"].endswith("+08:00")
        else:
            assert body.tag == "service_requests"
            assert children(body) == ["request"]
            assert children(body[0]) == REQUEST_FIELDS
            assert body[0].findtext("status") == "open"
            assert W3_DATETIME.match(body[0].findtext("requested_datetime"))
            assert body[0].find("zipcode").text is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_errors_are_the_specifications_list(client, fmt):
    response = client.get(url("request", fmt, service_request_id="000000000000-2024-00001"))
    assert response.status_code == 404
    assert response["Content-Type"] == CONTENT_TYPES[fmt]
    body = parse(response, fmt)
    if fmt == "json":
        assert [list(error) for error in body] == [ERROR_FIELDS]
        assert body[0]["code"] == 404
        assert body[0]["description"].startswith("service_request_id: ")
    else:
        assert body.tag == "errors"
        assert children(body) == ["error"]
        assert children(body[0]) == ERROR_FIELDS
        assert body[0].findtext("code") == "404"


def test_the_extension_decides_the_format_not_the_accept_header(client, categories):
    response = client.get(url("services", "xml"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPES["xml"]
    response = client.get(url("services", "json"), HTTP_ACCEPT="text/xml")
    assert response["Content-Type"] == CONTENT_TYPES["json"]
    assert client.get("/open311/v2/services.csv").status_code == 404


def test_xml_escapes_markup_and_drops_characters_xml_cannot_hold(client, categories):
    categories.neighbour.description = "<b>邻里</b> & \x01院墙"
    categories.neighbour.save()
    body = parse(client.get(url("services", "xml")), "xml")
    service = next(s for s in body if s.findtext("service_code") == "neighbour")
    assert service.findtext("description") == "<b>邻里</b> & 院墙"
