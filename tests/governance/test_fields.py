"""Inputs of the REST API take what the schema says only (found by
tests/api/test_schemathesis.py: a JSON number was taken as its text, `"address": 0` filed as
"0"; `"is_confidential": 0` as false), and dates at the edge of the calendar are a 400."""

import pytest
from django.http import QueryDict
from rest_framework import serializers

from governance.fields import BooleanField, TextField
from tests.i18n_support import compile_catalogs


@pytest.mark.parametrize("value", [0, 12.5, True, ["a"], {"a": 1}])
def test_anything_but_a_string_is_refused(value):
    field = TextField(required=False, allow_blank=True)
    with pytest.raises(Exception) as raised:
        field.run_validation(value)
    assert raised.value.detail == ["不是有效的字符串。"]


def test_text_goes_through_as_before():
    field = TextField(max_length=5)
    assert field.run_validation("  檀溪路 ") == "檀溪路"


@pytest.mark.django_db
def test_the_resident_api_refuses_a_number_for_the_address(client, center_tree, settings):
    from disputes.models import Category

    compile_catalogs()
    # Counted in the cache, which outlives the test: no filing limit here.
    settings.PUBLIC_API_THROTTLE_RATES = dict.fromkeys(
        settings.PUBLIC_API_THROTTLE_RATES, "1000000/day"
    )
    Category.objects.get_or_create(code="neighbour", defaults={"name": "邻里纠纷"})
    filing = {
        "category": "neighbour",
        "summary": "邻居院墙排水纠纷",
        "village": center_tree.village.code,
        "applicant_name": "李秀兰",
        "applicant_phone": "13907101234",
        "address": 0,
    }
    response = client.post("/api/v1/public/cases/", filing, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json() == {"address": ["不是有效的字符串。"]}
    english = client.post(
        "/api/v1/public/cases/", filing, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.json() == {"address": ["Not a valid string."]}


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00", "0001-01-01T00:00"])
def test_a_time_at_the_edge_of_the_calendar_is_out_of_range_not_a_crash(value):
    """DRF's own DateTimeField raised OverflowError here (a 500)."""
    from governance.fields import DateTimeField

    with pytest.raises(Exception) as raised:
        DateTimeField().run_validation(value)
    assert raised.value.detail == ["时间数值超出有效范围。"]


@pytest.mark.django_db
def test_the_staff_api_answers_400_for_it(center_tree, member):
    from rest_framework.test import APIClient

    from centers.choices import Role
    from disputes.models import Category

    Category.objects.get_or_create(code="neighbour", defaults={"name": "邻里纠纷"})
    client = APIClient()
    client.force_login(member(center_tree.county, Role.DIRECTOR))
    body = {
        "receiving_center": center_tree.county.code,
        "category": "neighbour",
        "summary": "邻里排水纠纷",
        "village": center_tree.village.code,
        "parties": [{"side": "applicant", "name": "李秀兰"}],
        "occurred_at": "0001-01-01T00:00:00",
    }
    response = client.post("/api/v1/cases/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"occurred_at": ["时间数值超出有效范围。"]}


class _Flag(serializers.Serializer):
    flag = BooleanField(required=False)


@pytest.mark.parametrize("value", [0, 1, 0.0, "true", "yes", "on", [True], {"a": True}])
def test_a_yes_no_input_in_json_is_true_or_false(value):
    """Found by tests/api/test_schemathesis.py: `"is_confidential": 0` registered a case."""
    flag = _Flag(data={"flag": value})
    assert not flag.is_valid()
    assert flag.errors == {"flag": ["必须是有效的布尔值。"]}


@pytest.mark.parametrize("value", [True, False])
def test_json_true_and_false_go_through(value):
    flag = _Flag(data={"flag": value})
    assert flag.is_valid(), flag.errors
    assert flag.validated_data == {"flag": value}


@pytest.mark.parametrize(
    ("query", "expected"),
    [("flag=true", True), ("flag=on", True), ("flag=1", True), ("flag=false", False), ("", False)],
)
def test_a_form_sends_words(query, expected):
    flag = _Flag(data=QueryDict(query))
    assert flag.is_valid(), flag.errors
    assert flag.validated_data == {"flag": expected}
