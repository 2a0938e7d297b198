"""The guard every test's responses pass through (tests/pii_guard.py) catches numbers in full
and lets masked ones, codes and tracking numbers through."""

from types import SimpleNamespace

import pytest
from django.http import HttpResponse, JsonResponse

from tests.pii_guard import PersonalDataShown, scan


def _request(namespace="disputes", url_name="detail"):
    return SimpleNamespace(
        method="GET",
        resolver_match=SimpleNamespace(namespace=namespace, url_name=url_name),
        get_full_path=lambda: "/somewhere/",
    )


@pytest.mark.parametrize(
    "body",
    [
        {"phone": "13912345678"},
        {"id_number": "42060219800101123X"},
        {"text": "电话13912345678请回电"},
    ],
)
def test_numbers_in_full_fail(body):
    with pytest.raises(PersonalDataShown):
        scan(_request(), JsonResponse(body, json_dumps_params={"ensure_ascii": False}))


@pytest.mark.parametrize(
    "text",
    [
        "139****5678",
        "420602**********3X",
        "420602001001-2026-00001",  # a tracking number: a 12-digit division code
        "hash a13912345678ff",
        "420602001001",
    ],
)
def test_masked_numbers_codes_and_hashes_pass(text):
    scan(_request(), HttpResponse(text, content_type="text/html; charset=utf-8"))


def test_the_reveal_may_show_a_number():
    scan(_request(url_name="reveal"), JsonResponse({"phone": "13912345678"}))
    scan(_request(namespace="admin", url_name="x"), HttpResponse("13912345678"))
