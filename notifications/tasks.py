from celery import shared_task

from governance.tasks import ReliableTask

from .services import emails_deliver, sms_deliver


@shared_task(base=ReliableTask, name="notifications.tasks.deliver")
def deliver():
    """Periodic: send queued e-mails and SMS (the outbox)."""
    return {"emails": emails_deliver(), "sms": sms_deliver()}
