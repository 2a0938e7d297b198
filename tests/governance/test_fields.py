"""Text inputs of the REST API take text only (found by tests/api/test_schemathesis.py: a
JSON number was taken as its text, `"address": 0` filed as "0")."""

import pytest

from governance.fields import TextField
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
