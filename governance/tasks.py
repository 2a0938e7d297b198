"""Celery plumbing shared by every app's tasks, and the heartbeat job."""

import json
import logging

from celery import Task, shared_task
from django.db import DatabaseError, InterfaceError, OperationalError

from .services import heartbeat_record

__all__ = ["ReliableTask", "TRANSIENT_ERRORS", "heartbeat"]

logger = logging.getLogger(__name__)

# Errors worth retrying: the database or a network peer was briefly unavailable.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError, OSError)


def _jsonable(value):
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return repr(value)


class ReliableTask(Task):
    """A task retried with exponential backoff on transient errors; when it still fails
    (or fails in any other way), a TaskFailure row (dead letter) records it for admins.

    Tasks using it take ids, re-lock and re-check, and are safe to run twice: with
    acks_late a message is redelivered when a worker dies mid-task."""

    autoretry_for = TRANSIENT_ERRORS
    retry_backoff = 2
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 5

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        from .models import TaskFailure

        try:
            TaskFailure.objects.create(
                task_name=self.name,
                task_id=task_id or "",
                args=_jsonable(list(args or ())),
                kwargs=_jsonable(dict(kwargs or {})),
                retries=self.request.retries or 0,
                error=f"{type(exc).__name__}: {exc}"[:2000],
                traceback=str(einfo or "")[:20000],
            )
        except DatabaseError:
            logger.exception("task %s failed and its dead letter could not be written", task_id)
        super().on_failure(exc, task_id, args, kwargs, einfo)


@shared_task(bind=True, name="governance.tasks.heartbeat")
def heartbeat(self):
    """Periodic: write this worker's heartbeat row (status page)."""
    hostname = getattr(self.request, "hostname", None) or "worker"
    heartbeat_record(worker=hostname)
