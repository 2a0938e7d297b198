"""The resident API in the OpenAPI schema: every endpoint, both ways of sending the access
code, the 404/409/429 answers with Retry-After, examples, no authentication; and no schema
warning from these views."""

import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

BASE = "/api/v1/public/cases/"


@pytest.fixture(scope="module")
def schema_and_warnings():
    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    messages = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    GENERATOR_STATS.reset()
    validate_schema(schema)
    return schema, messages


def test_no_schema_warning_comes_from_the_resident_api(schema_and_warnings):
    _schema, messages = schema_and_warnings
    ours = [m for m in messages if "public_api" in m or "Case" in m or "Rating" in m]
    assert ours == []


def _operation(schema, path, method):
    return schema["paths"][path][method]


def test_filing(schema_and_warnings):
    schema, _ = schema_and_warnings
    operation = _operation(schema, BASE, "post")
    assert "security" not in operation or operation["security"] in ([], [{}])
    content = operation["requestBody"]["content"]
    assert set(content) == {"application/json", "multipart/form-data"}
    multipart = schema["components"]["schemas"]["CaseIntakeRequest"]["properties"]
    assert multipart["attachment"]["format"] == "binary"
    json_body = schema["components"]["schemas"]["CaseIntakeJSONRequest"]["properties"]
    assert "attachment" not in json_body
    assert set(operation["responses"]) == {"201", "400", "429"}
    assert "Retry-After" in operation["responses"]["429"]["headers"]
    assert content["application/json"]["examples"]
    assert operation["responses"]["201"]["content"]["application/json"]["examples"]


@pytest.mark.parametrize(
    ("path", "method", "codes"),
    [
        (BASE + "{tracking_number}/", "get", {"200", "404", "429"}),
        (BASE + "{tracking_number}/rating/", "post", {"200", "400", "404", "409", "429"}),
    ],
)
def test_look_ups(schema_and_warnings, path, method, codes):
    schema, _ = schema_and_warnings
    operation = _operation(schema, path, method)
    parameters = {(p["name"], p["in"]) for p in operation["parameters"]}
    assert {("tracking_number", "path"), ("X-Access-Code", "header")} <= parameters
    if method == "get":
        assert ("access_code", "query") in parameters
    else:
        body = schema["components"]["schemas"]["RatingRequest"]["properties"]
        assert "access_code" in body and body["rating"]
    assert set(operation["responses"]) == codes
    assert "Retry-After" in operation["responses"]["429"]["headers"]
    for code in codes - {"400"}:
        assert operation["responses"][code]["content"]["application/json"]["examples"], code
    assert "X-Access-Code" in operation["description"]
