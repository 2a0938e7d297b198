import xml.etree.ElementTree as ET
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from centers.choices import Role
from disputes.choices import Channel
from disputes.models import Category
from open311.services import api_client_create

# The person filing in most tests, and what must never come back out.
APPLICANT = {"last_name": "李", "first_name": "秀兰", "phone": "13907101234"}
FORM = "application/x-www-form-urlencoded; charset=utf-8"


def url(name: str, fmt: str = "json", **kwargs) -> str:
    return reverse(f"open311:{name}-{fmt}", kwargs=kwargs or None)


def post_form(client, path: str, form: dict, **headers):
    """POST as the specification says: application/x-www-form-urlencoded, UTF-8."""
    return client.post(path, urlencode(form), content_type=FORM, **headers)


def parse(response, fmt: str):
    """The body as Python data (JSON) or as an ElementTree element (XML)."""
    if fmt == "json":
        return response.json()
    body = response.content.decode("utf-8")
    assert body.startswith('<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


@pytest.fixture
def categories(db):
    """The migration's categories (get_or_create: a transactional test's flush empties the
    table)."""
    neighbour = Category.objects.get_or_create(
        code="neighbour", defaults={"name": "邻里纠纷", "sort_order": 2}
    )[0]
    family = Category.objects.get_or_create(
        code="marriage_family",
        defaults={"name": "婚姻家庭", "description": "含赡养、抚养、继承", "sort_order": 1},
    )[0]
    return SimpleNamespace(neighbour=neighbour, family=family)


@pytest.fixture
def hotline(center_tree):
    """A 12345 hotline client at the 襄城区 county center, and its key."""
    client, key = api_client_create(
        name="襄城区12345热线", center=center_tree.county, channel=Channel.HOTLINE_12345
    )
    return SimpleNamespace(client=client, key=key)


@pytest.fixture
def staff(center_tree, member):
    """Handlers at the village and the county of the center_tree fixture."""
    return SimpleNamespace(
        village=member(center_tree.village, Role.MEDIATOR, username="o311_village"),
        county=member(center_tree.county, Role.STAFF, username="o311_county"),
    )


@pytest.fixture
def submit(client, hotline, categories, center_tree):
    """submit(**overrides) → the response of POST requests.json with a valid form."""

    def post(fmt="json", key=None, headers=None, **overrides):
        form = {
            "api_key": hotline.key if key is None else key,
            "service_code": "neighbour",
            "address_id": center_tree.village.code,
            "address_string": "檀溪路12号",
            "description": "邻居院墙排水进我家院子\n已多次协商未果",
            **APPLICANT,
            **overrides,
        }
        form = {name: value for name, value in form.items() if value is not None}
        return post_form(client, url("requests", fmt), form, **(headers or {}))

    return post
