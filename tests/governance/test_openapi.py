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
