"""Disputes (矛盾纠纷), their parties, mediation and the append-only audit trail."""

import hashlib
import json
import os
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centers.choices import CenterLevel, Role
from centers.models import Center, Department, Membership, ScopedQuerySet
from governance.validators import validate_id_number, validate_phone

from .choices import (
    OPEN_STATUSES,
    Channel,
    EscalationKind,
    FollowUpStatus,
    PartyKind,
    PartySide,
    RequestType,
    RiskLevel,
    Satisfaction,
    Status,
)
from .scope import case_scope_q

__all__ = [
    "Category",
    "TrackingSequence",
    "Dispute",
    "Party",
    "MediationSession",
    "Agreement",
    "Attachment",
    "DeadlineRule",
    "Escalation",
    "FollowUp",
    "CaseEvent",
    "AppendOnlyError",
]


class Category(models.Model):
    """A dispute category (纠纷类别), after the 人民调解 statistical classes in domain.md."""

    code = models.SlugField(
        verbose_name=_("代码"),
        max_length=32,
        unique=True,
    )
    name = models.CharField(
        verbose_name=_("名称"),
        max_length=50,
    )
    description = models.CharField(
        verbose_name=_("说明"),
        max_length=200,
        blank=True,
    )
    sort_order = models.PositiveSmallIntegerField(
        verbose_name=_("排序"),
        default=0,
    )
    is_active = models.BooleanField(
        verbose_name=_("启用"),
        default=True,
    )

    class Meta:
        verbose_name = _("纠纷类别")
        verbose_name_plural = _("纠纷类别")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name


# Who may see a confidential case: the handling roles of the center holding it, and the
# directors of any center above it.
HANDLING_ROLES = (Role.MEDIATOR, Role.STAFF, Role.DIRECTOR, Role.ADMIN)
DIRECTING_ROLES = (Role.DIRECTOR, Role.ADMIN)


class TrackingSequence(models.Model):
    """The last tracking-number sequence used by a receiving center in a year."""

    center = models.ForeignKey(
        Center,
        verbose_name=_("受理中心"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(
        verbose_name=_("年度"),
    )
    last = models.PositiveIntegerField(
        verbose_name=_("已用序号"),
        default=0,
    )

    class Meta:
        verbose_name = _("受理编号序列")
        verbose_name_plural = _("受理编号序列")
        constraints = [
            models.UniqueConstraint(fields=["center", "year"], name="tracking_seq_unique"),
        ]

    def __str__(self):
        return f"{self.center_id}/{self.year}: {self.last}"


class DisputeQuerySet(ScopedQuerySet):
    # A case is seen from the center handling it now and from the one that received it.
    center_paths = ("current_center__", "receiving_center__")

    def scope_q(self, centers) -> Q:
        # The same rule from the case's own columns, without joining the centers table.
        return case_scope_q(centers)

    def visible_to(self, user):
        """The subtree rule, and on top of it the confidential flag (保密): such a case is
        seen only by its handlers (its mediator, whoever registered it or acted on it, and
        the handling roles of the center holding it now) and by the directors above."""
        queryset = super().visible_to(user)
        if user is None or not user.is_authenticated or user.is_superuser:
            return queryset
        memberships = Membership.objects.filter(user=user, center__is_active=True)
        handling_here = memberships.filter(role__in=HANDLING_ROLES).values("center_id")
        directing = list(
            Center.objects.filter(
                pk__in=memberships.filter(role__in=DIRECTING_ROLES).values("center_id")
            )
        )
        return queryset.filter(
            Q(is_confidential=False)
            | Q(mediator=user)
            | Q(created_by=user)
            | Q(current_center__in=handling_here)
            | Exists(CaseEvent.objects.filter(dispute=OuterRef("pk"), actor=user))
            | case_scope_q(directing)
        )


class Dispute(models.Model):
    """A dispute (矛盾纠纷) brought by residents to a center: one case, from intake to archive.
    Its status changes only through disputes.services.transitions."""

    tracking_number = models.CharField(
        verbose_name=_("受理编号"),
        max_length=32,
        unique=True,
        editable=False,
    )
    access_code_hash = models.CharField(
        verbose_name=_("查询码（散列）"),
        max_length=128,
        editable=False,
    )
    channel = models.CharField(
        verbose_name=_("受理渠道"),
        max_length=16,
        choices=Channel.choices,
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("纠纷类别"),
        on_delete=models.PROTECT,
        related_name="disputes",
    )
    risk_level = models.CharField(
        verbose_name=_("风险等级"),
        max_length=10,
        choices=RiskLevel.choices,
        default=RiskLevel.ORDINARY,
    )
    request_type = models.CharField(
        verbose_name=_("诉求类型"),
        max_length=16,
        choices=RequestType.choices,
        default=RequestType.HELP,
    )
    summary = models.CharField(
        verbose_name=_("纠纷概要"),
        max_length=200,
    )
    description = models.TextField(
        verbose_name=_("详细情况"),
        blank=True,
    )
    occurred_at = models.DateTimeField(
        verbose_name=_("发生时间"),
        null=True,
        blank=True,
    )
    village = models.ForeignKey(
        Center,
        verbose_name=_("发生地（村/社区）"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": CenterLevel.VILLAGE},
    )
    grid = models.ForeignKey(
        "grids.Grid",
        verbose_name=_("网格"),
        on_delete=models.PROTECT,
        related_name="disputes",
        null=True,
        blank=True,
    )
    address = models.CharField(
        verbose_name=_("详细地址"),
        max_length=200,
        blank=True,
    )
    receiving_center = models.ForeignKey(
        Center,
        verbose_name=_("受理中心"),
        on_delete=models.PROTECT,
        related_name="received_disputes",
    )
    current_center = models.ForeignKey(
        Center,
        verbose_name=_("当前承办中心"),
        on_delete=models.PROTECT,
        related_name="handled_disputes",
    )
    level = models.CharField(
        verbose_name=_("当前办理层级"),
        max_length=10,
        choices=CenterLevel.choices,
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("承办部门"),
        on_delete=models.PROTECT,
        related_name="disputes",
        null=True,
        blank=True,
    )
    assisting_departments = models.ManyToManyField(
        Department,
        verbose_name=_("协办部门"),
        related_name="assisted_disputes",
        blank=True,
    )
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("调解员"),
        on_delete=models.PROTECT,
        related_name="mediated_disputes",
        null=True,
        blank=True,
    )
    status = models.CharField(
        verbose_name=_("状态"),
        max_length=16,
        choices=Status.choices,
        default=Status.REGISTERED,
        editable=False,
    )
    dispatched_by_center = models.ForeignKey(
        Center,
        verbose_name=_("派单中心"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    dispatched_at = models.DateTimeField(
        verbose_name=_("派单时间"),
        null=True,
        blank=True,
        editable=False,
    )
    designated = models.BooleanField(
        verbose_name=_("上级指定承办"),
        default=False,
        editable=False,
        help_text=_("上级指定的承办单位不得再次退单"),
    )
    return_count = models.PositiveSmallIntegerField(
        verbose_name=_("退单次数"),
        default=0,
        editable=False,
    )
    escalation_count = models.PositiveSmallIntegerField(
        verbose_name=_("上报次数"),
        default=0,
        editable=False,
    )
    reopen_count = models.PositiveSmallIntegerField(
        verbose_name=_("重办次数"),
        default=0,
        editable=False,
    )
    is_overdue = models.BooleanField(
        verbose_name=_("超期"),
        default=False,
        editable=False,
    )
    is_supervised = models.BooleanField(
        verbose_name=_("督办"),
        default=False,
        editable=False,
    )
    is_extended = models.BooleanField(
        verbose_name=_("已延期"),
        default=False,
        editable=False,
    )
    is_confidential = models.BooleanField(
        verbose_name=_("保密"),
        default=False,
    )
    level_entered_at = models.DateTimeField(
        verbose_name=_("进入本级时间"),
        editable=False,
    )
    level_deadline = models.DateField(
        verbose_name=_("本级办理期限"),
        null=True,
        blank=True,
        editable=False,
    )
    level_workdays = models.PositiveSmallIntegerField(
        verbose_name=_("本级办理时限（工作日）"),
        default=0,
        editable=False,
    )
    level_due_at = models.DateTimeField(
        verbose_name=_("本级超期时刻"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("自此时刻起为超期（期限最后一日结束）"),
    )
    warn_at = models.DateTimeField(
        verbose_name=_("预警时刻"),
        null=True,
        blank=True,
        editable=False,
    )
    warned_at = models.DateTimeField(
        verbose_name=_("已预警时间"),
        null=True,
        blank=True,
        editable=False,
    )
    closed_at = models.DateTimeField(
        verbose_name=_("结案时间"),
        null=True,
        blank=True,
        editable=False,
    )
    # --- Facts for the governance metrics (化解率 …), kept by the transition function. ---
    # Where the case happened (属地), denormalized from its village: a subtree's cases are
    # found by one indexed column whatever the subtree's size.
    loc_province = models.ForeignKey(
        Center,
        verbose_name=_("属地省"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    loc_city = models.ForeignKey(
        Center,
        verbose_name=_("属地市"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    loc_county = models.ForeignKey(
        Center,
        verbose_name=_("属地县"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    loc_township = models.ForeignKey(
        Center,
        verbose_name=_("属地乡镇"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    receiving_level = models.CharField(
        verbose_name=_("受理层级"),
        max_length=10,
        choices=CenterLevel.choices,
        blank=True,
        editable=False,
    )
    top_level = models.CharField(
        verbose_name=_("到达的最高层级"),
        max_length=10,
        choices=CenterLevel.choices,
        blank=True,
        editable=False,
    )
    # Whether the handling center is off the 属地 path (neither the village nor one of its
    # ancestors): a case dispatched sideways, to another village or township. The scope rule
    # (disputes/scope.py) matches only these cases through the centers table.
    handled_elsewhere = models.BooleanField(
        verbose_name=_("异地承办"),
        default=False,
        db_default=False,
        editable=False,
    )
    accepted_at = models.DateTimeField(
        verbose_name=_("受理时间"),
        null=True,
        blank=True,
        editable=False,
    )
    mediation_started_at = models.DateTimeField(
        verbose_name=_("开始调解时间"),
        null=True,
        blank=True,
        editable=False,
    )
    resolved_at = models.DateTimeField(
        verbose_name=_("化解时间"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("调解成功的时间；重办时清空"),
    )
    resolved_level = models.CharField(
        verbose_name=_("化解层级"),
        max_length=10,
        choices=CenterLevel.choices,
        blank=True,
        editable=False,
    )
    closed_on_time = models.BooleanField(
        verbose_name=_("按期办结"),
        null=True,
        blank=True,
        editable=False,
    )
    handling_workdays = models.PositiveIntegerField(
        verbose_name=_("办理用时（工作日）"),
        null=True,
        blank=True,
        editable=False,
    )
    was_overdue = models.BooleanField(
        verbose_name=_("曾超期"),
        default=False,
        editable=False,
    )
    dispatch_count = models.PositiveSmallIntegerField(
        verbose_name=_("派单次数"),
        default=0,
        editable=False,
    )
    is_repeat = models.BooleanField(
        verbose_name=_("重复信访"),
        default=False,
        editable=False,
        help_text=_("登记时申请人已有在办或近90日内的案件"),
    )
    events_recorded = models.PositiveIntegerField(
        verbose_name=_("办理记录条数"),
        default=0,
        editable=False,
        help_text=_("与最后一条记录的散列一起锚定链条：删去末尾的记录也能发现"),
    )
    last_event_hash = models.CharField(
        verbose_name=_("最后一条记录的散列"),
        max_length=64,
        blank=True,
        editable=False,
    )
    version = models.PositiveIntegerField(
        verbose_name=_("版本"),
        default=1,
        editable=False,
        help_text=_("每次变更加一；过期的表单被拒绝"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="registered_disputes",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(
        verbose_name=_("登记时间"),
        auto_now_add=True,
    )
    updated_at = models.DateTimeField(
        verbose_name=_("更新时间"),
        auto_now=True,
    )

    objects = DisputeQuerySet.as_manager()

    class Meta:
        verbose_name = _("矛盾纠纷")
        verbose_name_plural = _("矛盾纠纷")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "level_deadline"], name="dispute_status_deadline"),
            models.Index(fields=["current_center", "status"], name="dispute_center_status"),
            # The deadline watch reads only these two small partial indexes: its cost grows
            # with the cases falling due, not with all cases.
            models.Index(
                fields=["warn_at"],
                condition=Q(status__in=sorted(OPEN_STATUSES), warned_at__isnull=True),
                name="dispute_warning_due",
            ),
            models.Index(
                fields=["level_due_at"],
                condition=Q(status__in=sorted(OPEN_STATUSES), is_overdue=False),
                name="dispute_overdue_due",
            ),
            # The case lists' default order (newest first, walked backwards): a page of a
            # big scope reads the newest cases until it has filled the page.
            models.Index(fields=["created_at", "id"], name="dispute_created"),
            # The same for the lists sorted by deadline (办理期限).
            models.Index(fields=["level_deadline", "id"], name="dispute_deadline"),
            # The 重大 cases (0.5 % of all), newest first: a list filtered to them reads
            # these instead of walking every case in scope.
            models.Index(
                fields=["created_at", "id"],
                condition=Q(risk_level=RiskLevel.MAJOR),
                name="dispute_major_created",
            ),
            # Metrics read a subtree's cases by their 属地 column and a period.
            models.Index(fields=["loc_county", "created_at"], name="dispute_county_created"),
            models.Index(fields=["loc_township", "created_at"], name="dispute_township_created"),
            models.Index(fields=["village", "created_at"], name="dispute_village_created"),
            models.Index(fields=["loc_county", "closed_at"], name="dispute_county_closed"),
            models.Index(fields=["loc_township", "closed_at"], name="dispute_township_closed"),
            models.Index(fields=["village", "closed_at"], name="dispute_village_closed"),
            # The open cases (about 1 % of all) with what the metrics count them by: the
            # rollup job's recount of open cases, and a county's open cases, read this small
            # index alone (an index-only scan).
            models.Index(
                fields=[
                    "loc_county",
                    "loc_city",
                    "loc_province",
                    "category",
                    "channel",
                    "risk_level",
                    "is_overdue",
                ],
                condition=Q(status__in=sorted(OPEN_STATUSES)),
                name="dispute_open_facts",
            ),
            # The same for a township's and a village's open cases.
            models.Index(
                fields=[
                    "loc_township",
                    "village",
                    "category",
                    "channel",
                    "risk_level",
                    "is_overdue",
                ],
                condition=Q(status__in=sorted(OPEN_STATUSES)),
                name="dispute_open_township",
            ),
            models.Index(
                fields=["village", "category", "channel", "risk_level", "is_overdue"],
                condition=Q(status__in=sorted(OPEN_STATUSES)),
                name="dispute_open_village",
            ),
            # The dashboards' overdue list: the overdue open cases by deadline, read in order,
            # for the deployment and per 属地 column.
            *(
                models.Index(
                    fields=[*prefix, "level_deadline"],
                    condition=Q(status__in=sorted(OPEN_STATUSES), is_overdue=True),
                    name=name,
                )
                for prefix, name in [
                    ((), "dispute_overdue_list"),
                    (("loc_city",), "dispute_overdue_city"),
                    (("loc_province",), "dispute_overdue_province"),
                    (("loc_county",), "dispute_overdue_county"),
                    (("loc_township",), "dispute_overdue_township"),
                    (("village",), "dispute_overdue_village"),
                ]
            ),
            # The few cases dispatched sideways, by handling center: the scope rule's only
            # look at the centers table (disputes/scope.py).
            models.Index(
                fields=["current_center"],
                condition=Q(handled_elsewhere=True),
                name="dispute_handled_elsewhere",
            ),
            # The follow-up job looks for closed cases only.
            models.Index(
                fields=["closed_at"],
                condition=Q(status="closed"),
                name="dispute_closed_at",
            ),
        ]

    def __str__(self):
        return f"{self.tracking_number} {self.summary}"

    def get_absolute_url(self):
        return reverse("disputes:detail", kwargs={"tracking_number": self.tracking_number})


class Party(models.Model):
    """A party (当事人) to a dispute: an applicant or a respondent, a person or an
    organization. Several may stand on each side."""

    dispute = models.ForeignKey(
        Dispute,
        verbose_name=_("纠纷"),
        on_delete=models.CASCADE,
        related_name="parties",
    )
    side = models.CharField(
        verbose_name=_("当事人类型"),
        max_length=12,
        choices=PartySide.choices,
    )
    kind = models.CharField(
        verbose_name=_("主体"),
        max_length=12,
        choices=PartyKind.choices,
        default=PartyKind.PERSON,
    )
    name = models.CharField(
        verbose_name=_("姓名/名称"),
        max_length=100,
    )
    phone = models.CharField(
        verbose_name=_("联系电话"),
        max_length=20,
        blank=True,
        validators=[validate_phone],
    )
    id_number = models.CharField(
        verbose_name=_("身份证号"),
        max_length=18,
        blank=True,
        validators=[validate_id_number],
    )
    address = models.CharField(
        verbose_name=_("住址"),
        max_length=200,
        blank=True,
    )

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["dispute", "side", "pk"]
        indexes = [
            models.Index(fields=["phone"], name="party_phone_idx"),
            models.Index(fields=["id_number"], name="party_id_number_idx"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.kind == PartyKind.ORGANIZATION and self.id_number:
            raise ValidationError({"id_number": _("单位当事人不填写身份证号。")})


class MediationSession(models.Model):
    """One mediation meeting (调解记录): when, who mediated, who attended, what happened."""

    dispute = models.ForeignKey(
        Dispute,
        verbose_name=_("纠纷"),
        on_delete=models.CASCADE,
        related_name="sessions",
    )
    held_at = models.DateTimeField(
        verbose_name=_("调解时间"),
    )
    mediators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("调解员"),
        related_name="mediation_sessions",
    )
    attendees = models.TextField(
        verbose_name=_("参加人员"),
        blank=True,
    )
    notes = models.TextField(
        verbose_name=_("调解经过"),
    )
    outcome = models.CharField(
        verbose_name=_("本次结果"),
        max_length=200,
        blank=True,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(
        verbose_name=_("记录时间"),
        auto_now_add=True,
    )

    class Meta:
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")
        ordering = ["dispute", "held_at"]

    def __str__(self):
        return f"{self.dispute_id} @ {self.held_at:%Y-%m-%d}"


class Agreement(models.Model):
    """The mediation agreement (调解协议) of a case: written or oral, and whether the parties
    applied for, and obtained, judicial confirmation (司法确认)."""

    dispute = models.OneToOneField(
        Dispute,
        verbose_name=_("纠纷"),
        on_delete=models.CASCADE,
        related_name="agreement",
    )
    content = models.TextField(
        verbose_name=_("协议内容"),
    )
    is_written = models.BooleanField(
        verbose_name=_("书面协议"),
        default=True,
        help_text=_("否则为口头协议"),
    )
    signed_on = models.DateField(
        verbose_name=_("签订日期"),
    )
    performance_notes = models.TextField(
        verbose_name=_("履行情况"),
        blank=True,
    )
    judicial_confirmation_applied = models.BooleanField(
        verbose_name=_("已申请司法确认"),
        default=False,
    )
    judicial_confirmation_granted = models.BooleanField(
        verbose_name=_("已获司法确认"),
        default=False,
    )

    class Meta:
        verbose_name = _("调解协议")
        verbose_name_plural = _("调解协议")

    def __str__(self):
        return f"{self.dispute_id} {self.signed_on}"

    def clean(self):
        super().clean()
        if self.judicial_confirmation_granted and not self.judicial_confirmation_applied:
            raise ValidationError(
                {"judicial_confirmation_granted": _("未申请司法确认，不能标记为已确认。")}
            )


class PrivateMediaStorage(FileSystemStorage):
    """Files under settings.PRIVATE_MEDIA_ROOT, read when the storage is used (not frozen when
    the models load), and with no URL at all: nothing here is ever served by the web server.
    Files and folders are not world-readable (owner and group only)."""

    def __init__(self):
        super().__init__(file_permissions_mode=0o640, directory_permissions_mode=0o750)

    @property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("private files have no URL; use the permission-checked view")


def attachment_storage():
    """Attachments live under PRIVATE_MEDIA_ROOT, outside the web root, with no public URL:
    they are served only by the permission-checked download view."""
    return PrivateMediaStorage()


def attachment_path(instance, filename):
    # The stored name is random and has no extension: what a user uploaded is never
    # executed or served by name; the original name is kept in `original_name`.
    now = timezone.now()
    return f"attachments/{now:%Y/%m}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file attached to a case (附件): evidence, an ID card copy, a signed agreement scan.
    The type is recognised from the file's content, never from its name."""

    dispute = models.ForeignKey(
        Dispute,
        verbose_name=_("纠纷"),
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    file = models.FileField(
        verbose_name=_("文件"),
        storage=attachment_storage,
        upload_to=attachment_path,
        max_length=200,
    )
    original_name = models.CharField(
        verbose_name=_("原文件名"),
        max_length=200,
    )
    content_type = models.CharField(
        verbose_name=_("文件类型"),
        max_length=100,
    )
    size = models.PositiveBigIntegerField(
        verbose_name=_("大小（字节）"),
    )
    sha256 = models.CharField(
        verbose_name=_("SHA-256"),
        max_length=64,
    )
    description = models.CharField(
        verbose_name=_("说明"),
        max_length=200,
        blank=True,
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    uploaded_at = models.DateTimeField(
        verbose_name=_("上传时间"),
        auto_now_add=True,
    )

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["dispute", "uploaded_at", "pk"]

    def __str__(self):
        return self.original_name


class DeadlineRule(models.Model):
    """A local time limit (办理时限) for cases at one level, optionally only for a category
    and/or a risk level, and whether overdue cases there rise automatically. The most
    specific active rule applies; without one, the defaults of the ladder do."""

    level = models.CharField(
        verbose_name=_("层级"),
        max_length=10,
        choices=CenterLevel.choices,
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("纠纷类别"),
        on_delete=models.CASCADE,
        related_name="deadline_rules",
        null=True,
        blank=True,
        help_text=_("留空表示所有类别"),
    )
    risk_level = models.CharField(
        verbose_name=_("风险等级"),
        max_length=10,
        choices=RiskLevel.choices,
        blank=True,
        help_text=_("留空表示所有风险等级"),
    )
    workdays = models.PositiveSmallIntegerField(
        verbose_name=_("办理时限（工作日）"),
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    auto_escalate = models.BooleanField(
        verbose_name=_("超期自动上报"),
        default=True,
        help_text=_("否则超期只标记并预警，不自动上报"),
    )
    is_active = models.BooleanField(
        verbose_name=_("启用"),
        default=True,
    )

    class Meta:
        verbose_name = _("办理时限规则")
        verbose_name_plural = _("办理时限规则")
        ordering = ["level", "category", "risk_level"]
        constraints = [
            models.UniqueConstraint(
                fields=["level", "category", "risk_level"],
                name="deadline_rule_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self):
        scope = " ".join(str(part) for part in (self.category, self.risk_level) if part)
        return f"{self.get_level_display()} {scope}: {self.workdays}"

    def save(self, *args, **kwargs):
        from .deadlines import forget_rules

        super().save(*args, **kwargs)
        forget_rules()
        transaction.on_commit(forget_rules)

    def delete(self, *args, **kwargs):
        from .deadlines import forget_rules

        result = super().delete(*args, **kwargs)
        forget_rules()
        transaction.on_commit(forget_rules)
        return result


class Escalation(models.Model):
    """One move of a case up the ladder (上报) or a supervision order (督办) on the unit
    holding it, automatic (by the deadline watch) or by a person. The audit trail of the
    ladder: which level held the case for how long, and what deadline was missed."""

    dispute = models.ForeignKey(
        Dispute,
        verbose_name=_("纠纷"),
        on_delete=models.PROTECT,
        related_name="escalations",
    )
    kind = models.CharField(
        verbose_name=_("类型"),
        max_length=10,
        choices=EscalationKind.choices,
    )
    cycle = models.PositiveSmallIntegerField(
        verbose_name=_("办理轮次"),
        default=0,
        help_text=_("重办次数：每次重办开始新一轮"),
    )
    automatic = models.BooleanField(
        verbose_name=_("自动"),
        default=False,
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    from_center = models.ForeignKey(
        Center,
        verbose_name=_("原承办中心"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_center = models.ForeignKey(
        Center,
        verbose_name=_("新承办中心"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_level = models.CharField(
        verbose_name=_("原层级"),
        max_length=10,
        choices=CenterLevel.choices,
    )
    to_level = models.CharField(
        verbose_name=_("新层级"),
        max_length=10,
        choices=CenterLevel.choices,
    )
    reason = models.TextField(
        verbose_name=_("理由"),
        blank=True,
    )
    level_entered_at = models.DateTimeField(
        verbose_name=_("进入原层级时间"),
    )
    missed_deadline = models.DateField(
        verbose_name=_("原层级期限"),
        null=True,
        blank=True,
    )
    workdays_held = models.PositiveIntegerField(
        verbose_name=_("原层级办理工作日"),
    )
    new_deadline = models.DateField(
        verbose_name=_("新期限"),
        null=True,
        blank=True,
        help_text=_("上报：新层级的期限；督办：督办期限"),
    )
    created_at = models.DateTimeField(
        verbose_name=_("时间"),
        default=timezone.now,
    )

    class Meta:
        verbose_name = _("上报/督办记录")
        verbose_name_plural = _("上报/督办记录")
        ordering = ["-created_at"]
        constraints = [
            # The deadline watch moves a case up from a level at most once per cycle, however
            # many scans run at once.
            models.UniqueConstraint(
                fields=["dispute", "kind", "from_level", "cycle"],
                condition=Q(automatic=True),
                name="escalation_automatic_once",
            ),
        ]
        indexes = [
            models.Index(fields=["created_at"], name="escalation_created"),
        ]

    def __str__(self):
        return f"{self.dispute_id} {self.kind} {self.from_level}→{self.to_level}"


def _place_copy(verbose_name):
    """A copy of one of the case's 属地 columns (indexed together with a date instead)."""
    return models.ForeignKey(
        Center,
        verbose_name=verbose_name,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
        db_index=False,
    )


class FollowUp(models.Model):
    """A follow-up (回访) after closure: someone other than the handler asks the resident
    whether they are satisfied. 不满意 reopens the case (重办) and a second follow-up
    (二次回访) comes after it closes again; no answer in time is counted as unreachable."""

    dispute = models.ForeignKey(
        Dispute,
        verbose_name=_("纠纷"),
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    cycle = models.PositiveSmallIntegerField(
        verbose_name=_("办理轮次"),
        default=0,
        help_text=_("0 为首次回访，1 起为重办后的二次回访"),
    )
    center = models.ForeignKey(
        Center,
        verbose_name=_("回访中心"),
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回访人"),
        on_delete=models.PROTECT,
        related_name="follow_ups",
        null=True,
        blank=True,
        help_text=_("不得为该案承办人"),
    )
    status = models.CharField(
        verbose_name=_("状态"),
        max_length=12,
        choices=FollowUpStatus.choices,
        default=FollowUpStatus.OPEN,
    )
    due_on = models.DateField(
        verbose_name=_("答复期限"),
    )
    rating = models.CharField(
        verbose_name=_("评价"),
        max_length=20,
        choices=Satisfaction.choices,
        blank=True,
    )
    comment = models.TextField(
        verbose_name=_("意见"),
        blank=True,
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("为空表示群众本人在线评价"),
    )
    answered_at = models.DateTimeField(
        verbose_name=_("评价时间"),
        null=True,
        blank=True,
    )
    ended_at = models.DateTimeField(
        verbose_name=_("结束时间"),
        null=True,
        blank=True,
        help_text=_("评价或确认未联系上的时间（满意率按此归期）"),
    )
    created_at = models.DateTimeField(
        verbose_name=_("创建时间"),
        default=timezone.now,
    )
    # Where the case happened (its 属地 columns, fixed at intake), copied here so that the
    # metrics count a county's, a township's or a village's follow-ups of a month from one
    # small index range, without reading the month's follow-ups of the whole deployment.
    loc_city = _place_copy(_("属地市"))
    loc_county = _place_copy(_("属地县"))
    loc_township = _place_copy(_("属地乡镇"))
    village = _place_copy(_("发生地（村/社区）"))

    # The case's columns copied onto its follow-ups.
    PLACE_FIELDS = ("loc_city", "loc_county", "loc_township", "village")

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["dispute", "cycle"], name="follow_up_once_per_cycle"),
        ]
        indexes = [
            models.Index(
                fields=["due_on"],
                condition=Q(status="open"),
                name="follow_up_open_due",
            ),
            # Metrics count follow-ups by the month they ended in, for a subtree.
            models.Index(fields=["ended_at"], name="follow_up_ended"),
            models.Index(fields=["loc_county", "ended_at"], name="follow_up_county_ended"),
            models.Index(fields=["loc_township", "ended_at"], name="follow_up_township_ended"),
            models.Index(fields=["village", "ended_at"], name="follow_up_village_ended"),
        ]

    def __str__(self):
        return f"{self.dispute_id} 回访#{self.cycle}"


class AppendOnlyError(Exception):
    """Case events are never changed or deleted."""


class CaseEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("case events are append-only")

    def delete(self):
        raise AppendOnlyError("case events are append-only")


class CaseEvent(models.Model):
    """One step in a case's history (办理记录), append-only. Each event's hash covers its
    content and the previous event's hash, so any later change breaks the chain; on
    PostgreSQL a trigger refuses UPDATE and DELETE outright."""

    dispute = models.ForeignKey(
        Dispute,
        verbose_name=_("纠纷"),
        on_delete=models.PROTECT,
        related_name="events",
    )
    seq = models.PositiveIntegerField(
        verbose_name=_("序号"),
    )
    action = models.CharField(
        verbose_name=_("动作"),
        max_length=64,
    )
    from_status = models.CharField(
        verbose_name=_("原状态"),
        max_length=16,
        choices=Status.choices,
        blank=True,
    )
    to_status = models.CharField(
        verbose_name=_("新状态"),
        max_length=16,
        choices=Status.choices,
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("为空表示系统自动"),
    )
    center = models.ForeignKey(
        Center,
        verbose_name=_("办理中心"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(
        verbose_name=_("理由/说明"),
        blank=True,
    )
    data = models.JSONField(
        verbose_name=_("数据"),
        default=dict,
        blank=True,
        help_text=_("本步使用的期限等数值"),
    )
    created_at = models.DateTimeField(
        verbose_name=_("时间"),
    )
    prev_hash = models.CharField(
        verbose_name=_("前一事件散列"),
        max_length=64,
        blank=True,
    )
    hash = models.CharField(
        verbose_name=_("散列"),
        max_length=64,
    )

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["dispute", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["dispute", "seq"], name="case_event_seq_unique"),
        ]

    def __str__(self):
        return f"{self.dispute_id}#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise AppendOnlyError("case events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("case events are append-only")

    def compute_hash(self) -> str:
        """SHA-256 over the event's content and the previous event's hash."""
        payload = {
            "dispute": self.dispute_id,
            "seq": self.seq,
            "action": self.action,
            "from": self.from_status,
            "to": self.to_status,
            "actor": self.actor_id,
            "center": self.center_id,
            "reason": self.reason,
            "data": self.data,
            "at": self.created_at.isoformat(),
            "prev": self.prev_hash,
        }
        canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
