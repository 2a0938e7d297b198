import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import ApiToken, WorkerHeartbeat

__all__ = [
    "API_TOKEN_KEY_PREFIX",
    "api_token_authenticate",
    "api_token_create",
    "api_token_digest",
    "api_token_revoke",
    "api_token_user",
    "heartbeat_record",
]

# Every key starts with this, so that a key pasted where it should not be is recognisable.
API_TOKEN_KEY_PREFIX = "zzk_"
# How much of the key is kept in clear (the marker and 8 random characters).
API_TOKEN_VISIBLE_CHARS = 12
# A token's last use is written at most this often (not on every request).
API_TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


def heartbeat_record(*, worker: str) -> WorkerHeartbeat:
    """Record that `worker` is alive now."""
    now = timezone.now()
    with transaction.atomic():
        beat, created = WorkerHeartbeat.objects.select_for_update().get_or_create(
            worker=worker, defaults={"last_beat_at": now, "beats": 1}
        )
        if not created:
            WorkerHeartbeat.objects.filter(pk=beat.pk).update(
                last_beat_at=now, beats=F("beats") + 1
            )
            beat.refresh_from_db()
    return beat


def api_token_digest(key: str) -> str:
    """The SHA-256 (hex) of a key: all that is stored of it. A key is 256 random bits, so a
    plain hash is enough (no salt or stretching needed, unlike a password)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """A new API token for `user`. Returns the token and its key; the key is not stored and
    cannot be shown again (only its digest and first characters are kept)."""
    key = API_TOKEN_KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=(name or "").strip(),
        prefix=key[:API_TOKEN_VISIBLE_CHARS],
        digest=api_token_digest(key),
    )
    return token, key


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Stop the token working, from the next request on (revoking twice keeps the first
    time)."""
    now = timezone.now()
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    token.refresh_from_db(fields=["revoked_at"])
    return token


def api_token_authenticate(key: str) -> ApiToken | None:
    """The live token of this key, with its user, or None when the key is unknown, revoked,
    or its user is inactive. Notes the use (at most once a minute per token)."""
    key = (key or "").strip()
    if not key:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=api_token_digest(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    stale = now - API_TOKEN_TOUCH_INTERVAL
    if token.last_used_at is None or token.last_used_at < stale:
        # Conditional: of simultaneous requests, one writes.
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale)
        ).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_token_user(key: str):
    """The user a key stands for, or None (unknown, revoked, or the user is inactive). For
    interfaces that take the key as a parameter (Open311's `api_key`)."""
    token = api_token_authenticate(key)
    return token.user if token is not None else None
