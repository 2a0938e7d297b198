"""The Open311 endpoints in the OpenAPI schema: every path in both formats, with the
specification's field names, examples, and no generator warnings from our code."""

import os
import re
from datetime import datetime
from pathlib import Path

import jsonschema
import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

import open311

from .test_contract import CREATED_FIELDS, REQUEST_FIELDS, SERVICE_FIELDS

pytestmark = pytest.mark.django_db

PATHS = {
    "/open311/v2/services.{fmt}": ["get"],
    "/open311/v2/services/{{service_code}}.{fmt}": ["get"],
    "/open311/v2/requests.{fmt}": ["get", "post"],
    "/open311/v2/requests/{{service_request_id}}.{fmt}": ["get"],
}


@pytest.fixture(scope="module")
def schema_and_warnings(django_db_blocker):
    with django_db_blocker.unblock():
        GENERATOR_STATS.reset()
        with GENERATOR_STATS.silence():
            schema = SchemaGenerator().get_schema(request=None, public=True)
        warnings = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    return schema, warnings


def test_every_endpoint_in_both_formats(schema_and_warnings):
    schema, _warnings = schema_and_warnings
    for template, methods in PATHS.items():
        for fmt, media_type in (("json", "application/json"), ("xml", "text/xml")):
            operations = schema["paths"][template.format(fmt=fmt)]
            assert sorted(method for method in operations if method in ("get", "post")) == sorted(
                methods
            )
            for method in methods:
                operation = operations[method]
                assert operation["operationId"].endswith(f"_{fmt}")
                assert operation["tags"] == ["open311"]
                ok = operation["responses"]["201" if method == "post" else "200"]
                assert list(ok["content"]) == [media_type]
                assert ok["content"][media_type]["examples"]
                errors = [code for code in operation["responses"] if code >= "400"]
                assert errors
                for code in errors:
                    error_schema = operation["responses"][code]["content"][media_type]["schema"]
                    assert error_schema["type"] == "array"
                    assert set(error_schema["items"]["properties"]) == {"code", "description"}


def test_the_components_carry_the_specifications_fields(schema_and_warnings):
    schemas = schema_and_warnings[0]["components"]["schemas"]
    assert list(schemas["Service"]["properties"]) == SERVICE_FIELDS
    assert list(schemas["ServiceRequest"]["properties"]) == REQUEST_FIELDS
    assert list(schemas["ServiceRequestCreated"]["properties"]) == CREATED_FIELDS
    form = schemas["ServiceRequestInputRequest"]
    assert {"api_key", "service_code", "address_id", "attribute[risk_level]"} <= set(
        form["properties"]
    )
    post = schema_and_warnings[0]["paths"]["/open311/v2/requests.json"]["post"]
    assert list(post["requestBody"]["content"]) == ["application/x-www-form-urlencoded"]
    assert post["requestBody"]["content"]["application/x-www-form-urlencoded"]["examples"]
    # Component names must match ^[a-zA-Z0-9.\-_]+$ (OpenAPI 3).
    assert all(
        name.replace(".", "").replace("-", "").replace("_", "").isalnum() and name.isascii()
        for name in schemas
    )


def test_the_fields_that_may_be_null_say_so(schema_and_warnings):
    """service_notice is null while a case is open, expected_datetime once it is closed
    (tests/api/test_schemathesis.py found both declared as plain strings); description and
    address without a key."""
    request = schema_and_warnings[0]["components"]["schemas"]["ServiceRequest"]["properties"]
    nullable = {name for name, field in request.items() if field.get("nullable")}
    assert nullable == {
        "description",
        "address",
        "service_notice",
        "expected_datetime",
        "zipcode",
        "lat",
        "long",
        "media_url",
    }
    assert request["expected_datetime"]["format"] == "date-time"


def test_no_generator_warning_comes_from_open311(schema_and_warnings):
    _schema, warnings = schema_and_warnings
    app_dir = str(Path(open311.__file__).parent) + os.sep
    ours = [
        warning
        for warning in warnings
        if app_dir in warning or re.search(r"\[Service\w*View", warning)
    ]
    assert ours == []


def test_the_schema_endpoint_serves_them(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert "/open311/v2/requests.json" in response.json()["paths"]


EMPTY_AS_MISSING = (
    "lat",
    "long",
    "attribute[request_type]",
    "attribute[risk_level]",
    "attribute[occurred_at]",
    "attribute[confidential]",
)


@pytest.mark.parametrize("name", EMPTY_AS_MISSING)
def test_an_empty_form_parameter_is_allowed_as_the_api_takes_it(schema_and_warnings, name):
    """An empty parameter of the POST form is the same as a missing one, and filed so: the
    schema allowed only a number, a choice or a date-time (tests/api/test_schemathesis.py
    found `attribute[occurred_at]=` filed)."""
    schema = schema_and_warnings[0]
    form = schema["components"]["schemas"]["ServiceRequestInputRequest"]["properties"]
    # jsonschema checks no date-time without an extra package: Python's parser does here.
    formats = jsonschema.FormatChecker()
    formats.checks("date-time", raises=ValueError)(datetime.fromisoformat)
    assert jsonschema.Draft4Validator(form[name], format_checker=formats).is_valid("")


def test_the_api_files_a_form_with_them_empty(submit):
    response = submit(**dict.fromkeys(EMPTY_AS_MISSING, ""))
    assert response.status_code == 201, response.content
