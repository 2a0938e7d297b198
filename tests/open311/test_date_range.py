"""Date-times at the edge of the calendar are a 400, not a 500 (found while following up
tests/api/test_schemathesis.py's finds: 0001-01-01T00:00:00+14:00 is before the year 1 in
UTC, and the list's query raised OverflowError)."""

from urllib.parse import urlencode

import pytest

from .conftest import url

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = "时间数值超出有效范围。"


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("start_date", "0001-01-01T00:00:00+14:00"),
        ("end_date", "9999-12-31T23:59:59-12:00"),
    ],
)
def test_the_list_refuses_a_date_out_of_range(client, hotline, parameter, value):
    query = urlencode({"api_key": hotline.key, parameter: value})
    response = client.get(f"{url('requests')}?{query}")
    assert response.status_code == 400
    assert response.json() == [{"code": 400, "description": f"{parameter}: {OUT_OF_RANGE}"}]


def test_a_filing_refuses_it_too(submit):
    response = submit(**{"attribute[occurred_at]": "0001-01-01T00:00:00+14:00"})
    assert response.status_code == 400
    assert response.json() == [
        {"code": 400, "description": f"attribute[occurred_at]: {OUT_OF_RANGE}"}
    ]


def test_a_filing_from_before_1950_is_refused_on_its_attribute(submit):
    response = submit(**{"attribute[occurred_at]": "1931-09-18T22:20:00+08:00"})
    assert response.status_code == 400
    assert response.json() == [
        {"code": 400, "description": "attribute[occurred_at]: 发生时间不能早于1950年。"}
    ]
