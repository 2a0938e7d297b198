"""`page_size` of the REST API's lists: a whole number from 1, or a 400 naming it (found by
tests/api/test_schemathesis.py: `?page_size=null` silently gave the default size)."""

import pytest
from rest_framework.test import APIClient

from centers.choices import Role
from tests.i18n_support import compile_catalogs

pytestmark = pytest.mark.django_db


@pytest.fixture
def director(center_tree, member):
    client = APIClient()
    client.force_login(member(center_tree.county, Role.DIRECTOR))
    return client


@pytest.mark.parametrize("url", ["/api/v1/cases/", "/api/v1/follow-ups/", "/api/v1/escalations/"])
@pytest.mark.parametrize("value", ["null", "0", "-3", "2.5", "", "abc"])
def test_a_page_size_that_is_not_a_whole_number_from_1_is_refused(director, url, value):
    compile_catalogs()
    response = director.get(url, {"page_size": value})
    assert response.status_code == 400, response.content
    assert response.json() == {"page_size": ["每页条数须为不小于 1 的整数。"]}
    english = director.get(url, {"page_size": value}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json() == {"page_size": ["page_size must be a whole number of at least 1."]}


def test_a_large_one_is_cut_and_none_is_the_default(director):
    assert director.get("/api/v1/cases/", {"page_size": 100000}).status_code == 200
    assert director.get("/api/v1/cases/", {"page_size": "7"}).status_code == 200
    assert director.get("/api/v1/cases/").status_code == 200
