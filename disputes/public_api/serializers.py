"""Serializers of the resident API: what a resident sends (a filing, a rating) and what they
get back (the receipt, where their case stands). Input checks only; disputes.services decides."""

import re

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from centers.choices import CenterLevel
from centers.models import Center
from governance.fields import DateTimeField, TextField
from governance.validators import validate_mobile

from ..api.serializers import ErrorSerializer  # noqa: F401 - one "Error" component
from ..choices import Satisfaction
from ..models import Category

__all__ = [
    "CaseIntakeJSONSerializer",
    "CaseIntakeSerializer",
    "CaseReceiptSerializer",
    "ErrorSerializer",
    "PublicCaseSerializer",
    "PublicStepSerializer",
    "RatingSerializer",
]

VILLAGE_CODE = re.compile(r"\A\d{12}\Z")
DESCRIPTION_MAX_LENGTH = 5000
COMMENT_MAX_LENGTH = 1000


class VillageCodeField(serializers.SlugRelatedField):
    """An active village center (村/社区), by its 12-digit division code."""

    default_error_messages = {
        "does_not_exist": _("请填写有效的村/社区12位区划代码。"),
        "invalid": _("请填写有效的村/社区12位区划代码。"),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        kwargs.setdefault(
            "queryset", Center.objects.filter(level=CenterLevel.VILLAGE, is_active=True)
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not VILLAGE_CODE.match(data.strip()):
            self.fail("invalid")
        return super().to_internal_value(data.strip())


class CaseIntakeSerializer(serializers.Serializer):
    """网上受理: a dispute filed by the resident. JSON, or multipart/form-data with one file."""

    category = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Category.objects.filter(is_active=True),
        help_text="Dispute category code, e.g. `neighbour` (邻里纠纷).",
        error_messages={"does_not_exist": _("没有这个纠纷类别。")},
    )
    summary = TextField(max_length=200, help_text="One line: what the dispute is about (纠纷概要).")
    description = TextField(
        max_length=DESCRIPTION_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="What happened, in the resident's words (详细情况).",
    )
    village = VillageCodeField(
        help_text=(
            "12-digit division code of the village/community where it happened; "
            "its center receives the case."
        )
    )
    applicant_name = TextField(
        max_length=100, help_text="The applicant's name (shown to the resident API only masked)."
    )
    applicant_phone = TextField(
        max_length=20,
        validators=[validate_mobile],
        help_text="The applicant's mainland mobile number, 11 digits.",
    )
    address = TextField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="Street address of the place (详细地址).",
    )
    occurred_at = DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When it happened (not in the future).",
    )
    attachment = serializers.FileField(
        required=False,
        allow_empty_file=True,  # the attachments service says why an empty file is refused
        help_text=(
            "One file (JPEG, PNG or PDF, recognised from its bytes; at most "
            "DISPUTE_ATTACHMENT_MAX_BYTES). multipart/form-data only."
        ),
    )

    def validate_occurred_at(self, value):
        if value is not None and value > timezone.now():
            raise serializers.ValidationError(_("发生时间不能晚于现在。"))
        return value


class CaseIntakeJSONSerializer(CaseIntakeSerializer):
    """The same filing sent as JSON: without a file (the schema's application/json body)."""

    attachment = None


class CaseReceiptSerializer(serializers.Serializer):
    """The receipt of an online filing. The access code is shown this once only."""

    tracking_number = serializers.CharField(help_text="Tracking number (受理编号).")
    access_code = serializers.CharField(
        help_text="Access code (查询码): shown this once only, stored hashed."
    )
    status = serializers.CharField(help_text="Status code.")
    status_label = serializers.CharField(help_text="Status, in the request's language.")
    message = serializers.CharField()


class PublicStepSerializer(serializers.Serializer):
    step = serializers.ChoiceField(
        choices=[
            "received",
            "accepted",
            "not_accepted",
            "dispatched",
            "signed",
            "escalated",
            "mediation_started",
            "agreement_reached",
            "mediation_failed",
            "closed",
            "follow_up",
            "rated",
            "reopened",
            "follow_up_ended",
            "archived",
        ]
    )
    label = serializers.CharField()
    at = serializers.DateTimeField()
    level = serializers.ChoiceField(choices=CenterLevel.choices)
    level_label = serializers.CharField()
    center = serializers.CharField(
        help_text="Name of the center handling the case after this step."
    )
    rating = serializers.CharField(help_text="Rating code, on `rated` steps only (else empty).")
    rating_label = serializers.CharField()


class PublicCaseSerializer(serializers.Serializer):
    """Where the case stands (no personal data but the applicants' masked names)."""

    tracking_number = serializers.CharField()
    status = serializers.CharField(help_text="Status code.")
    status_label = serializers.CharField()
    category = serializers.CharField()
    registered_at = serializers.DateTimeField()
    level = serializers.ChoiceField(
        choices=CenterLevel.choices, help_text="Level now handling the case."
    )
    level_label = serializers.CharField()
    center = serializers.CharField(help_text="Name of the center now handling the case.")
    level_due_at = serializers.DateTimeField(
        allow_null=True,
        help_text=(
            "Deadline at the current level (overdue from this moment on); "
            "null once the case is no longer being worked."
        ),
    )
    overdue = serializers.BooleanField()
    closed_at = serializers.DateTimeField(allow_null=True)
    applicants = serializers.ListField(
        child=serializers.CharField(), help_text="The applicants' names, masked (张*)."
    )
    rating_open = serializers.BooleanField(
        help_text="Whether a follow-up is open and the resident may rate now."
    )
    rating_due_on = serializers.DateField(allow_null=True)
    steps = PublicStepSerializer(many=True)


class RatingSerializer(serializers.Serializer):
    """群众评单: the resident's rating while the follow-up is open."""

    rating = serializers.ChoiceField(choices=Satisfaction.choices)
    comment = TextField(max_length=COMMENT_MAX_LENGTH, required=False, allow_blank=True, default="")
    access_code = TextField(
        required=False,
        write_only=True,
        help_text="The access code, if not sent in the X-Access-Code header (preferred).",
    )
