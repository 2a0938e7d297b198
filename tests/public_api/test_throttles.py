"""Rate limits of online filing, and every limit with the shared cache (Redis) unreachable:
filing fails open, access-code guessing falls back to this process's memory. The outage is a
real Redis cache pointed at a port where nothing listens (no mocks), so these tests run the
same with and without REDIS_URL."""

import logging
import socket
import threading
import time

import pytest
from django.core.cache import caches

from disputes.models import Dispute
from disputes.public_api.throttles import LOCAL_WINDOWS, AccessCodeCaseThrottle, parse_rate
from governance.sharedcache import cache_breaker

from .conftest import INTAKE_URL, status_url

pytestmark = pytest.mark.django_db


# --- Filing -------------------------------------------------------------------------------


def test_filings_are_limited_per_address(api, filing, rates):
    rates(public_intake_ip="2/hour", public_intake_phone="100/day")
    statuses = [
        api.post(INTAKE_URL, filing(applicant_phone=f"1390000000{n}"), format="json").status_code
        for n in range(2)
    ]
    # Invalid attempts count too: a script cannot probe the form for free.
    refused = api.post(INTAKE_URL, {}, format="json")
    other_address = api.post(
        INTAKE_URL, filing(applicant_phone="13900000009"), format="json", REMOTE_ADDR="10.1.1.1"
    )

    assert statuses == [201, 201]
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert refused.json()["detail"].startswith("请求过于频繁")
    assert other_address.status_code == 201
    assert Dispute.objects.count() == 3


def test_filings_are_limited_per_phone_and_only_valid_ones_count(api, filing, rates):
    rates(public_intake_ip="100/hour", public_intake_phone="2/day")
    phone = "13907101234"
    # Typing mistakes with this phone do not use its filings up.
    for _ in range(3):
        typo = api.post(INTAKE_URL, filing(applicant_phone=phone, village="1"), format="json")
        assert typo.status_code == 400

    first = api.post(
        INTAKE_URL, filing(applicant_phone=phone), format="json", REMOTE_ADDR="1.1.1.1"
    )
    second = api.post(
        INTAKE_URL, filing(applicant_phone=phone), format="json", REMOTE_ADDR="2.2.2.2"
    )
    third = api.post(
        INTAKE_URL, filing(applicant_phone=phone), format="json", REMOTE_ADDR="3.3.3.3"
    )
    other_phone = api.post(
        INTAKE_URL, filing(applicant_phone="13800000000"), format="json", REMOTE_ADDR="3.3.3.3"
    )

    assert (first.status_code, second.status_code) == (201, 201)
    assert third.status_code == 429 and 0 < int(third["Retry-After"]) <= 86400
    assert other_phone.status_code == 201
    assert Dispute.objects.count() == 3


def test_the_english_throttle_message(api, filing, rates):
    from tests.i18n_support import compile_catalogs

    compile_catalogs()
    rates(public_intake_ip="1/hour")
    api.post(INTAKE_URL, filing(), format="json")
    refused = api.post(INTAKE_URL, filing(), format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429
    assert refused.json()["detail"] == (
        f"Too many requests. Please try again in {refused['Retry-After']} seconds."
    )


def test_counters_hold_no_phone_number_or_address(api, filing, rates, settings):
    """The counters' keys are keyed hashes: the cache never holds who filed."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"}
    }
    api.post(INTAKE_URL, filing(), format="json", REMOTE_ADDR="10.20.30.40")
    keys = " ".join(caches["default"]._cache)
    assert "throttle:public_intake_ip" in keys and "throttle:public_intake_phone" in keys
    assert "13907101234" not in keys and "10.20.30.40" not in keys


@pytest.mark.parametrize(
    ("rate", "expected"), [("10/hour", (10, 3600)), ("3/day", (3, 86400)), ("5/m", (5, 60))]
)
def test_rates(rate, expected):
    assert parse_rate(rate) == expected


# --- Redis unreachable ----------------------------------------------------------------------


def _unused_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


class SilentServer:
    """A socket that accepts connections and never answers, the way a hung Redis behaves."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.peers = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                self.peers.append(self.socket.accept()[0])
            except OSError:  # closed
                return

    def close(self):
        self.socket.close()
        for peer in self.peers:
            peer.close()


@pytest.fixture(params=["refused", "port 1", "hung"])
def redis_down(request, settings):
    """The default cache is a real Redis cache at an address where nothing listens (or where
    a socket accepts and never answers), with the project's short socket timeouts."""
    if request.param == "hung":
        server = SilentServer()
        request.addfinalizer(server.close)
        port = server.port
    else:
        port = _unused_port() if request.param == "refused" else 1
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "KEY_PREFIX": "zongzhi",
            "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }
    }
    with pytest.raises(Exception):  # noqa: B017 - whatever redis-py raises: it is down
        caches["default"].get("probe")
    cache_breaker().reset()


def test_filing_fails_open_when_redis_is_down(api, filing, rates, redis_down, caplog):
    rates(public_intake_ip="1/hour", public_intake_phone="1/day")
    caplog.set_level(logging.WARNING, logger="governance.sharedcache")

    started = time.monotonic()
    statuses = [api.post(INTAKE_URL, filing(), format="json").status_code for _ in range(3)]
    elapsed = time.monotonic() - started

    assert statuses == [201, 201, 201]
    assert Dispute.objects.count() == 3
    warnings = [r for r in caplog.records if r.name == "governance.sharedcache"]
    assert len(warnings) == 1 and "public_intake" in warnings[0].getMessage()
    assert cache_breaker().is_open
    # Nothing was counted in memory for filings: they fail open, not local.
    assert not list(LOCAL_WINDOWS._cache)
    assert elapsed < 3, f"three filings took {elapsed:.2f}s"


def test_guessing_stays_limited_in_memory_when_redis_is_down(
    api, file_online, rates, redis_down, caplog
):
    rates(public_lookup_failures_case="3/hour", public_lookup_failures_ip="100/hour")
    caplog.set_level(logging.WARNING, logger="governance.sharedcache")
    receipt = file_online()
    url = status_url(receipt["tracking_number"])

    guesses = [api.get(url, HTTP_X_ACCESS_CODE=f"2345678{n}").status_code for n in range(2, 5)]
    right = api.get(url, HTTP_X_ACCESS_CODE=receipt["access_code"])

    assert guesses == [404, 404, 404]
    assert right.status_code == 429 and int(right["Retry-After"]) > 0
    assert any(r.name == "governance.sharedcache" for r in caplog.records)
    assert list(LOCAL_WINDOWS._cache), "the failures were counted in this process's memory"


def test_the_cache_is_used_again_once_it_is_back(api, file_online, rates, settings):
    """A throttle call with Redis down opens the breaker; when the window has passed and the
    cache works again, counting goes back to the shared cache."""
    rates(public_lookup_failures_case="2/hour", public_lookup_failures_ip="100/hour")
    receipt = file_online()
    url = status_url(receipt["tracking_number"])
    working = settings.CACHES
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_unused_port()}/0",
            "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }
    }
    assert api.get(url, HTTP_X_ACCESS_CODE="23456789").status_code == 404
    assert cache_breaker().is_open and list(LOCAL_WINDOWS._cache)

    settings.CACHES = working
    cache_breaker().reset()  # the retry window has passed
    LOCAL_WINDOWS.clear()
    assert api.get(url, HTTP_X_ACCESS_CODE="23456789").status_code == 404
    assert not list(LOCAL_WINDOWS._cache)
    throttle = AccessCodeCaseThrottle()
    assert throttle.count(receipt["tracking_number"]) == 1
