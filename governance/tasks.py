from celery import shared_task

from .services import heartbeat_record


@shared_task(bind=True, name="governance.tasks.heartbeat")
def heartbeat(self):
    """Periodic: write this worker's heartbeat row (status page)."""
    hostname = getattr(self.request, "hostname", None) or "worker"
    heartbeat_record(worker=hostname)
