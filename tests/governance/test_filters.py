"""Yes/no filters of the REST API refuse what is neither yes nor no (found by
tests/api/test_schemathesis.py: `?unread=null` listed every message, as no filter)."""

import pytest
from django.http import QueryDict
from rest_framework.test import APIClient

from centers.choices import Role
from centers.filtersets import CenterFilterSet
from centers.models import Center
from tests.i18n_support import compile_catalogs


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("is_active=true", True),
        ("is_active=TRUE", True),
        ("is_active=1", True),
        ("is_active=false", False),
        ("is_active=0", False),
        ("is_active=", None),
        ("", None),
    ],
)
def test_yes_no_and_nothing(query, expected):
    filterset = CenterFilterSet(QueryDict(query), queryset=Center.objects.none())
    assert filterset.is_valid(), filterset.errors
    assert filterset.form.cleaned_data["is_active"] is expected


@pytest.mark.parametrize("value", ["null", "yes", "ture", "2"])
def test_anything_else_is_refused(value):
    filterset = CenterFilterSet(QueryDict(f"is_active={value}"), queryset=Center.objects.none())
    assert not filterset.is_valid()
    assert filterset.errors["is_active"] == ["请填写 true 或 false。"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/notifications/?unread=null",
        "/api/v1/centers/?is_active=null",
        "/api/v1/grids/?is_active=null",
        "/api/v1/cases/?overdue=null",
        "/api/v1/follow-ups/?mine=null",
        "/api/v1/follow-ups/?overdue=null",
    ],
)
def test_the_api_answers_400_naming_the_filter(center_tree, member, url):
    compile_catalogs()
    client = APIClient()
    client.force_login(member(center_tree.county, Role.DIRECTOR))
    response = client.get(url)
    name = url.split("?")[1].split("=")[0]
    assert response.status_code == 400, response.content
    assert response.json() == {name: ["请填写 true 或 false。"]}
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json() == {name: ["Enter true or false."]}
    assert client.get(url.replace("null", "true")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/cases/?created_to=&overdue=&q=&channel=",
        "/api/v1/follow-ups/?due_before=&mine=&center=",
        "/api/v1/escalations/?date_to=&kind=&township=",
        "/api/v1/centers/?is_active=&parent=",
        "/api/v1/notifications/?unread=",
    ],
)
def test_an_empty_filter_is_no_filter(center_tree, member, url):
    """As the schema says (allowEmptyValue)."""
    client = APIClient()
    client.force_login(member(center_tree.county, Role.DIRECTOR))
    path = url.split("?")[0]
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response.json() == client.get(path).json()
