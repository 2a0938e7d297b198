"""Celery tasks of the disputes app: thin, idempotent, each calling one service. They are
scheduled in governance/celery.py (the one beat schedule)."""

from celery import shared_task

from governance.tasks import ReliableTask

from .services import deadline_scan, follow_up_scan


@shared_task(base=ReliableTask, name="disputes.tasks.deadline_watch")
def deadline_watch():
    """Warn, mark overdue and climb the ladder for the cases falling due."""
    return deadline_scan().as_dict()


@shared_task(base=ReliableTask, name="disputes.tasks.follow_up_watch")
def follow_up_watch():
    """Start the follow-ups due and close unanswered ones as unreachable."""
    return follow_up_scan().as_dict()
