"""Rate limits of the resident API, counted in the shared cache (Redis in production).

Each limit counts in fixed windows of its period ("10/hour": the clock hour, "3/day": the UTC
day): one cache key per (limit, who, window), raised with the cache's atomic `incr`, so the
web processes share one count; Retry-After is the time left in the window. Who is counted
(an IP address, a phone number, a tracking number) is stored only as a keyed hash.

The rates are settings.PUBLIC_API_THROTTLE_RATES (see governance/settings/base.py).

When the cache fails, its breaker (governance.sharedcache) logs one warning and skips it for
a while, and each limit takes its own fallback:
- filing a dispute fails OPEN: a resident must be able to file while Redis is down;
- access-code guessing falls back to a window in this process's memory (a LocMemCache), so
  guessing stays limited (per process) until the cache is back.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import ImproperlyConfigured
from rest_framework.throttling import BaseThrottle

from governance.sharedcache import UNAVAILABLE, cache_breaker

__all__ = [
    "DEFAULT_RATES",
    "LOCAL_WINDOWS",
    "AccessCodeCaseThrottle",
    "AccessCodeIPThrottle",
    "FailureThrottle",
    "IntakeIPThrottle",
    "IntakePhoneThrottle",
    "RequestThrottle",
    "WindowThrottle",
]

DEFAULT_RATES = {
    "public_intake_ip": "10/hour",
    "public_intake_phone": "3/day",
    "public_lookup_failures_ip": "30/hour",
    "public_lookup_failures_case": "10/hour",
    "open311_anonymous_ip": "120/hour",
}

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

# The fallback of the limits that must hold while the shared cache is down: this process's
# memory. Large enough that filling it with other keys cannot push a count out.
LOCAL_WINDOWS = LocMemCache(
    "zongzhi-public-api-throttle",
    {"TIMEOUT": None, "OPTIONS": {"MAX_ENTRIES": 100_000, "CULL_FREQUENCY": 10}},
)


def parse_rate(rate: str) -> tuple[int, int]:
    """ "10/hour" → (10, 3600): as many requests per second, minute, hour or day."""
    try:
        count, period = rate.split("/")
        return int(count), PERIODS[period.strip()[0].lower()]
    except (ValueError, KeyError, IndexError, AttributeError):
        raise ImproperlyConfigured(f"PUBLIC_API_THROTTLE_RATES: bad rate {rate!r}") from None


def _incr(cache, key: str, timeout: int) -> int:
    """Add one to the count at `key` (created with `timeout`); the new count."""
    if cache.add(key, 1, timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout)
        return 1


class WindowThrottle(BaseThrottle):
    """A limit of `rate` hits per window for each `ident`, with a guarded cache.

    Subclasses name the `scope` (the key of its rate in the settings), say who is counted
    (`ident_for`), whether the limit fails open when the cache is down (`fail_open`), and
    whether every request counts (RequestThrottle) or only failures (FailureThrottle)."""

    scope: str = ""
    fail_open: bool = True
    cache_alias: str = "default"

    def __init__(self) -> None:
        rates = {**DEFAULT_RATES, **getattr(settings, "PUBLIC_API_THROTTLE_RATES", {})}
        self.limit, self.period = parse_rate(rates[self.scope])
        self.retry_after: int | None = None

    # --- who is counted ---

    def ident_for(self, request, view) -> str | None:
        """The identity counted for this request (None: not limited)."""
        raise NotImplementedError

    def _key(self, ident: str, window: int) -> str:
        digest = hmac.new(
            settings.SECRET_KEY.encode(), f"{self.scope}:{ident}".encode(), hashlib.sha256
        ).hexdigest()[:32]
        return f"public_api:throttle:{self.scope}:{digest}:{window}"

    # --- the count ---

    def _window(self) -> tuple[int, float]:
        now = time.time()
        return int(now // self.period), now

    def _run(self, operation, *args):
        """`operation(cache, *args)` on the shared cache; on its failure, on this process's
        memory (or None: unknown, when the limit fails open)."""
        result = cache_breaker(self.cache_alias).call(
            operation,
            caches[self.cache_alias],
            *args,
            what=f"rate limit {self.scope}",
        )
        if result is not UNAVAILABLE:
            return result
        if self.fail_open:
            return None
        return operation(LOCAL_WINDOWS, *args)

    def count(self, ident: str) -> int | None:
        """Hits of `ident` in the current window (None: unknown)."""
        window, _now = self._window()
        count = self._run(lambda cache, key: cache.get(key, 0), self._key(ident, window))
        return None if count is None else int(count)

    def hit(self, ident: str) -> int | None:
        """Count one hit of `ident`; the count in the window after it (None: unknown)."""
        window, _now = self._window()
        return self._run(_incr, self._key(ident, window), self.period + 60)

    def _refuse(self) -> bool:
        window, now = self._window()
        self.retry_after = max(1, math.ceil((window + 1) * self.period - now))
        return False

    def wait(self) -> int | None:
        """Seconds until the window ends (for Retry-After), after a refusal."""
        return self.retry_after


class RequestThrottle(WindowThrottle):
    """Every request counts; the one over the limit is refused."""

    def allow(self, ident: str | None) -> bool:
        if ident is None:
            return True
        count = self.hit(ident)
        if count is None or count <= self.limit:
            return True
        return self._refuse()

    def allow_request(self, request, view) -> bool:
        return self.allow(self.ident_for(request, view))


class FailureThrottle(WindowThrottle):
    """Only failures count (`record_failure`); once `limit` failures are counted in the
    window, every request is refused until it ends, the right ones too."""

    fail_open = False

    def allow_request(self, request, view) -> bool:
        ident = self.ident_for(request, view)
        if ident is None:
            return True
        count = self.count(ident)
        if count is None or count < self.limit:
            return True
        return self._refuse()

    def record_failure(self, request, view) -> None:
        ident = self.ident_for(request, view)
        if ident is not None:
            self.hit(ident)


class IntakeIPThrottle(RequestThrottle):
    """Online filings per client IP address (every attempt counts, invalid ones too)."""

    scope = "public_intake_ip"

    def ident_for(self, request, view):
        return self.get_ident(request)


class IntakePhoneThrottle(RequestThrottle):
    """Online filings per applicant phone number. The view checks it once the filing is
    valid (`allow(phone)`), so a resident's typing mistakes do not use it up."""

    scope = "public_intake_phone"

    def ident_for(self, request, view):
        return None  # checked by the view with the validated phone


class AccessCodeIPThrottle(FailureThrottle):
    """Failed look-ups (unknown tracking number, missing or wrong access code) per client IP."""

    scope = "public_lookup_failures_ip"

    def ident_for(self, request, view):
        return self.get_ident(request)


class AccessCodeCaseThrottle(FailureThrottle):
    """Failed look-ups per tracking number, whoever tries: after `limit` failures the number
    is locked for the rest of the window, even for the right code."""

    scope = "public_lookup_failures_case"

    def ident_for(self, request, view):
        tracking_number = (view.kwargs.get("tracking_number") or "").strip()
        return tracking_number[:64] or None
