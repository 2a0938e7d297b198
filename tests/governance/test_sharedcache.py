"""The shared cache's circuit breaker: a failure opens it (one warning), callers then skip the
cache at once, and after the retry window one call tries again."""

import logging

import pytest
from django.core.cache import caches

from governance import sharedcache
from governance.sharedcache import UNAVAILABLE, CacheBreaker, cache_breaker


class Flaky:
    def __init__(self):
        self.calls = 0
        self.failing = True

    def __call__(self, value):
        self.calls += 1
        if self.failing:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:1. Connection refused.")
        return value


def test_a_failure_opens_the_breaker_for_the_retry_window(monkeypatch, caplog):
    now = [1000.0]
    monkeypatch.setattr(sharedcache.time, "monotonic", lambda: now[0])
    breaker, call = CacheBreaker("test", retry_seconds=30), Flaky()
    caplog.set_level(logging.WARNING, logger="governance.sharedcache")

    assert breaker.call(call, 1, what="probe") is UNAVAILABLE
    assert breaker.is_open
    assert breaker.call(call, 2, what="probe") is UNAVAILABLE
    now[0] += 29.9
    assert breaker.call(call, 3, what="probe") is UNAVAILABLE
    assert call.calls == 1  # skipped while open
    (record,) = caplog.records
    assert "probe skipped" in record.getMessage() and "Connection refused" in record.getMessage()

    now[0] += 0.2
    call.failing = False
    assert breaker.call(call, 4, what="probe") == 4
    assert not breaker.is_open and call.calls == 2


def test_one_breaker_per_alias():
    assert cache_breaker() is cache_breaker("default")
    assert cache_breaker("other") is not cache_breaker()


@pytest.mark.parametrize("port", [1])
def test_a_real_unreachable_redis_opens_it(settings, port):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }
    }
    breaker = CacheBreaker("default")
    assert breaker.call(caches["default"].get, "key", what="probe") is UNAVAILABLE
    assert breaker.is_open
