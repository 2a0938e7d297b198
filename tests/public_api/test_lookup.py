"""Looking a case up (GET /api/v1/public/cases/{tracking_number}/): the access code in a
header or the query; a missing or wrong code is indistinguishable from a case that does not
exist; failed look-ups are limited per client IP and per tracking number."""

import pytest

from disputes.models import Dispute

from .conftest import rating_url, status_url

pytestmark = pytest.mark.django_db

NOT_FOUND_BODY = '{"detail":"受理编号或查询码不正确。"}'.encode()


def test_the_code_in_the_header_or_the_query(api, file_online):
    receipt = file_online()
    url = status_url(receipt["tracking_number"])

    by_header = api.get(url, HTTP_X_ACCESS_CODE=receipt["access_code"])
    by_query = api.get(url, {"access_code": receipt["access_code"]})

    assert by_header.status_code == by_query.status_code == 200
    assert by_header.json() == by_query.json()
    assert by_header.json()["tracking_number"] == receipt["tracking_number"]
    assert by_header["Cache-Control"] == "no-store"


def test_the_code_is_not_case_sensitive(api, file_online):
    receipt = file_online()
    response = api.get(
        status_url(receipt["tracking_number"]), HTTP_X_ACCESS_CODE=receipt["access_code"].lower()
    )
    assert response.status_code == 200


def _failed_lookups(api, receipt, other_receipt):
    number, code = receipt["tracking_number"], receipt["access_code"]
    missing_number = number[:-5] + "99999"
    assert not Dispute.objects.filter(tracking_number=missing_number).exists()
    return {
        "no such case": api.get(status_url(missing_number), HTTP_X_ACCESS_CODE=code),
        "no such case, code in the query": api.get(
            status_url(missing_number), {"access_code": code}
        ),
        "malformed number": api.get(
            "/api/v1/public/cases/%3Cscript%3E%00%E4%B8%AD/", HTTP_X_ACCESS_CODE=code
        ),
        "no code": api.get(status_url(number)),
        "empty code": api.get(status_url(number), HTTP_X_ACCESS_CODE=""),
        "wrong code": api.get(status_url(number), HTTP_X_ACCESS_CODE="23456789"),
        "wrong code in the query": api.get(status_url(number), {"access_code": "23456789"}),
        "another case's code": api.get(
            status_url(number), HTTP_X_ACCESS_CODE=other_receipt["access_code"]
        ),
    }


def test_a_missing_or_wrong_code_answers_exactly_like_no_such_case(api, file_online):
    receipt, other = file_online(), file_online(applicant_phone="13800000000")

    responses = _failed_lookups(api, receipt, other)

    for name, response in responses.items():
        assert response.status_code == 404, name
        assert response.content == NOT_FOUND_BODY, name
        headers = dict(response.headers)
        assert headers == dict(responses["no such case"].headers), name


def test_rating_look_ups_fail_the_same_way(api, file_online):
    receipt = file_online()
    number = receipt["tracking_number"]
    missing = api.post(rating_url(number[:-5] + "99999"), {"rating": "satisfied"}, format="json")
    wrong = api.post(
        rating_url(number), {"rating": "satisfied"}, format="json", HTTP_X_ACCESS_CODE="23456789"
    )
    wrong_in_body = api.post(
        rating_url(number), {"rating": "satisfied", "access_code": "23456789"}, format="json"
    )
    none = api.post(rating_url(number), {"rating": "satisfied"}, format="json")
    for response in (missing, wrong, wrong_in_body, none):
        assert (response.status_code, response.content) == (404, NOT_FOUND_BODY)
        assert dict(response.headers) == dict(missing.headers)


def test_the_code_is_checked_whether_or_not_the_case_exists(api, file_online, monkeypatch):
    """Similar timing: without a case, the code is checked against a fixed dummy, with the
    same work (one keyed digest)."""
    from disputes import access_codes

    receipt = file_online()
    salts = []
    real_digest = access_codes._digest

    def counting_digest(code, salt, secret=None):
        salts.append(salt)
        return real_digest(code, salt, secret)

    monkeypatch.setattr(access_codes, "_digest", counting_digest)
    number = receipt["tracking_number"]
    case_hash = Dispute.objects.get(tracking_number=number).access_code_hash
    case_salt = case_hash.split("$")[1]

    api.get(status_url(number), HTTP_X_ACCESS_CODE="23456789")
    api.get(status_url(number))
    api.get(status_url(number[:-5] + "99999"), HTTP_X_ACCESS_CODE="23456789")
    api.get(status_url(number[:-5] + "99998"))

    assert salts[:2] == [case_salt, case_salt]
    assert len(salts) == 4 and salts[2] == salts[3] != case_salt


# --- Guessing ---------------------------------------------------------------------------


def test_guessing_one_tracking_number_locks_it_even_for_the_right_code(api, file_online, rates):
    rates(public_lookup_failures_case="3/hour", public_lookup_failures_ip="100/hour")
    receipt = file_online()
    url = status_url(receipt["tracking_number"])

    for attempt in range(3):
        response = api.get(url, HTTP_X_ACCESS_CODE=f"2345678{attempt + 2}", REMOTE_ADDR="10.0.0.1")
        assert response.status_code == 404

    right = api.get(url, HTTP_X_ACCESS_CODE=receipt["access_code"], REMOTE_ADDR="10.0.0.2")
    assert right.status_code == 429
    assert 0 < int(right["Retry-After"]) <= 3600
    assert right.json()["detail"] == f"请求过于频繁，请在 {right['Retry-After']} 秒后再试。"
    # The rating endpoint of that number is locked too.
    rating = api.post(
        rating_url(receipt["tracking_number"]),
        {"rating": "satisfied"},
        format="json",
        HTTP_X_ACCESS_CODE=receipt["access_code"],
        REMOTE_ADDR="10.0.0.3",
    )
    assert rating.status_code == 429


def test_right_codes_do_not_count(api, file_online, rates):
    rates(public_lookup_failures_case="2/hour", public_lookup_failures_ip="2/hour")
    receipt = file_online()
    url = status_url(receipt["tracking_number"])
    for _ in range(6):
        assert api.get(url, HTTP_X_ACCESS_CODE=receipt["access_code"]).status_code == 200


def test_guessing_from_one_address_locks_that_address(api, file_online, rates):
    rates(public_lookup_failures_case="100/hour", public_lookup_failures_ip="3/hour")
    first, second = file_online(), file_online(applicant_phone="13800000000")
    number = first["tracking_number"]

    for suffix in ("99991", "99992", "99993"):
        guess = api.get(status_url(number[:-5] + suffix), HTTP_X_ACCESS_CODE="23456789")
        assert guess.status_code == 404

    blocked = api.get(
        status_url(second["tracking_number"]), HTTP_X_ACCESS_CODE=second["access_code"]
    )
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0
    elsewhere = api.get(
        status_url(second["tracking_number"]),
        HTTP_X_ACCESS_CODE=second["access_code"],
        REMOTE_ADDR="10.9.9.9",
    )
    assert elsewhere.status_code == 200


def test_unknown_numbers_are_locked_like_real_ones(api, file_online, rates):
    """The limit does not tell either whether a tracking number exists."""
    rates(public_lookup_failures_case="2/hour", public_lookup_failures_ip="100/hour")
    receipt = file_online()
    real, unknown = receipt["tracking_number"], receipt["tracking_number"][:-5] + "99999"
    answers = {}
    for number in (real, unknown):
        answers[number] = [
            api.get(status_url(number), HTTP_X_ACCESS_CODE="23456789").status_code for _ in range(3)
        ]
    assert answers[real] == answers[unknown] == [404, 404, 429]
