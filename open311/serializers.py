"""Open311's fields, in the specification's names and order: the form a POST sends, the query
of GET requests, and every response. They only validate and format; open311.services and
open311.selectors decide.

A public service request shows no personal data: `description` is the case's summary (纠纷
概要), never its full description, with numbers of 7+ digits (phones, ID numbers) and the
parties' names masked; `address` is the village and the centers above it, never the detailed
address; zipcode, lat, long and media_url are always null."""

import re
from datetime import UTC, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from centers.choices import CenterLevel
from disputes.choices import PartyKind, RequestType, RiskLevel, Status
from governance.masking import mask_text
from governance.validators import validate_phone

from .definitions import (
    ATTRIBUTE_CODES,
    ATTRIBUTES,
    CLOSED,
    MAX_DESCRIPTION,
    MAX_RESULTS,
    MAX_SPAN_DAYS,
    OPEN,
    open311_status,
    service_group,
)

__all__ = [
    "w3_datetime",
    "W3DateTimeField",
    "ServiceSerializer",
    "ServiceDefinitionSerializer",
    "ServiceRequestInputSerializer",
    "ServiceRequestCreatedSerializer",
    "ServiceRequestsQuerySerializer",
    "ServiceRequestSerializer",
    "ErrorSerializer",
]


def w3_datetime(value) -> str | None:
    """A moment as the specification's W3C date-time, in local time with its offset
    (2024-05-01T09:30:00+08:00)."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


# The public address: the village and up to three centers above it (selectors.public_requests
# loads exactly these).
ADDRESS_DEPTH = 4

# A "+08:00" offset sent unencoded in a query string arrives as " 08:00".
_SPACE_FOR_PLUS = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")


@extend_schema_field(OpenApiTypes.DATETIME)
class W3DateTimeField(serializers.Field):
    """A W3C date-time that must carry its time zone (Z or ±HH:MM), as the specification
    requires; a time without one would be ambiguous."""

    default_error_messages = {
        "invalid": gettext_lazy(
            "须为带时区的 ISO 8601 日期时间，如 2024-05-01T09:30:00+08:00 或 2024-05-01T01:30:00Z。"
        ),
        "overflow": serializers.DateTimeField.default_error_messages["overflow"],
    }

    def to_internal_value(self, data):
        text = _SPACE_FOR_PLUS.sub(r"\1+\2", str(data).strip())
        try:
            value = parse_datetime(text)
        except ValueError:
            value = None
        if value is None or value.tzinfo is None:
            self.fail("invalid")
        try:
            # As the database compares it; PostgreSQL refuses offsets beyond ±15:59
            # (+17:49 was a 500), so the value goes on in UTC.
            return value.astimezone(UTC)
        except OverflowError:  # 0001-01-01T00:00:00+14:00 is before the year 1 in UTC
            self.fail("overflow")

    def to_representation(self, value):
        return w3_datetime(value)


def choice_field(choices, **kwargs) -> serializers.ChoiceField:
    """A ChoiceField whose enum the schema keeps inline. drf-spectacular would otherwise make
    every enum a component named after its field: `attribute[risk_level]` is no valid
    component name, and `status` or `type` would clash with the enums of other APIs. (Its
    enum hook extracts only enums found directly on a property, hence the allOf, which the
    outer `type` keeps from being simplified away.)"""
    field = serializers.ChoiceField(choices=choices, **kwargs)
    values = list(field.choices)
    if not field.required:  # a form's empty parameter is the same as a missing one
        values.append("")
    schema = {"type": "string", "allOf": [{"enum": values}]}
    return extend_schema_field(schema)(field)


# --- Services -----------------------------------------------------------------------------


class ServiceSerializer(serializers.Serializer):
    """One service of GET services: a dispute category."""

    service_code = serializers.CharField(source="code")
    service_name = serializers.CharField(source="name")
    description = serializers.CharField()
    metadata = serializers.SerializerMethodField()
    type = serializers.SerializerMethodField()
    keywords = serializers.SerializerMethodField()
    group = serializers.SerializerMethodField()

    def get_metadata(self, category) -> bool:
        # Every service has the attributes of open311.definitions.
        return bool(ATTRIBUTES)

    @extend_schema_field(choice_field(["realtime", "batch", "blackbox"]))
    def get_type(self, category) -> str:
        # The tracking number comes back at once.
        return "realtime"

    def get_keywords(self, category) -> str:
        """The name, the terms of the category's note (含赡养、抚养、继承) and the group."""
        note = (category.description or "").removeprefix("含")
        terms = [category.name, *re.split(r"[、，,；;]", note), service_group(category.code)]
        return ", ".join(dict.fromkeys(term.strip() for term in terms if term.strip()))

    def get_group(self, category) -> str:
        return service_group(category.code)


class AttributeValueSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()

    def to_representation(self, instance):
        key, name = instance
        return {"key": str(key), "name": str(name)}


class AttributeSerializer(serializers.Serializer):
    variable = serializers.BooleanField()
    code = serializers.CharField()
    datatype = serializers.SerializerMethodField()
    required = serializers.BooleanField()
    datatype_description = serializers.CharField(allow_null=True)
    order = serializers.IntegerField(min_value=1)
    description = serializers.CharField()
    values = AttributeValueSerializer(many=True)

    @extend_schema_field(
        choice_field(["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"])
    )
    def get_datatype(self, attribute) -> str:
        return attribute.datatype

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.datatype_description is None:
            data["datatype_description"] = None
        return data


class ServiceDefinitionSerializer(serializers.Serializer):
    """GET services/{service_code}: the attributes a request of this service may carry."""

    service_code = serializers.CharField()
    attributes = AttributeSerializer(many=True)


# --- POST requests ---------------------------------------------------------------------------


def _optional(field_class, **kwargs):
    return field_class(required=False, allow_blank=True, **kwargs)


def _empty_allowed(field, schema: dict):
    """An optional field that is not text (a number, a choice, a date-time), with `schema`
    as its schema plus the empty string: a form's empty parameter is the same as a missing
    one (DRF skips it), and the schema says so (`lat=` or `attribute[occurred_at]=` was
    filed, where the schema allowed only a number or a date-time)."""
    return extend_schema_field({"anyOf": [schema, {"type": "string", "maxLength": 0}]})(field)


class ServiceRequestInputSerializer(serializers.Serializer):
    """The form of POST requests (application/x-www-form-urlencoded). An empty parameter is
    the same as a missing one. Beyond the specification: `address_id` (the village's
    12-digit division code) and `description` are required, and so is the applicant's name
    (`last_name` and/or `first_name`), because a dispute is registered with its place, its
    summary and its applicant."""

    api_key = serializers.CharField(
        required=False,
        help_text="The key of the API client. Required, here or in the query string.",
    )
    jurisdiction_id = _optional(
        serializers.CharField,
        help_text="The 12-digit division code of a root center; may be left out.",
    )
    service_code = serializers.CharField(max_length=32)
    lat = serializers.FloatField(required=False, min_value=-90, max_value=90)
    long = serializers.FloatField(required=False, min_value=-180, max_value=180)
    address_string = _optional(serializers.CharField, max_length=200)
    address_id = _optional(
        serializers.RegexField,
        regex=r"^\d{12}$",
        help_text="The village's (村/社区) 12-digit division code. Required.",
        error_messages={"invalid": gettext_lazy("须为村/社区的12位区划代码。")},
    )
    email = _optional(serializers.EmailField, max_length=254)
    device_id = _optional(serializers.CharField, max_length=100)
    account_id = _optional(serializers.CharField, max_length=100)
    first_name = _optional(serializers.CharField, max_length=50)
    last_name = _optional(serializers.CharField, max_length=50)
    phone = _optional(serializers.CharField, max_length=20, validators=[validate_phone])
    description = serializers.CharField(max_length=MAX_DESCRIPTION)
    media_url = _optional(serializers.URLField, max_length=500)

    def get_fields(self):
        fields = super().get_fields()
        for name in ("lat", "long"):
            number = fields[name]
            fields[name] = _empty_allowed(
                number,
                {
                    "type": "number",
                    "format": "double",
                    "minimum": number.min_value,
                    "maximum": number.max_value,
                },
            )
        fields["attribute[request_type]"] = choice_field(RequestType.choices, required=False)
        fields["attribute[risk_level]"] = choice_field(RiskLevel.choices, required=False)
        fields["attribute[occurred_at]"] = _empty_allowed(
            W3DateTimeField(required=False), {"type": "string", "format": "date-time"}
        )
        fields["attribute[respondent]"] = _optional(serializers.CharField, max_length=100)
        fields["attribute[confidential]"] = choice_field(["true", "false"], required=False)
        return fields

    def to_internal_value(self, data):
        """Field errors and the checks across fields, all reported at once."""
        errors = self._across_fields(data)
        try:
            attrs = super().to_internal_value(data)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({**error.detail, **errors}) from error
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def _across_fields(self, data) -> dict:
        def given(name):
            return bool(str(data.get(name) or "").strip())

        errors = {}
        if given("lat") != given("long"):
            missing = "long" if given("lat") else "lat"
            errors[missing] = [_("lat 与 long 须同时提交。")]
        if not given("address_id"):
            errors["address_id"] = [
                _(
                    "请用 address_id 提交发生地村/社区的12位区划代码"
                    "（本平台不做地理编码，不能只凭 lat/long 或 address_string 定位）。"
                )
            ]
        if not (given("last_name") or given("first_name")):
            errors["last_name"] = [_("请提交申请人姓名（last_name 和/或 first_name）。")]
        for key in data:
            match = re.fullmatch(r"attribute\[([^\]]*)\](\[\])?", key)
            if match and (match.group(1) not in ATTRIBUTE_CODES or match.group(2)):
                errors[key] = [_("没有这个属性，请按服务定义提交。")]
        return errors

    def validate(self, attrs):
        occurred_at = attrs.get("attribute[occurred_at]")
        if occurred_at and occurred_at > timezone.now() + timedelta(minutes=5):
            raise serializers.ValidationError(
                {"attribute[occurred_at]": [_("发生时间不能晚于现在。")]}
            )
        return attrs


class ServiceRequestCreatedSerializer(serializers.Serializer):
    """The answer to POST requests: the tracking number (受理编号) is the request's id."""

    service_request_id = serializers.CharField(source="tracking_number")
    service_notice = serializers.SerializerMethodField()
    account_id = serializers.SerializerMethodField()

    def get_service_notice(self, dispute) -> str:
        return _(
            "已登记，受理编号 %(number)s，由%(center)s办理，本级办理期限至%(deadline)s。"
            "请凭受理编号查询办理进度。"
        ) % {
            "number": dispute.tracking_number,
            "center": dispute.current_center.name,
            "deadline": dispute.level_deadline.isoformat() if dispute.level_deadline else "—",
        }

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_account_id(self, dispute) -> None:
        # We keep no user accounts of the integrating system (its account_id is stored with
        # the submission, not handed back).
        return None


# --- GET requests ----------------------------------------------------------------------------


def _comma_list(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class ServiceRequestsQuerySerializer(serializers.Serializer):
    """The query of GET requests. Without dates, the last 90 days; with one date, 90 days
    from (or up to) it; a span over 90 days is refused. At most 1000 requests, the most
    recent first. `service_request_id` (comma-separated) overrides every other filter."""

    api_key = serializers.CharField(help_text="The key of the API client. Required.")
    jurisdiction_id = _optional(serializers.CharField)
    service_request_id = _optional(serializers.CharField)
    service_code = _optional(serializers.CharField)
    start_date = W3DateTimeField(required=False)
    end_date = W3DateTimeField(required=False)
    status = _optional(serializers.CharField, help_text="open, closed, or open,closed")

    def validate_service_request_id(self, value):
        ids = _comma_list(value)
        if len(ids) > MAX_RESULTS:
            raise serializers.ValidationError(
                _("一次最多查询 %(count)d 个诉求。") % {"count": MAX_RESULTS}
            )
        return ids

    def validate_service_code(self, value):
        return _comma_list(value)

    def validate_status(self, value):
        statuses = _comma_list(value)
        wrong = [status for status in statuses if status not in (OPEN, CLOSED)]
        if wrong:
            raise serializers.ValidationError(_("status 只能是 open 或 closed（可用逗号分隔）。"))
        return statuses

    def validate(self, attrs):
        start, end = attrs.get("start_date"), attrs.get("end_date")
        span = timedelta(days=MAX_SPAN_DAYS)
        if start is None and end is None:
            end = timezone.now()
            start = end - span
        elif start is None:
            start = end - span
        elif end is None:
            end = start + span
        elif end < start:
            raise serializers.ValidationError({"end_date": [_("end_date 不能早于 start_date。")]})
        elif end - start > span:
            raise serializers.ValidationError(
                {"end_date": [_("查询时间跨度不能超过 %(days)d 天。") % {"days": MAX_SPAN_DAYS}]}
            )
        attrs["start_date"], attrs["end_date"] = start, end
        return attrs


class ServiceRequestSerializer(serializers.Serializer):
    """One service request of GET requests and GET requests/{id}: a case, publicly."""

    service_request_id = serializers.CharField(source="tracking_number")
    status = serializers.SerializerMethodField()
    status_notes = serializers.SerializerMethodField()
    service_name = serializers.CharField(source="category.name")
    service_code = serializers.CharField(source="category.code")
    description = serializers.SerializerMethodField()
    agency_responsible = serializers.CharField(source="current_center.name")
    service_notice = serializers.SerializerMethodField()
    requested_datetime = serializers.SerializerMethodField()
    updated_datetime = serializers.SerializerMethodField()
    expected_datetime = serializers.SerializerMethodField()
    address = serializers.SerializerMethodField()
    address_id = serializers.CharField(source="village.code")
    zipcode = serializers.SerializerMethodField()
    lat = serializers.SerializerMethodField()
    long = serializers.SerializerMethodField()
    media_url = serializers.SerializerMethodField()

    @extend_schema_field(choice_field([OPEN, CLOSED]))
    def get_status(self, dispute) -> str:
        return open311_status(dispute.status)

    def get_status_notes(self, dispute) -> str:
        """Our status and the level holding the case: 调解中（乡级）."""
        return _("%(status)s（%(level)s）") % {
            "status": dispute.get_status_display(),
            "level": CenterLevel(dispute.level).label,
        }

    def _redacted(self) -> bool:
        return bool(self.context.get("redact"))

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_description(self, dispute) -> str | None:
        if self._redacted():
            return None
        parties = getattr(dispute, "person_parties", None)
        if parties is None:
            parties = dispute.parties.filter(kind=PartyKind.PERSON)
        return mask_text(dispute.summary, names=[party.name for party in parties])

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_service_notice(self, dispute) -> str | None:
        if dispute.status == Status.NOT_ACCEPTED:
            return _(
                "不予受理：该事项应通过诉讼、仲裁、行政复议或信访等途径解决，"
                "具体途径请向受理中心了解。"
            )
        if open311_status(dispute.status) == CLOSED:
            return _("已办结。如对结果不满意，可在回访时提出或联系受理中心申请重办。")
        return None

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_requested_datetime(self, dispute) -> str:
        return w3_datetime(dispute.created_at)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_updated_datetime(self, dispute) -> str:
        """For a closed request, when it was closed (结案; for a refusal, its last change)."""
        if open311_status(dispute.status) == CLOSED and dispute.closed_at is not None:
            return w3_datetime(dispute.closed_at)
        return w3_datetime(dispute.updated_at)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_expected_datetime(self, dispute) -> str | None:
        """The current level's deadline (the moment the case becomes overdue); none once
        closed."""
        if open311_status(dispute.status) == CLOSED:
            return None
        return w3_datetime(dispute.level_due_at)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_address(self, dispute) -> str | None:
        """The village and the centers above it, most specific first (the detailed address
        stays with the handlers)."""
        if self._redacted():
            return None
        names, center = [], dispute.village
        for depth in range(ADDRESS_DEPTH):
            if center.level != CenterLevel.PROVINCE:
                names.append(center.name)
            if depth == ADDRESS_DEPTH - 1 or center.parent is None:
                break
            center = center.parent
        return ", ".join(names)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_zipcode(self, dispute) -> None:
        return None

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_lat(self, dispute) -> None:
        return None

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_long(self, dispute) -> None:
        return None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_media_url(self, dispute) -> None:
        return None


class ErrorSerializer(serializers.Serializer):
    """One error of an error response (the response is a list of them)."""

    code = serializers.IntegerField(help_text="The HTTP status code.")
    description = serializers.CharField(help_text="What went wrong, naming the parameter.")
