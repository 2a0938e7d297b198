from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["WorkerHeartbeat"]


class WorkerHeartbeat(models.Model):
    """The last sign of life of a background worker: beat queues `heartbeat` on its schedule,
    a worker runs it and writes here, and the status page shows it. One row per worker."""

    worker = models.CharField(
        verbose_name=_("工作进程"),
        max_length=200,
        unique=True,
    )
    last_beat_at = models.DateTimeField(
        verbose_name=_("最近心跳"),
    )
    beats = models.PositiveBigIntegerField(
        verbose_name=_("心跳次数"),
        default=0,
    )

    class Meta:
        verbose_name = _("后台任务心跳")
        verbose_name_plural = _("后台任务心跳")
        ordering = ["-last_beat_at"]

    def __str__(self):
        return self.worker
