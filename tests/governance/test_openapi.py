"""The OpenAPI schema: it validates, with no warnings, and its pages load their assets from
our own static files."""

import re

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse


def test_the_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/metrics/{code}/" in schema["paths"]


@pytest.mark.django_db
def test_the_schema_is_served_to_anyone(client):
    response = client.get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert response.json()["info"]["title"].startswith("Zongzhi")


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["api-docs", "api-redoc"])
def test_the_documentation_pages_use_no_cdn(client, name):
    body = client.get(reverse(name)).content.decode()
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", body)
    assert any("drf_spectacular_sidecar" in url for url in assets), assets
    assert not [url for url in assets if url.startswith(("http:", "https:", "//"))], assets


def test_the_errors_of_the_framework_are_documented(tmp_path):
    """A page past the last, a name outside the scope, a filter of the wrong form and a bad
    token are answered by the framework, not by the views: the schema says so on every staff
    operation they can happen to (tests/api/test_schemathesis.py found them undocumented)."""
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target))
    paths = yaml.safe_load(target.read_text(encoding="utf-8"))["paths"]
    cases = paths["/api/v1/cases/"]["get"]["responses"]
    assert {"200", "400", "401", "404"} <= set(cases)
    assert "page" in cases["404"]["description"]
    center = paths["/api/v1/centers/{code}/"]["get"]["responses"]
    assert {"200", "401", "404"} <= set(center) and "400" not in center
    assert {"400", "404"} <= set(paths["/api/v1/metrics/{code}/"]["get"]["responses"])
    read = paths["/api/v1/notifications/{id}/read/"]["post"]["responses"]
    assert {"200", "401", "404"} <= set(read)
    # An empty filter is no filter (django-filter); an empty page is not a page.
    parameters = {p["name"]: p for p in paths["/api/v1/cases/"]["get"]["parameters"]}
    assert parameters["created_to"]["allowEmptyValue"] is True
    assert "allowEmptyValue" not in parameters["page"]
    assert "allowEmptyValue" not in parameters["status"]  # several values: an empty one is a 400
    # What a view documents itself stays as it is.
    assert paths["/api/v1/cases/{tracking_number}/"]["get"]["responses"]["404"]["description"] == (
        "No such case in your scope."
    )
    # The resident API and Open311 document their own errors.
    assert "401" not in paths["/api/v1/public/cases/"]["post"]["responses"]
    assert "401" not in paths["/open311/v2/services.json"]["get"]["responses"]
