"""Messages to staff (in-app inbox and e-mail) and to residents (SMS). Rows are written in
the transaction of the step that causes them and delivered later by a periodic job, so a
request never waits on a mail server, an SMS gateway or the broker (an outbox)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = ["Notification", "SmsMessage"]


class Notification(models.Model):
    """A message in a staff member's inbox (站内消息), also e-mailed when they have an
    address."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(
        verbose_name=_("类型"),
        max_length=40,
    )
    title = models.CharField(
        verbose_name=_("标题"),
        max_length=200,
    )
    body = models.TextField(
        verbose_name=_("内容"),
        blank=True,
    )
    url = models.CharField(
        verbose_name=_("链接"),
        max_length=200,
        blank=True,
    )
    dispute = models.ForeignKey(
        "disputes.Dispute",
        verbose_name=_("纠纷"),
        on_delete=models.CASCADE,
        related_name="notifications",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(
        verbose_name=_("时间"),
        auto_now_add=True,
    )
    read_at = models.DateTimeField(
        verbose_name=_("已读时间"),
        null=True,
        blank=True,
    )
    email_due = models.BooleanField(
        verbose_name=_("待发邮件"),
        default=False,
    )
    emailed_at = models.DateTimeField(
        verbose_name=_("邮件发送时间"),
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(fields=["created_at"], condition=Q(email_due=True), name="email_due"),
        ]

    def __str__(self):
        return self.title


class SmsMessage(models.Model):
    """A text message to a resident (短信), sent by the configured SMS backend. The phone
    number is kept only until sending; the body never carries an ID number."""

    phone = models.CharField(
        verbose_name=_("手机号"),
        max_length=20,
    )
    body = models.CharField(
        verbose_name=_("内容"),
        max_length=500,
    )
    dispute = models.ForeignKey(
        "disputes.Dispute",
        verbose_name=_("纠纷"),
        on_delete=models.CASCADE,
        related_name="sms_messages",
        null=True,
        blank=True,
    )
    kind = models.CharField(
        verbose_name=_("类型"),
        max_length=40,
    )
    created_at = models.DateTimeField(
        verbose_name=_("时间"),
        auto_now_add=True,
    )
    sent_at = models.DateTimeField(
        verbose_name=_("发送时间"),
        null=True,
        blank=True,
    )
    attempts = models.PositiveSmallIntegerField(
        verbose_name=_("尝试次数"),
        default=0,
    )
    last_error = models.CharField(
        verbose_name=_("最近错误"),
        max_length=500,
        blank=True,
    )

    class Meta:
        verbose_name = _("短信")
        verbose_name_plural = _("短信")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(sent_at__isnull=True), name="sms_due"),
        ]

    def __str__(self):
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"
