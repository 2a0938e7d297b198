"""Serializers of the staff REST API for cases.

Output: what the case page shows, personal data masked as there (full phone and ID numbers
only through the reveal endpoint; a protected reporter not at all to those who may not know
them). Input: one serializer per action, with the fields of the matching form of
disputes/forms.py and the same choices (the querysets are the forms' own); the services decide
the rest."""

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from centers.models import Center, Department
from governance.fields import BooleanField, DateTimeField, ListOfObjects, TextField
from governance.masking import mask_id_number, mask_name, mask_phone, mask_text
from governance.people import person_name

from .. import audit, forms, selectors
from ..choices import (
    OPEN_STATUSES,
    Action,
    Channel,
    FollowUpStatus,
    PartyKind,
    PartySide,
    RequestType,
    RiskLevel,
    Satisfaction,
    Status,
)
from ..models import Agreement, Attachment, CaseEvent, Category, Dispute, FollowUp
from ..services.lifecycle import REVEALABLE_FIELDS

__all__ = [
    "AgreeSerializer",
    "AssignDownSerializer",
    "AssignSerializer",
    "AttachmentSerializer",
    "AttachmentUploadSerializer",
    "AuditRowSerializer",
    "CaseDetailSerializer",
    "CaseEventSerializer",
    "CaseListSerializer",
    "CloseSerializer",
    "ConflictSerializer",
    "DispatchSerializer",
    "ErrorSerializer",
    "EscalateSerializer",
    "ExtendSerializer",
    "FailSerializer",
    "FollowUpRecordSerializer",
    "FollowUpSerializer",
    "FollowUpUnreachableSerializer",
    "IntakeResultSerializer",
    "IntakeSerializer",
    "NotAcceptSerializer",
    "PerformanceSerializer",
    "RecordSessionSerializer",
    "ReissueAccessCodeSerializer",
    "ReissuedAccessCodeSerializer",
    "ReopenSerializer",
    "ReturnSerializer",
    "RevealSerializer",
    "RevealedSerializer",
    "SuperviseSerializer",
    "VersionSerializer",
]


def _past_deadline(dispute: Dispute) -> bool:
    """Overdue as the inbox shows it: flagged by the deadline watch, or still open with the
    level's deadline behind it."""
    if dispute.status not in OPEN_STATUSES:
        return False
    return dispute.is_overdue or bool(
        dispute.level_deadline and dispute.level_deadline < timezone.localdate()
    )


# --- Other objects, in brief ----------------------------------------------------------


class CenterBriefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    level_display = serializers.CharField(source="get_level_display")


class CategoryBriefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class PersonBriefSerializer(serializers.Serializer):
    """A staff member: their id (for `assign`) and their name as the pages write it."""

    id = serializers.IntegerField(source="pk")
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return person_name(user)


class DepartmentBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    center_code = serializers.CharField(source="center.code")


# --- Parties ----------------------------------------------------------------------------


class PartyBriefSerializer(serializers.Serializer):
    """A party in the case list: name and phone masked (张*, 139****1234)."""

    side = serializers.ChoiceField(choices=PartySide.choices)
    side_display = serializers.CharField(source="get_side_display")
    kind = serializers.ChoiceField(choices=PartyKind.choices)
    name = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()

    def get_name(self, party) -> str:
        return mask_name(party.name)

    def get_phone(self, party) -> str:
        return mask_phone(party.phone)


class PartySerializer(serializers.Serializer):
    """A party on the case page: the name and address as the page shows them, phone and ID
    number masked (POST …/parties/{id}/reveal/ shows one in full, audited). A protected
    reporter (举报人) is shown without any of it to those who may not know who reported."""

    id = serializers.IntegerField(source="pk")
    side = serializers.ChoiceField(choices=PartySide.choices)
    side_display = serializers.CharField(source="get_side_display")
    kind = serializers.ChoiceField(choices=PartyKind.choices)
    kind_display = serializers.CharField(source="get_kind_display")
    identity_protected = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    id_number = serializers.SerializerMethodField()
    address = serializers.SerializerMethodField()

    def _protected(self, party) -> bool:
        return party.side == PartySide.APPLICANT and not self.context["reporter_visible"]

    def get_identity_protected(self, party) -> bool:
        return self._protected(party)

    def get_name(self, party) -> str:
        return _("举报人（信息保密）") if self._protected(party) else party.name

    def get_phone(self, party) -> str:
        return "" if self._protected(party) else mask_phone(party.phone)

    def get_id_number(self, party) -> str:
        return "" if self._protected(party) else mask_id_number(party.id_number)

    def get_address(self, party) -> str:
        return "" if self._protected(party) else party.address


# --- Cases ------------------------------------------------------------------------------


class CaseListSerializer(serializers.ModelSerializer):
    """A row of the case list."""

    url = serializers.SerializerMethodField()
    status_display = serializers.CharField(source="get_status_display")
    channel_display = serializers.CharField(source="get_channel_display")
    request_type_display = serializers.CharField(source="get_request_type_display")
    risk_level_display = serializers.CharField(source="get_risk_level_display")
    level_display = serializers.CharField(source="get_level_display")
    category = CategoryBriefSerializer()
    current_center = CenterBriefSerializer()
    village = CenterBriefSerializer()
    mediator = PersonBriefSerializer(allow_null=True)
    past_deadline = serializers.SerializerMethodField()
    reporter_protected = serializers.SerializerMethodField()
    parties = serializers.SerializerMethodField()

    class Meta:
        model = Dispute
        fields = [
            "tracking_number",
            "url",
            "summary",
            "status",
            "status_display",
            "channel",
            "channel_display",
            "request_type",
            "request_type_display",
            "risk_level",
            "risk_level_display",
            "category",
            "level",
            "level_display",
            "current_center",
            "village",
            "mediator",
            "level_deadline",
            "past_deadline",
            "is_overdue",
            "is_supervised",
            "is_extended",
            "is_confidential",
            "reporter_protected",
            "parties",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    def _reporter_visible(self, dispute) -> bool:
        return selectors.reporter_identity_visible(dispute, self.context["request"].user)

    def get_url(self, dispute) -> str:
        path = reverse("case-detail", kwargs={"tracking_number": dispute.tracking_number})
        return self.context["request"].build_absolute_uri(path)

    def get_past_deadline(self, dispute) -> bool:
        return _past_deadline(dispute)

    def get_reporter_protected(self, dispute) -> bool:
        return not self._reporter_visible(dispute)

    @extend_schema_field(PartyBriefSerializer(many=True))
    def get_parties(self, dispute):
        parties = getattr(dispute, "party_list", None)
        if parties is None:
            parties = list(selectors.case_parties(dispute))
        if not self._reporter_visible(dispute):
            parties = [party for party in parties if party.side != PartySide.APPLICANT]
        return PartyBriefSerializer(parties, many=True).data


class AgreementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agreement
        fields = [
            "content",
            "is_written",
            "signed_on",
            "performance_notes",
            "judicial_confirmation_applied",
            "judicial_confirmation_granted",
        ]
        read_only_fields = fields


class SessionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    held_at = serializers.DateTimeField()
    mediators = PersonBriefSerializer(many=True, source="mediators.all")
    attendees = serializers.CharField()
    notes = serializers.CharField()
    outcome = serializers.CharField()
    recorded_by = PersonBriefSerializer()


class FollowUpBriefSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display")
    # Blank until the resident answers (a read-only model field would lose allow_blank, and
    # the schema the empty value).
    rating = serializers.ChoiceField(choices=Satisfaction.choices, allow_blank=True, read_only=True)
    rating_display = serializers.CharField(source="get_rating_display")
    assigned_to = PersonBriefSerializer(allow_null=True)

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "cycle",
            "status",
            "status_display",
            "assigned_to",
            "due_on",
            "rating",
            "rating_display",
            "comment",
            "answered_at",
            "ended_at",
        ]
        read_only_fields = fields


class AllowedActionSerializer(serializers.Serializer):
    action = serializers.CharField(
        help_text="The endpoint: POST …/cases/{tracking_number}/{action}/ (reveal: "
        "…/parties/{party_id}/reveal/)."
    )
    label = serializers.CharField()


class CaseDetailSerializer(CaseListSerializer):
    """A case as its page shows it. `version` is also sent as the ETag: give it back with an
    action (If-Match, or a `version` field) so that a stale view is refused."""

    receiving_center = CenterBriefSerializer()
    department = DepartmentBriefSerializer(allow_null=True)
    assisting_departments = DepartmentBriefSerializer(many=True, source="assisting_departments.all")
    created_by = PersonBriefSerializer(allow_null=True)
    parties = serializers.SerializerMethodField()
    agreement = serializers.SerializerMethodField()
    sessions = serializers.SerializerMethodField()
    follow_ups = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "description",
            "occurred_at",
            "address",
            "receiving_center",
            "department",
            "assisting_departments",
            "designated",
            "dispatched_at",
            "return_count",
            "escalation_count",
            "reopen_count",
            "level_entered_at",
            "level_workdays",
            "level_due_at",
            "closed_at",
            "created_by",
            "agreement",
            "sessions",
            "follow_ups",
            "allowed_actions",
        ]
        read_only_fields = fields

    @extend_schema_field(PartySerializer(many=True))
    def get_parties(self, dispute):
        context = {"reporter_visible": self._reporter_visible(dispute)}
        return PartySerializer(selectors.case_parties(dispute), many=True, context=context).data

    @extend_schema_field(AgreementSerializer(allow_null=True))
    def get_agreement(self, dispute):
        agreement = selectors.case_agreement(dispute=dispute)
        return AgreementSerializer(agreement).data if agreement is not None else None

    @extend_schema_field(SessionSerializer(many=True))
    def get_sessions(self, dispute):
        sessions = selectors.case_sessions(dispute).select_related("recorded_by")
        return SessionSerializer(sessions.order_by("held_at", "pk"), many=True).data

    @extend_schema_field(FollowUpBriefSerializer(many=True))
    def get_follow_ups(self, dispute):
        return FollowUpBriefSerializer(selectors.case_follow_ups(dispute), many=True).data

    @extend_schema_field(AllowedActionSerializer(many=True))
    def get_allowed_actions(self, dispute):
        from .actions import allowed_endpoints

        rows = allowed_endpoints(dispute, self.context["request"].user)
        return AllowedActionSerializer(rows, many=True).data


class CaseEventSerializer(serializers.ModelSerializer):
    """One step of the timeline, as the case page lists it."""

    action_display = serializers.SerializerMethodField()
    # Blank on the first event (registration): see FollowUpBriefSerializer.rating.
    from_status = serializers.ChoiceField(choices=Status.choices, allow_blank=True, read_only=True)
    from_status_display = serializers.CharField(source="get_from_status_display")
    to_status_display = serializers.CharField(source="get_to_status_display")
    actor = serializers.SerializerMethodField()
    center = CenterBriefSerializer()

    class Meta:
        model = CaseEvent
        fields = [
            "seq",
            "created_at",
            "action",
            "action_display",
            "from_status",
            "from_status_display",
            "to_status",
            "to_status_display",
            "actor",
            "center",
            "reason",
        ]
        read_only_fields = fields

    def get_action_display(self, event) -> str:
        try:
            return Action(event.action).label
        except ValueError:
            return event.action

    def get_actor(self, event) -> str:
        """The person who took the step, or 系统 (automatic steps)."""
        return person_name(event.actor) if event.actor_id else _("系统")


class AttachmentSerializer(serializers.ModelSerializer):
    """A file of the case. Long numbers in its name (a phone or ID number) are masked here;
    the download keeps the name as uploaded."""

    name = serializers.SerializerMethodField()
    uploaded_by = PersonBriefSerializer(allow_null=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "name",
            "content_type",
            "size",
            "sha256",
            "description",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_name(self, attachment) -> str:
        return mask_text(attachment.original_name)

    def get_download_url(self, attachment) -> str:
        path = reverse(
            "case-attachment-download",
            kwargs={
                "tracking_number": attachment.dispute.tracking_number,
                "attachment_id": attachment.pk,
            },
        )
        return self.context["request"].build_absolute_uri(path)


class FollowUpSerializer(FollowUpBriefSerializer):
    """A follow-up (回访) in the list of follow-ups, with its case."""

    tracking_number = serializers.CharField(source="dispute.tracking_number")
    summary = serializers.CharField(source="dispute.summary")
    center = CenterBriefSerializer()
    overdue = serializers.SerializerMethodField()

    class Meta(FollowUpBriefSerializer.Meta):
        fields = [
            "id",
            "tracking_number",
            "summary",
            "center",
            *FollowUpBriefSerializer.Meta.fields[1:],
            "overdue",
            "created_at",
        ]
        read_only_fields = fields

    def get_overdue(self, follow_up) -> bool:
        """Still open after its answer deadline."""
        return follow_up.status == FollowUpStatus.OPEN and follow_up.due_on < timezone.localdate()


# --- Errors -----------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ConflictSerializer(ErrorSerializer):
    current_version = serializers.IntegerField(
        help_text="The case's version now: reload the case before acting again."
    )


# --- Intake -----------------------------------------------------------------------------


class IntakePartyList(ListOfObjects):
    """The intake's parties: as many as the intake form's rows (PartyFormSet)."""

    default_error_messages = {
        "min_length": gettext_lazy("请至少填写一名当事人。"),
        "max_length": gettext_lazy("当事人最多 {max_length} 名。"),
    }


class IntakePartySerializer(serializers.Serializer):
    """A party, as a row of the intake form's parties (PartyForm)."""

    side = serializers.ChoiceField(choices=PartySide.choices)
    kind = serializers.ChoiceField(choices=PartyKind.choices, default=PartyKind.PERSON)
    name = TextField(max_length=100)
    phone = TextField(max_length=20, required=False, allow_blank=True, default="")
    id_number = TextField(max_length=18, required=False, allow_blank=True, default="")
    address = TextField(max_length=200, required=False, allow_blank=True, default="")

    class Meta:
        list_serializer_class = IntakePartyList


class IntakeSerializer(serializers.Serializer):
    """登记受理, with the fields of the intake desk (IntakeForm and its parties): centers and
    villages by their 12-digit codes, the category by its code."""

    receiving_center = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Center.objects.none(),
        help_text="A center where you may register cases (code).",
    )
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.WALK_IN)
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.filter(is_active=True)
    )
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices, default=RiskLevel.ORDINARY)
    request_type = serializers.ChoiceField(choices=RequestType.choices, default=RequestType.HELP)
    summary = TextField(max_length=200)
    description = TextField(required=False, allow_blank=True, default="")
    occurred_at = DateTimeField(required=False, allow_null=True, default=None)
    village = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Center.objects.none(),
        error_messages={
            "does_not_exist": _lazy("请填写本中心辖区内村/社区的12位区划代码。"),
            "invalid": _lazy("请填写本中心辖区内村/社区的12位区划代码。"),
        },
        help_text="Where it happened: a village (村/社区) code within the receiving center.",
    )
    address = TextField(max_length=200, required=False, allow_blank=True, default="")
    is_confidential = BooleanField(default=False)
    parties = IntakePartySerializer(
        many=True,
        min_length=forms.PartyFormSet.min_num,
        max_length=forms.PartyFormSet.max_num,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:  # absent when the schema is generated
            form = forms.IntakeForm(user=request.user)
            self.fields["receiving_center"].queryset = form.fields["receiving_center"].queryset
            self.fields["village"].queryset = form.fields["village"].queryset

    def validate_parties(self, parties):
        if not any(party["side"] == PartySide.APPLICANT for party in parties):
            raise serializers.ValidationError(_("至少需要一名申请人。"))
        return parties


class IntakeResultSerializer(serializers.Serializer):
    tracking_number = serializers.CharField()
    access_code = serializers.CharField(
        help_text="The resident's access code (查询码), shown this once: only its hash is kept."
    )
    case = CaseDetailSerializer()


# --- Case actions -----------------------------------------------------------------------


class VersionSerializer(serializers.Serializer):
    """Every action takes the case version the caller saw (or the If-Match header)."""

    version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="The case's version (its ETag) as last read; or send If-Match instead.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The case acted on and the request (absent when the schema is generated).
        self.dispute = self.context.get("dispute")
        request = self.context.get("request")
        self.user = request.user if request is not None else None
        if self.dispute is not None and self.user is not None:
            self.limit_choices()

    def limit_choices(self):
        """Limit the choice fields to what the matching form offers for this case."""


def _reason(required: bool, help_text: str, max_length: int | None = None):
    if required:
        return TextField(help_text=help_text, max_length=max_length)
    return TextField(
        help_text=help_text, max_length=max_length, required=False, allow_blank=True, default=""
    )


class NotAcceptSerializer(VersionSerializer):
    reason = _reason(
        True,
        "Why it is not accepted (不予受理), and the route the resident was told: litigation, "
        "arbitration, administrative review, petition …",
    )


class ReturnSerializer(VersionSerializer):
    reason = _reason(True, "Why the unit returns the order (退单理由).")


class FailSerializer(VersionSerializer):
    reason = _reason(
        True, "The routes the parties were told: arbitration, administrative, court (告知途径)."
    )


class CloseSerializer(VersionSerializer):
    reason = _reason(False, "Closing note (结案说明).")


class EscalateSerializer(VersionSerializer):
    reason = _reason(True, "Why the case goes up a level (上报理由).")


class SuperviseSerializer(VersionSerializer):
    reason = _reason(True, "What the supervision order is about (督办事由).")


class ReopenSerializer(VersionSerializer):
    reason = _reason(True, "Why the case is handled again (重办理由).")


class FollowUpRecordSerializer(VersionSerializer):
    """群众评单 after the follow-up call: 不满意 reopens the case (重办)."""

    rating = serializers.ChoiceField(choices=Satisfaction.choices)
    comment = _reason(False, "What the resident said (回访意见).")


class FollowUpUnreachableSerializer(VersionSerializer):
    reason = _reason(False, "How the resident was tried (未联系上的情况).")


class AssignSerializer(VersionSerializer):
    mediator = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.none(),
        help_text="The user id of a mediator, staff member or director of the handling "
        "center or a center above it.",
    )

    def limit_choices(self):
        form = forms.AssignForm(dispute=self.dispute, user=self.user)
        self.fields["mediator"].queryset = form.fields["mediator"].queryset


class DispatchSerializer(VersionSerializer):
    center = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Center.objects.none(),
        error_messages={
            "does_not_exist": _lazy("请选择本中心或其下级中心（可填写12位区划代码）。"),
            "invalid": _lazy("请选择本中心或其下级中心（可填写12位区划代码）。"),
        },
        help_text="The center (code) of this center's subtree the order goes to.",
    )
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Lead department (主办) stationed at the target center.",
    )
    assisting = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.none(),
        many=True,
        required=False,
        default=list,
        help_text="Assisting departments (协办).",
    )
    designated = BooleanField(default=False, help_text="指定承办: the unit may not return it.")
    reason = _reason(False, "Dispatch note (派单说明).")

    def limit_choices(self):
        form = forms.DispatchForm(dispute=self.dispute, user=self.user)
        self.fields["center"].queryset = form.fields["center"].queryset
        self.fields["department"].queryset = form.fields["department"].queryset
        self.fields["assisting"].child_relation.queryset = form.fields["assisting"].queryset


class AssignDownSerializer(VersionSerializer):
    center = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Center.objects.none(),
        help_text="A center (code) directly below the handling center.",
    )
    reason = _reason(False, "Note (下派说明).")

    def limit_choices(self):
        form = forms.AssignDownForm(dispute=self.dispute, user=self.user)
        self.fields["center"].queryset = form.fields["center"].queryset


class RecordSessionSerializer(VersionSerializer):
    held_at = DateTimeField()
    attendees = TextField(required=False, allow_blank=True, default="")
    notes = TextField(help_text="What happened (调解经过).")
    outcome = TextField(max_length=200, required=False, allow_blank=True, default="")


class AgreeSerializer(VersionSerializer):
    content = TextField(help_text="The agreement's terms (协议内容).")
    signed_on = serializers.DateField()
    is_written = BooleanField(
        default=True, help_text="A written agreement (书面协议); false: an oral one."
    )


class PerformanceSerializer(VersionSerializer):
    """履行情况 and 司法确认; a field left out keeps its current value."""

    performance_notes = TextField(required=False, allow_blank=True)
    judicial_confirmation_applied = BooleanField(required=False)
    judicial_confirmation_granted = BooleanField(required=False)

    def validate(self, attrs):
        agreement = selectors.case_agreement(dispute=self.dispute) or Agreement(
            performance_notes="",
            judicial_confirmation_applied=False,
            judicial_confirmation_granted=False,
        )
        for name in (
            "performance_notes",
            "judicial_confirmation_applied",
            "judicial_confirmation_granted",
        ):
            attrs.setdefault(name, getattr(agreement, name))
        return attrs


class ExtendSerializer(VersionSerializer):
    workdays = serializers.IntegerField(min_value=1, help_text="Working days added (延期).")
    reason = _reason(True, "Why (延期理由).")


class ReissueAccessCodeSerializer(VersionSerializer):
    reason = _reason(
        True,
        "How the applicant's identity was checked (身份核实情况), e.g. in person with their "
        "ID card.",
        max_length=500,
    )


class ReissuedAccessCodeSerializer(serializers.Serializer):
    tracking_number = serializers.CharField()
    access_code = serializers.CharField(help_text="The new access code, shown this once.")


class RevealSerializer(VersionSerializer):
    field = serializers.ChoiceField(choices=[(name, name) for name in REVEALABLE_FIELDS])
    reason = TextField(
        max_length=200,
        error_messages={
            "required": _lazy("请填写查看理由。"),
            "blank": _lazy("请填写查看理由。"),
        },
        help_text="Why you need to see it (查看理由); kept in the audit trail.",
    )


class RevealedSerializer(serializers.Serializer):
    party = serializers.IntegerField()
    field = serializers.CharField()
    value = serializers.CharField(help_text="The full value, for this response only.")


class AttachmentUploadSerializer(VersionSerializer):
    file = serializers.FileField(allow_empty_file=True)
    description = TextField(max_length=200, required=False, allow_blank=True, default="")


# --- Escalation audit -------------------------------------------------------------------


class AuditRowSerializer(serializers.Serializer):
    """A row of the escalation audit (disputes.audit.AuditRow)."""

    at = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=audit.AuditKind.choices)
    kind_display = serializers.CharField(source="kind_label")
    tracking_number = serializers.CharField()
    category = serializers.CharField()
    from_center = CenterBriefSerializer(allow_null=True)
    from_level = serializers.CharField()
    from_level_display = serializers.CharField(source="from_level_label")
    to_center = CenterBriefSerializer(allow_null=True)
    to_level = serializers.CharField()
    to_level_display = serializers.CharField(source="to_level_label")
    automatic = serializers.BooleanField()
    mode_display = serializers.CharField(source="mode_label")
    actor = serializers.CharField(source="actor_name")
    reason = serializers.CharField()
    deadline = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField(allow_null=True)
    workdays_used = serializers.IntegerField(allow_null=True)
    level_entered_at = serializers.DateTimeField(allow_null=True)
    held_days = serializers.FloatField(allow_null=True)
    new_deadline = serializers.DateField(allow_null=True)
