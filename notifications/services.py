"""Writes of the notifications app: queue messages inside the caller's transaction, deliver
them later (periodic job), mark them read."""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import Notification, SmsMessage
from .sms import get_backend

__all__ = [
    "notify",
    "sms_queue",
    "notifications_mark_read",
    "emails_deliver",
    "sms_deliver",
    "SMS_MAX_ATTEMPTS",
]

logger = logging.getLogger(__name__)

SMS_MAX_ATTEMPTS = 5


def notify(
    recipients: Iterable,
    *,
    kind: str,
    title: str,
    body: str = "",
    dispute=None,
    url: str = "",
) -> list[Notification]:
    """Put a message in each recipient's inbox (once per person), to be e-mailed later to
    those with an address. Call inside the transaction of the step that causes it."""
    people = {user.pk: user for user in recipients if user is not None and user.is_active}
    rows = [
        Notification(
            recipient=user,
            kind=kind,
            title=title[:200],
            body=body,
            url=url,
            dispute=dispute,
            email_due=bool(user.email),
        )
        for user in people.values()
    ]
    return Notification.objects.bulk_create(rows)


def sms_queue(*, phone: str, body: str, kind: str, dispute=None) -> SmsMessage | None:
    """Queue a text message to a resident (sent by the periodic delivery job)."""
    phone = (phone or "").strip()
    if not phone:
        return None
    return SmsMessage.objects.create(phone=phone, body=body[:500], kind=kind, dispute=dispute)


def notifications_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread messages (all, or those in `ids`) read; returns how many."""
    queryset = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    return queryset.update(read_at=timezone.now())


def emails_deliver(*, batch: int = 100) -> int:
    """Send the queued e-mails; each row is locked (others skip it) and marked sent in the
    same transaction, so two workers never send one twice. A failure leaves the row queued
    for the next run and is raised after the batch (the task retries with backoff)."""
    sent, failure = 0, None
    ids = list(
        Notification.objects.filter(email_due=True)
        .order_by("created_at")
        .values_list("pk", flat=True)[:batch]
    )
    for pk in ids:
        with transaction.atomic():
            row = (
                Notification.objects.select_for_update(skip_locked=True)
                .select_related("recipient")
                .filter(pk=pk, email_due=True)
                .first()
            )
            if row is None:
                continue
            try:
                send_mail(
                    subject=row.title,
                    message=_email_body(row),
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    recipient_list=[row.recipient.email],
                )
            except Exception as error:  # noqa: BLE001 - any mail failure: retry later
                logger.warning("e-mail %s not sent: %s", row.pk, error)
                failure = error
                continue
            row.email_due = False
            row.emailed_at = timezone.now()
            row.save(update_fields=["email_due", "emailed_at"])
            sent += 1
    if failure is not None:
        raise failure
    return sent


def _email_body(row: Notification) -> str:
    link = f"\n\n{settings.SITE_URL.rstrip('/')}{row.url}" if row.url else ""
    return f"{row.body}{link}"


def sms_deliver(*, batch: int = 100) -> int:
    """Send the queued SMS through the configured backend, with the same locking as
    emails_deliver. A message failing SMS_MAX_ATTEMPTS times stays unsent with its error
    (visible to admins) and is no longer tried."""
    backend = get_backend()
    sent = 0
    ids = list(
        SmsMessage.objects.filter(sent_at__isnull=True, attempts__lt=SMS_MAX_ATTEMPTS)
        .order_by("created_at")
        .values_list("pk", flat=True)[:batch]
    )
    for pk in ids:
        with transaction.atomic():
            row = (
                SmsMessage.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, sent_at__isnull=True)
                .first()
            )
            if row is None:
                continue
            row.attempts += 1
            try:
                backend.send(phone=row.phone, body=row.body)
            except Exception as error:  # noqa: BLE001 - any gateway failure: retry later
                row.last_error = str(error)[:500]
                row.save(update_fields=["attempts", "last_error"])
                logger.warning("SMS %s not sent (attempt %s): %s", row.pk, row.attempts, error)
                continue
            row.sent_at = timezone.now()
            row.last_error = ""
            row.save(update_fields=["attempts", "sent_at", "last_error"])
            sent += 1
    return sent
