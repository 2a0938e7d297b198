from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import WorkerHeartbeat

__all__ = ["platform_status"]


def platform_status() -> dict:
    """What the status page shows: where data and messages go, and whether workers are alive."""
    broker = settings.CELERY_BROKER_URL
    if "@" in broker:  # never show credentials
        scheme, _, rest = broker.partition("://")
        broker = f"{scheme}://***@{rest.split('@', 1)[1]}"
    beats = list(WorkerHeartbeat.objects.all()[:20])
    from governance.celery import app

    interval = app.conf.beat_schedule["heartbeat"]["schedule"]
    fresh_after = timezone.now() - timedelta(seconds=3 * float(interval))
    return {
        "database": connection.vendor,
        "broker": broker,
        "heartbeats": beats,
        "heartbeat_interval": interval,
        "worker_alive": any(b.last_beat_at >= fresh_after for b in beats),
    }
