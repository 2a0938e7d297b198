from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

__all__ = [
    "ApiToken",
    "CalendarDay",
    "CalendarDayKind",
    "CalendarSource",
    "CalendarYear",
    "TaskFailure",
    "WorkerHeartbeat",
]


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


class TaskFailure(models.Model):
    """A background job that kept failing after its retries (dead letter): what ran, with
    which arguments, and the last error. Admins see these; nothing is silently dropped."""

    task_name = models.CharField(
        verbose_name=_("任务"),
        max_length=200,
    )
    task_id = models.CharField(
        verbose_name=_("任务编号"),
        max_length=64,
        blank=True,
    )
    args = models.JSONField(
        verbose_name=_("参数"),
        default=list,
        blank=True,
    )
    kwargs = models.JSONField(
        verbose_name=_("关键字参数"),
        default=dict,
        blank=True,
    )
    retries = models.PositiveSmallIntegerField(
        verbose_name=_("已重试次数"),
        default=0,
    )
    error = models.TextField(
        verbose_name=_("错误"),
    )
    traceback = models.TextField(
        verbose_name=_("调用栈"),
        blank=True,
    )
    failed_at = models.DateTimeField(
        verbose_name=_("失败时间"),
        auto_now_add=True,
    )
    resolved_at = models.DateTimeField(
        verbose_name=_("处理时间"),
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("失败任务")
        verbose_name_plural = _("失败任务")
        ordering = ["-failed_at"]

    def __str__(self):
        return f"{self.task_name} {self.failed_at:%Y-%m-%d %H:%M}"


class ApiToken(models.Model):
    """A key with which an integration (a 12345 hotline system, a district platform) calls the
    REST API as one user: `Authorization: Token <key>`. Created by an administrator, who sees
    the key once; only its SHA-256 digest and a short prefix (to tell keys apart) are kept.
    Revoking it stops it at once; the row stays as a record of who had API access."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(
        verbose_name=_("名称"),
        max_length=100,
        help_text=_("用途，例如：12345热线对接"),
    )
    prefix = models.CharField(
        verbose_name=_("前缀"),
        max_length=12,
        editable=False,
        help_text=_("密钥的前几位，用于区分不同的密钥"),
    )
    digest = models.CharField(
        verbose_name=_("密钥摘要"),
        max_length=64,
        unique=True,
        editable=False,
    )
    created_at = models.DateTimeField(
        verbose_name=_("创建时间"),
        auto_now_add=True,
    )
    last_used_at = models.DateTimeField(
        verbose_name=_("最近使用"),
        null=True,
        blank=True,
        editable=False,
    )
    revoked_at = models.DateTimeField(
        verbose_name=_("吊销时间"),
        null=True,
        blank=True,
        editable=False,
    )

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class CalendarSource(models.TextChoices):
    """Where a calendar row came from. `sync_holidays` only ever changes `package` rows."""

    PACKAGE = "package", _("chinesecalendar 软件包")
    MANUAL = "manual", _("手工录入")


class CalendarDayKind(models.TextChoices):
    """An exception to the weekday rule (Monday–Friday work, Saturday and Sunday off)."""

    HOLIDAY = "holiday", _("法定节假日")
    WORKDAY = "workday", _("调休上班")


class CalendarYear(models.Model):
    """A year whose public-holiday schedule (the State Council's annual notice,
    《国务院办公厅关于X年部分节假日安排的通知》) has been entered. Deadlines in a year without a
    row here are counted as if only weekends were days off, and the platform warns about it."""

    year = models.PositiveSmallIntegerField(
        verbose_name=_("年份"),
        unique=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
    )
    source = models.CharField(
        verbose_name=_("来源"),
        max_length=20,
        choices=CalendarSource.choices,
        default=CalendarSource.MANUAL,
    )
    notice = models.CharField(
        verbose_name=_("依据通知"),
        max_length=200,
        blank=True,
        help_text=_("例如：国务院办公厅关于2027年部分节假日安排的通知"),
    )
    updated_at = models.DateTimeField(
        verbose_name=_("更新时间"),
        auto_now=True,
    )

    class Meta:
        verbose_name = _("节假日安排年度")
        verbose_name_plural = _("节假日安排年度")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)


class CalendarDay(models.Model):
    """One day that breaks the weekday rule in the official schedule: a public holiday
    (法定节假日, including the weekend days inside a holiday block) or a make-up working day on
    a weekend (调休上班). Every other Monday–Friday is a working day and every other Saturday
    and Sunday a day off."""

    calendar_year = models.ForeignKey(
        CalendarYear,
        verbose_name=_("年度"),
        on_delete=models.CASCADE,
        related_name="days",
    )
    date = models.DateField(
        verbose_name=_("日期"),
        unique=True,
    )
    kind = models.CharField(
        verbose_name=_("类型"),
        max_length=20,
        choices=CalendarDayKind.choices,
    )
    name = models.CharField(
        verbose_name=_("节日"),
        max_length=100,
        help_text=_("例如：国庆节"),
    )
    source = models.CharField(
        verbose_name=_("来源"),
        max_length=20,
        choices=CalendarSource.choices,
        default=CalendarSource.MANUAL,
    )
    updated_at = models.DateTimeField(
        verbose_name=_("更新时间"),
        auto_now=True,
    )

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date.isoformat()} {self.name} {self.get_kind_display()}"

    def clean(self):
        super().clean()
        if self.date is None:
            return
        try:
            year = self.calendar_year.year
        except CalendarYear.DoesNotExist:
            year = None
        if year is not None and year != self.date.year:
            raise ValidationError(
                {"date": _("日期不在所选年度内。")},
                code="wrong_year",
            )
        if self.kind == CalendarDayKind.WORKDAY and self.date.weekday() < 5:
            raise ValidationError(
                {"kind": _("调休上班日只能是周六或周日；周一至周五本来就是工作日。")},
                code="workday_on_weekday",
            )


@receiver(post_save, sender=CalendarYear)
@receiver(post_delete, sender=CalendarYear)
@receiver(post_save, sender=CalendarDay)
@receiver(post_delete, sender=CalendarDay)
def _calendar_changed(**kwargs):
    """Any write to the calendar drops the cached working-day tables (governance.workdays): now,
    for this process, and again on commit, so no process keeps what it read before the commit."""
    from .workdays import invalidate_calendar_cache

    invalidate_calendar_cache()
    transaction.on_commit(invalidate_calendar_cache)
