from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import WorkerHeartbeat

__all__ = ["heartbeat_record"]


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
