"""Resident SMS through a small backend interface, chosen by settings.SMS_BACKEND (a dotted
path). The console backend logs, the file backend writes one file per message (the default
in development: see var/sms/); a real gateway is a subclass with its own `send`."""

import json
import logging
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

__all__ = ["BaseSmsBackend", "ConsoleSmsBackend", "FileSmsBackend", "SmsError", "get_backend"]

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The gateway refused or failed; the message stays queued and is retried."""


class BaseSmsBackend:
    def send(self, *, phone: str, body: str) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    def send(self, *, phone: str, body: str) -> None:
        logger.info("SMS to %s: %s", phone, body)


class FileSmsBackend(BaseSmsBackend):
    """Writes each message as JSON into settings.SMS_FILE_PATH (var/sms by default)."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path or settings.SMS_FILE_PATH)

    def send(self, *, phone: str, body: str) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S-%f")
        target = self.path / f"{stamp}-{phone[-4:]}.json"
        target.write_text(
            json.dumps({"phone": phone, "body": body}, ensure_ascii=False), encoding="utf-8"
        )


def get_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
