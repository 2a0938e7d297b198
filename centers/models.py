from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from mptt.managers import TreeManager
from mptt.models import MPTTModel, TreeForeignKey

from .choices import LEVEL_DEPTH, CenterKind, CenterLevel, DepartmentKind, Role
from .codes import code_kind, code_level, is_code_ancestor, validate_division_code
from .locks import center_tree_lock

__all__ = ["Center", "Department", "Membership", "ScopedQuerySet", "subtree_q"]


def subtree_q(centers, prefix: str = "") -> Q:
    """A Q matching rows whose center (reached through `prefix`, e.g. "village__") lies in the
    subtree of any of `centers` (each with tree_id, lft, rght). No centers → matches nothing.

    The one building block of scoping: every visible_to() in the project is made from it.
    """
    q = Q(pk__in=[])
    for center in centers:
        q |= Q(
            **{
                f"{prefix}tree_id": center.tree_id,
                f"{prefix}lft__gte": center.lft,
                f"{prefix}rght__lte": center.rght,
            }
        )
    return q


class ScopedQuerySet(models.QuerySet):
    """The one scoping mechanism: `visible_to(user)` keeps the rows whose center lies in the
    subtree of one of the user's memberships (all rows for a superuser, none for anyone
    inactive or anonymous). Subclasses say how a row reaches its center in `center_path`,
    or in `center_paths` when a row belongs to several centers (visible through any)."""

    center_path = ""
    center_paths: tuple[str, ...] = ()

    def visible_to(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(self.scope_q(Center.objects.membership_roots(user)))

    def scope_q(self, centers) -> Q:
        """The rows seen from `centers`: those whose center (any of them, when several)
        lies in one of their subtrees."""
        condition = Q(pk__in=[])
        for path in self.center_paths or (self.center_path,):
            condition |= subtree_q(centers, path)
        return condition


class CenterQuerySet(ScopedQuerySet):
    center_path = ""


class CenterManager(TreeManager.from_queryset(CenterQuerySet)):
    def membership_roots(self, user):
        """The user's own centers, minus any that lie inside another of them."""
        if not user.is_authenticated:
            return []
        cached = getattr(user, "_zongzhi_membership_roots", None)
        if cached is not None:
            return cached
        own = list(
            Center.objects.filter(memberships__user=user, is_active=True)
            .distinct()
            .order_by("tree_id", "lft")
        )
        roots = []
        for center in own:
            if not any(center.is_descendant_of(root, include_self=True) for root in roots):
                roots.append(center)
        user._zongzhi_membership_roots = roots
        return roots

    def is_visible_to(self, center, user) -> bool:
        """Whether `center` lies in the user's scope, without a query per center."""
        if not user.is_authenticated or not user.is_active:
            return False
        if user.is_superuser:
            return True
        return any(
            center.is_descendant_of(root, include_self=True) for root in self.membership_roots(user)
        )


class Center(MPTTModel):
    """A comprehensive governance center (综治中心) of one administrative division, from a
    province or city down to a village or residents' community, keyed by its official code."""

    code = models.CharField(
        verbose_name=_("区划代码"),
        max_length=12,
        unique=True,
        validators=[validate_division_code],
        help_text=_("国家统计局12位统计用区划代码"),
    )
    name = models.CharField(
        verbose_name=_("名称"),
        max_length=100,
    )
    level = models.CharField(
        verbose_name=_("层级"),
        max_length=10,
        choices=CenterLevel.choices,
        db_index=True,
    )
    kind = models.CharField(
        verbose_name=_("类型"),
        max_length=24,
        choices=CenterKind.choices,
        editable=False,
        help_text=_("由区划代码推导"),
    )
    parent = TreeForeignKey(
        "self",
        verbose_name=_("上级中心"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    is_active = models.BooleanField(
        verbose_name=_("启用"),
        default=True,
    )
    created_at = models.DateTimeField(
        verbose_name=_("创建时间"),
        auto_now_add=True,
    )
    updated_at = models.DateTimeField(
        verbose_name=_("更新时间"),
        auto_now=True,
    )

    objects = CenterManager()

    class MPTTMeta:
        # "level" is the administrative level; MPTT's depth lives in tree_depth.
        level_attr = "tree_depth"
        order_insertion_by = ["code"]

    class Meta:
        verbose_name = _("综治中心")
        verbose_name_plural = _("综治中心")
        ordering = ["tree_id", "lft"]
        indexes = [
            models.Index(fields=["tree_id", "lft", "rght"], name="center_subtree_idx"),
            models.Index(fields=["name"], name="center_name_idx"),
        ]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    def get_absolute_url(self):
        return reverse("centers:detail", kwargs={"code": self.code})

    @property
    def depth(self) -> int:
        return LEVEL_DEPTH[self.level]

    def clean(self):
        super().clean()
        if self.code and self.level and code_level(self.code) != self.level:
            raise ValidationError({"level": _("层级与区划代码不符。")})
        if self.code and self.level:
            self.kind = code_kind(self.code, self.level)
        parent = self.parent
        if parent is None:
            return
        if self.pk and (parent.pk == self.pk or parent.is_descendant_of(self)):
            raise ValidationError({"parent": _("不能把中心挂到它自己或它的下级之下。")})
        if LEVEL_DEPTH[parent.level] >= LEVEL_DEPTH[self.level]:
            raise ValidationError({"parent": _("上级中心的层级必须高于本中心。")})
        if self.code and not is_code_ancestor(parent.code, self.code):
            raise ValidationError({"parent": _("上级中心的区划代码必须是本中心代码的前缀。")})

    def save(self, *args, **kwargs):
        if self.code and self.level:
            self.kind = code_kind(self.code, self.level)
        with center_tree_lock():
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        with center_tree_lock():
            return super().delete(*args, **kwargs)

    def subtree_q(self, prefix: str = "") -> Q:
        return subtree_q([self], prefix)


class DepartmentQuerySet(ScopedQuerySet):
    center_path = "center__"


class MembershipQuerySet(ScopedQuerySet):
    center_path = "center__"


class Department(models.Model):
    """A department stationed in a center (入驻部门): the people's court, police, petition
    office, justice bureau, labour inspection, professional mediation committees and so on."""

    center = models.ForeignKey(
        Center,
        verbose_name=_("所属中心"),
        on_delete=models.CASCADE,
        related_name="departments",
    )
    name = models.CharField(
        verbose_name=_("名称"),
        max_length=100,
    )
    kind = models.CharField(
        verbose_name=_("类别"),
        max_length=32,
        choices=DepartmentKind.choices,
    )
    phone = models.CharField(
        verbose_name=_("办公电话"),
        max_length=32,
        blank=True,
    )
    is_active = models.BooleanField(
        verbose_name=_("启用"),
        default=True,
    )

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("入驻部门")
        verbose_name_plural = _("入驻部门")
        ordering = ["center", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["center", "name"], name="department_unique_name"),
        ]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A user's role at a center. A user sees and acts on the subtrees of their memberships."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    center = models.ForeignKey(
        Center,
        verbose_name=_("中心"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(
        verbose_name=_("角色"),
        max_length=16,
        choices=Role.choices,
    )
    created_at = models.DateTimeField(
        verbose_name=_("创建时间"),
        auto_now_add=True,
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        ordering = ["center", "role", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "center", "role"], name="membership_unique_role"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.center.name}"
