"""API clients of the Open311 interface and the record of what each one filed."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from centers.models import Center, ScopedQuerySet
from disputes.choices import Channel
from disputes.models import Dispute

__all__ = ["ApiClient", "Submission", "KEY_TAG", "KEY_PREFIX_LENGTH"]

# Every key starts with this tag (so that a leaked one is recognised in logs and code), then
# the prefix that is kept in clear to find the key's row, then the secret rest.
KEY_TAG = "o311_"
KEY_PREFIX_LENGTH = 8


class ApiClientQuerySet(ScopedQuerySet):
    center_path = "center__"


class SubmissionQuerySet(ScopedQuerySet):
    center_path = "client__center__"


class ApiClient(models.Model):
    """An outside system allowed to file service requests through Open311 (a 12345 hotline,
    a petition office's platform, a court's pre-litigation mediation system): the channel its
    cases arrive on, and the center whose subtree is its jurisdiction — it files into that
    subtree's villages and lists that subtree's cases. Its key is kept only as a SHA-256
    digest: the full key is shown once, when the client is created."""

    name = models.CharField(
        verbose_name=_("名称"),
        max_length=100,
    )
    key_prefix = models.CharField(
        verbose_name=_("密钥前缀"),
        max_length=KEY_PREFIX_LENGTH,
        editable=False,
        db_index=True,
    )
    key_digest = models.CharField(
        verbose_name=_("密钥摘要（SHA-256）"),
        max_length=64,
        unique=True,
        editable=False,
    )
    channel = models.CharField(
        verbose_name=_("受理渠道"),
        max_length=16,
        choices=Channel.choices,
        default=Channel.HOTLINE_12345,
    )
    center = models.ForeignKey(
        Center,
        verbose_name=_("所属中心（管辖范围）"),
        on_delete=models.PROTECT,
        related_name="open311_clients",
        help_text=_("该客户端可向本中心辖区内的村/社区提交诉求，并查询辖区内的案件"),
    )
    is_active = models.BooleanField(
        verbose_name=_("启用"),
        default=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    created_at = models.DateTimeField(
        verbose_name=_("创建时间"),
        auto_now_add=True,
    )
    last_used_at = models.DateTimeField(
        verbose_name=_("最近使用时间"),
        null=True,
        blank=True,
        editable=False,
    )

    objects = ApiClientQuerySet.as_manager()

    class Meta:
        verbose_name = _("Open311 客户端")
        verbose_name_plural = _("Open311 客户端")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name

    @property
    def masked_key(self) -> str:
        """How the key is shown after its creation: the tag and the prefix only."""
        return f"{KEY_TAG}{self.key_prefix}…"


class Submission(models.Model):
    """How a case came in through Open311: the client that filed it (whose key, so that the
    cases a leaked key filed can be found) and the identifiers the client sent along, which
    have no place on the case itself."""

    dispute = models.OneToOneField(
        Dispute,
        verbose_name=_("纠纷"),
        on_delete=models.PROTECT,
        related_name="open311_submission",
    )
    client = models.ForeignKey(
        ApiClient,
        verbose_name=_("Open311 客户端"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    account_id = models.CharField(
        verbose_name=_("对方账号 ID"),
        max_length=100,
        blank=True,
    )
    device_id = models.CharField(
        verbose_name=_("对方设备 ID"),
        max_length=100,
        blank=True,
    )
    lat = models.FloatField(
        verbose_name=_("纬度"),
        null=True,
        blank=True,
    )
    long = models.FloatField(
        verbose_name=_("经度"),
        null=True,
        blank=True,
    )
    submitted_at = models.DateTimeField(
        verbose_name=_("提交时间"),
        auto_now_add=True,
    )

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("Open311 提交记录")
        verbose_name_plural = _("Open311 提交记录")
        ordering = ["-submitted_at"]

    def __str__(self):
        return f"{self.client} → {self.dispute_id}"
