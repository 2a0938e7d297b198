"""A path of the REST API or of Open311 that no route accepts answers in the API's own form
(found by tests/api/test_schemathesis.py: an identifier of the wrong shape got Django's HTML
404 page); the pages keep the HTML page."""

import xml.etree.ElementTree as ET

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases/no_such_number/",
        "/api/v1/cases/no_such_number/accept/",
        "/api/v1/centers/12345/",
        "/api/v1/no-such-resource/",
    ],
)
def test_the_rest_api_answers_json(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "未找到。"}
    english = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json() == {"detail": "Not found."}


def test_open311_answers_its_error_list_in_the_paths_format(client):
    response = client.get("/open311/v2/services/no%20such.json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == [{"code": 404, "description": "未找到。"}]

    response = client.get("/open311/v2/requests/no%20such.xml")
    assert response.status_code == 404
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == "errors"
    assert [(e.findtext("code"), e.findtext("description")) for e in root] == [("404", "未找到。")]


def test_the_pages_keep_the_html_page(client):
    response = client.get("/centers/no/such/page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
