"""Access codes (查询码): the resident's secret for looking a case up without an account.

A code is 8 characters from a 31-character alphabet (about 8.5 × 10¹¹ codes). It is stored
as an HMAC-SHA256 of the code under the server's SECRET_KEY and a random salt per case
(Django's `salted_hmac`), not as a slow password hash: a lookup must answer in milliseconds,
and the slowness that protects a password against offline guessing is replaced by the key,
which is not in the database. Online guessing is limited per tracking number and per client
(disputes.public_api.throttles). Keys listed in SECRET_KEY_FALLBACKS still verify, so rotating
SECRET_KEY does not lock residents out. Codes stored before (Django password hashes) still
verify through `check_password`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.utils.crypto import constant_time_compare, get_random_string, salted_hmac

__all__ = ["access_code_hash", "access_code_matches"]

ALGORITHM = "access_hmac_sha256"
_DUMMY = f"{ALGORITHM}$0000000000000000$" + "0" * 64


def _digest(code: str, salt: str, secret: str | None = None) -> str:
    return salted_hmac(
        f"zongzhi.access-code.{salt}", code, secret=secret, algorithm="sha256"
    ).hexdigest()


def access_code_hash(code: str) -> str:
    """What is stored for `code`: `access_hmac_sha256$<salt>$<hex digest>`."""
    salt = get_random_string(16)
    return f"{ALGORITHM}${salt}${_digest(code, salt)}"


def access_code_matches(code: str, encoded: str | None) -> bool:
    """Whether `code` is the one `encoded` was made from. With no `encoded` (no such case) the
    same work is done against a dummy, so the answer takes as long either way."""
    encoded = encoded or _DUMMY
    algorithm, _sep, rest = encoded.partition("$")
    if algorithm != ALGORITHM:
        return check_password(code, encoded)
    salt, _sep, digest = rest.partition("$")
    matches = False
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        matches |= constant_time_compare(_digest(code, salt, secret), digest)
    return matches and encoded is not _DUMMY
