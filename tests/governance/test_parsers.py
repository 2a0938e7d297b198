"""A body that is not JSON is answered in the caller's language (found by
tests/api/test_schemathesis.py: DRF words the message in English only)."""

import pytest
from rest_framework.test import APIClient

from centers.choices import Role
from tests.i18n_support import compile_catalogs

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("body", [b"{not json", b"\xaa\xbb", b"[1,"])
def test_not_json_in_chinese_and_in_english(center_tree, member, body):
    compile_catalogs()
    client = APIClient()
    client.force_login(member(center_tree.county, Role.DIRECTOR))
    for url in ("/api/v1/cases/", "/api/v1/public/cases/"):
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 400, response.content
        assert response.json()["detail"].startswith("请求体不是有效的 JSON："), response.json()
        english = client.post(url, body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
        assert english.json()["detail"].startswith("The request body is not valid JSON: ")
