"""Writes of the Open311 interface: API clients and their keys, and filing a service request
(which is registering a dispute through disputes.services.intake, like any other channel)."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from centers.models import Center
from disputes.choices import Channel, PartyKind, PartySide, RequestType, RiskLevel
from disputes.models import Category, Dispute
from disputes.services import PartyData, dispute_register
from disputes.services.transitions import DisputeTransitionError

from .definitions import SUMMARY_LENGTH
from .models import KEY_PREFIX_LENGTH, KEY_TAG, ApiClient, Submission

__all__ = [
    "api_client_create",
    "api_client_deactivate",
    "api_client_authenticate",
    "key_digest",
    "summary_from_description",
    "service_request_submit",
]

# last_used_at is written at most this often per client (not on every request).
LAST_USED_RESOLUTION = timedelta(minutes=1)


def key_digest(key: str) -> str:
    """The SHA-256 digest of a key, as stored. Keys are 256-bit random strings, so a fast
    hash is enough: there is nothing to guess a key from."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _new_key() -> str:
    return KEY_TAG + secrets.token_urlsafe(32)


def api_client_create(
    *,
    name: str,
    center: Center,
    channel: str = Channel.HOTLINE_12345,
    created_by=None,
) -> tuple[ApiClient, str]:
    """A new active client and its key. The key is returned here only: store it nowhere,
    show it once. Raises ValidationError on bad fields."""
    key = _new_key()
    client = ApiClient(
        name=(name or "").strip(),
        center=center,
        channel=channel,
        created_by=created_by,
        key_prefix=key[len(KEY_TAG) : len(KEY_TAG) + KEY_PREFIX_LENGTH],
        key_digest=key_digest(key),
    )
    client.full_clean()
    client.save()
    return client, key


def api_client_deactivate(*, client: ApiClient) -> ApiClient:
    """Stop a client's key from working (requests with it get 403 from now on)."""
    ApiClient.objects.filter(pk=client.pk).update(is_active=False)
    client.is_active = False
    return client


def api_client_authenticate(key: str | None, *, now: datetime | None = None) -> ApiClient | None:
    """The active client holding `key` (whose center is active), or None. Records when the
    key was last used."""
    key = (key or "").strip()
    if not key.startswith(KEY_TAG):
        return None
    prefix = key[len(KEY_TAG) : len(KEY_TAG) + KEY_PREFIX_LENGTH]
    digest = key_digest(key)
    client = next(
        (
            candidate
            for candidate in ApiClient.objects.filter(key_prefix=prefix).select_related("center")
            if hmac.compare_digest(candidate.key_digest, digest)
        ),
        None,
    )
    if client is None or not client.is_active or not client.center.is_active:
        return None
    now = now or timezone.now()
    if client.last_used_at is None or now - client.last_used_at >= LAST_USED_RESOLUTION:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
    return client


def summary_from_description(description: str) -> str:
    """The case's summary (纠纷概要): the description's first non-empty line, cut to
    SUMMARY_LENGTH characters (with an ellipsis when cut)."""
    first = next((line.strip() for line in (description or "").splitlines() if line.strip()), "")
    if len(first) > SUMMARY_LENGTH:
        return first[: SUMMARY_LENGTH - 1] + "…"
    return first


def _case_description(description: str, *, email: str, media_url: str) -> str:
    """The description kept on the case: the resident's text, then what Open311 sent that has
    no field of its own on a case but the handler needs (a contact e-mail, a photo link)."""
    extras = []
    # Stored on the case: in the platform's language, whatever the client's request asked.
    with translation.override(settings.LANGUAGE_CODE):
        if email:
            extras.append(_("联系邮箱：%(email)s") % {"email": email})
        if media_url:
            extras.append(_("附件链接：%(url)s") % {"url": media_url})
    text = (description or "").strip()
    if extras:
        text = "\n\n".join(part for part in (text, "\n".join(extras)) if part)
    return text


def service_request_submit(
    *,
    client: ApiClient,
    category: Category,
    village: Center,
    description: str,
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    email: str = "",
    address: str = "",
    media_url: str = "",
    account_id: str = "",
    device_id: str = "",
    lat: float | None = None,
    long: float | None = None,
    request_type: str = RequestType.HELP,
    risk_level: str = RiskLevel.ORDINARY,
    occurred_at: datetime | None = None,
    respondent: str = "",
    is_confidential: bool = False,
) -> Dispute:
    """POST requests: register the dispute at the client's center, on the client's channel,
    by the system (no person acts), with the person submitting as the applicant. Raises
    ValidationError or DisputeError (field names as in dispute_register); nothing is saved
    unless everything is valid.

    The resident's access code (查询码) that registration creates is not returned: Open311
    has no field for it, and a code passed through a third system is no longer the resident's
    secret. The integrating system gives the resident the tracking number; the center reissues
    a code on request (dispute_reissue_access_code)."""
    if not client.is_active:
        raise DisputeTransitionError(_("该 API 客户端已停用。"), field="api_key")
    # Chinese order: family name first (张 + 三).
    applicant_name = f"{(last_name or '').strip()}{(first_name or '').strip()}"
    parties = [PartyData(side=PartySide.APPLICANT, name=applicant_name, phone=phone or "")]
    if (respondent or "").strip():
        parties.append(
            PartyData(
                side=PartySide.RESPONDENT,
                name=respondent.strip(),
                kind=PartyKind.PERSON,
            )
        )
    with transaction.atomic():
        result = dispute_register(
            actor=None,
            receiving_center=client.center,
            channel=client.channel,
            category=category,
            summary=summary_from_description(description),
            description=_case_description(description, email=email, media_url=media_url),
            village=village,
            parties=parties,
            risk_level=risk_level,
            request_type=request_type,
            address=(address or "").strip(),
            occurred_at=occurred_at,
            is_confidential=is_confidential,
        )
        Submission.objects.create(
            dispute=result.dispute,
            client=client,
            account_id=(account_id or "").strip(),
            device_id=(device_id or "").strip(),
            lat=lat,
            long=long,
        )
    return result.dispute
