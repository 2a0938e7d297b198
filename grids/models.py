from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from centers.choices import CenterLevel
from centers.models import Center, ScopedQuerySet
from governance.people import person_name

__all__ = ["Grid", "GridWorker"]


class GridQuerySet(ScopedQuerySet):
    center_path = "village__"


class Grid(models.Model):
    """A grid cell (网格): the patch of a village or community that one grid worker walks."""

    village = models.ForeignKey(
        Center,
        verbose_name=_("所属村/社区"),
        on_delete=models.PROTECT,
        related_name="grids",
        limit_choices_to={"level": CenterLevel.VILLAGE},
    )
    code = models.CharField(
        verbose_name=_("网格编码"),
        max_length=20,
        unique=True,
        help_text=_("村/社区区划代码加三位序号"),
    )
    name = models.CharField(
        verbose_name=_("名称"),
        max_length=100,
    )
    description = models.TextField(
        verbose_name=_("范围说明"),
        blank=True,
    )
    is_active = models.BooleanField(
        verbose_name=_("启用"),
        default=True,
    )

    objects = GridQuerySet.as_manager()

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["village", "name"], name="grid_unique_name"),
        ]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    def get_absolute_url(self):
        return reverse("grids:detail", kwargs={"code": self.code})

    def clean(self):
        super().clean()
        if self.village_id and self.village.level != CenterLevel.VILLAGE:
            raise ValidationError({"village": _("网格只能设在村/社区一级。")})


class GridWorkerQuerySet(ScopedQuerySet):
    center_path = "village__"


class GridWorker(models.Model):
    """A grid worker (网格员): a user who walks one or more grids of a village, reports
    disputes from them and is the first contact for their residents."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="grid_worker",
    )
    village = models.ForeignKey(
        Center,
        verbose_name=_("所属村/社区"),
        on_delete=models.PROTECT,
        related_name="grid_workers",
        limit_choices_to={"level": CenterLevel.VILLAGE},
    )
    phone = models.CharField(
        verbose_name=_("手机号"),
        max_length=20,
    )
    grids = models.ManyToManyField(
        Grid,
        verbose_name=_("负责网格"),
        related_name="workers",
        blank=True,
    )
    is_active = models.BooleanField(
        verbose_name=_("在岗"),
        default=True,
    )

    objects = GridWorkerQuerySet.as_manager()

    class Meta:
        verbose_name = _("网格员")
        verbose_name_plural = _("网格员")
        ordering = ["village", "user__username"]

    def __str__(self):
        return person_name(self.user)
