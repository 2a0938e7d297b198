"""The resident API (no account): file a dispute online, see where it stands, rate the work.

A resident is known only by the tracking number and the access code printed on (or returned
with) their receipt. Whatever is wrong with a look-up (no such case, no code, a wrong code)
gets the very same 404; failed look-ups are counted per client IP and per tracking number,
and past the limit every look-up of that number is refused (429) until the window ends.
Every write is one call of a disputes.services function."""

from collections.abc import Mapping

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import status
from rest_framework.exceptions import (
    APIException,
    ErrorDetail,
    NotFound,
    Throttled,
    ValidationError,
)
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.parsers import JSONParser

from .. import selectors, services
from ..choices import Status
from .serializers import (
    CaseIntakeJSONSerializer,
    CaseIntakeSerializer,
    CaseReceiptSerializer,
    ErrorSerializer,
    PublicCaseSerializer,
    RatingSerializer,
)
from .throttles import (
    AccessCodeCaseThrottle,
    AccessCodeIPThrottle,
    IntakeIPThrottle,
    IntakePhoneThrottle,
)

__all__ = ["CaseIntakeView", "CaseRatingView", "CaseStatusView"]

ACCESS_CODE_HEADER = "X-Access-Code"
ACCESS_CODE_META = "HTTP_X_ACCESS_CODE"

# Service error fields → the API's field names.
INTAKE_FIELDS = {
    "file": "attachment",
    "parties[0].name": "applicant_name",
    "parties[0].phone": "applicant_phone",
    "parties": "applicant_name",
    NON_FIELD_ERRORS: "non_field_errors",
}


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class TooManyRequests(Throttled):
    """429 with Retry-After, and the wait in the message in the request's language."""

    def __init__(self, wait):
        super().__init__(wait=wait)
        self.detail = ErrorDetail(
            _("请求过于频繁，请在 %(seconds)d 秒后再试。") % {"seconds": self.wait or 1},
            code="throttled",
        )


def not_found() -> NotFound:
    # One message for every failed look-up: no case, no code, or a wrong code.
    return NotFound(_("受理编号或查询码不正确。"))


class PublicAPIView(APIView):
    """No account, no session, no CSRF; never cached by a browser or proxy."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def throttled(self, request, wait):
        raise TooManyRequests(wait)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response


class ResidentCaseMixin:
    """Finding the resident's case by tracking number and access code, counting failures."""

    throttle_classes = [AccessCodeIPThrottle, AccessCodeCaseThrottle]

    def access_code(self, request) -> str:
        header = request.META.get(ACCESS_CODE_META, "")
        if header:
            return header
        if request.method == "GET":
            return request.query_params.get("access_code", "")
        data = request.data if isinstance(request.data, Mapping) else {}
        code = data.get("access_code", "")
        return code if isinstance(code, str) else ""

    def resident_case(self, request, tracking_number):
        dispute = selectors.dispute_for_resident(
            tracking_number=tracking_number, access_code=self.access_code(request)
        )
        if dispute is None:
            for throttle in self.get_throttles():
                throttle.record_failure(request, self)
            raise not_found()
        return dispute


# --- Schema pieces --------------------------------------------------------------------------

TRACKING_NUMBER_PARAMETER = OpenApiParameter(
    "tracking_number",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="Tracking number from the receipt (受理编号), e.g. `420602001008-2026-00001`.",
)
ACCESS_CODE_HEADER_PARAMETER = OpenApiParameter(
    ACCESS_CODE_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "The access code (查询码) from the receipt. Preferred over the query parameter: "
        "query strings end up in access logs."
    ),
)
ACCESS_CODE_QUERY_PARAMETER = OpenApiParameter(
    "access_code",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    required=False,
    description="The access code, when it cannot be sent in the X-Access-Code header.",
)
RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    response=[429],
    description="Seconds until the rate-limit window ends.",
)

NOT_FOUND_RESPONSE = OpenApiResponse(
    ErrorSerializer,
    description=(
        "No such case, or the access code is missing or wrong: the same status and body "
        "in every case, so the answer never tells whether the tracking number exists."
    ),
    examples=[
        OpenApiExample(
            "Not found", value={"detail": "受理编号或查询码不正确。"}, response_only=True
        )
    ],
)
LOOKUP_THROTTLED_RESPONSE = OpenApiResponse(
    ErrorSerializer,
    description=(
        "Too many failed look-ups from this address, or of this tracking number (then even "
        "the right code is refused until the window ends). See Retry-After."
    ),
    examples=[
        OpenApiExample(
            "Throttled",
            value={"detail": "请求过于频繁，请在 1800 秒后再试。"},
            response_only=True,
        )
    ],
)

CASE_EXAMPLE = {
    "tracking_number": "420602001008-2026-00001",
    "status": "in_mediation",
    "status_label": "调解中",
    "category": "邻里纠纷",
    "registered_at": "2026-03-02T09:15:00+08:00",
    "level": "village",
    "level_label": "村级",
    "center": "檀溪社区居委会",
    "level_due_at": "2026-03-24T00:00:00+08:00",
    "overdue": False,
    "closed_at": None,
    "applicants": ["李**"],
    "rating_open": False,
    "rating_due_on": None,
    "steps": [
        {
            "step": "received",
            "label": "已登记",
            "at": "2026-03-02T09:15:00+08:00",
            "level": "village",
            "level_label": "村级",
            "center": "檀溪社区居委会",
            "rating": "",
            "rating_label": "",
        },
        {
            "step": "accepted",
            "label": "已受理",
            "at": "2026-03-02T10:02:11+08:00",
            "level": "village",
            "level_label": "村级",
            "center": "檀溪社区居委会",
            "rating": "",
            "rating_label": "",
        },
        {
            "step": "mediation_started",
            "label": "开始调解",
            "at": "2026-03-04T14:30:00+08:00",
            "level": "village",
            "level_label": "村级",
            "center": "檀溪社区居委会",
            "rating": "",
            "rating_label": "",
        },
    ],
}


# --- Views ----------------------------------------------------------------------------------


class CaseIntakeView(PublicAPIView):
    """网上受理: file a dispute without an account."""

    throttle_classes = [IntakeIPThrottle]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="public_case_intake",
        summary="File a dispute online (no account)",
        description=(
            "The village center of the place where it happened receives the case (it lands "
            "in that village's inbox; channel `online`). JSON, or multipart/form-data with "
            "one optional `attachment`. The answer carries the tracking number and the "
            "access code, which is shown this once only. Limited per client IP (every "
            "attempt counts) and per applicant phone (valid filings count); both limits are "
            "settings (PUBLIC_API_THROTTLE_RATES) and let filings through when the cache "
            "(Redis) is down. Errors are in Chinese, or English with `Accept-Language: en`."
        ),
        tags=["public"],
        auth=[],
        request={
            "application/json": CaseIntakeJSONSerializer,
            "multipart/form-data": CaseIntakeSerializer,
        },
        parameters=[RETRY_AFTER],
        responses={
            201: CaseReceiptSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description=(
                    "Field name → messages (Chinese by default, English with "
                    "`Accept-Language: en`); `non_field_errors` for the filing as a whole."
                ),
                examples=[
                    OpenApiExample(
                        "Invalid filing",
                        value={
                            "applicant_phone": ["请输入11位手机号。"],
                            "village": ["请填写有效的村/社区12位区划代码。"],
                        },
                        response_only=True,
                    )
                ],
            ),
            429: OpenApiResponse(
                ErrorSerializer,
                description="Too many filings from this address or for this phone number.",
                examples=[
                    OpenApiExample(
                        "Throttled",
                        value={"detail": "请求过于频繁，请在 2400 秒后再试。"},
                        response_only=True,
                    )
                ],
            ),
        },
        examples=[
            OpenApiExample(
                "Filing",
                value={
                    "category": "neighbour",
                    "summary": "邻居院墙排水纠纷",
                    "description": "雨水从邻居院墙排入我家院内，协商未果。",
                    "village": "420602001008",
                    "applicant_name": "李秀兰",
                    "applicant_phone": "13907101234",
                    "address": "檀溪路12号",
                    "occurred_at": "2026-03-01T08:00:00+08:00",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Receipt",
                value={
                    "tracking_number": "420602001008-2026-00001",
                    "access_code": "7KQ3M9TX",
                    "status": "registered",
                    "status_label": "已登记",
                    "message": "已收到您的纠纷申请，受理编号 420602001008-2026-00001。"
                    "查询码只显示这一次，请妥善保存；凭受理编号和查询码可查询办理进度。",
                },
                response_only=True,
                status_codes=["201"],
            ),
        ],
    )
    def post(self, request):
        serializer = CaseIntakeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        phone_throttle = IntakePhoneThrottle()
        if not phone_throttle.allow(data["applicant_phone"]):
            self.throttled(request, phone_throttle.wait())
        try:
            result = services.dispute_register_online(
                village=data["village"],
                category=data["category"],
                summary=data["summary"],
                description=data["description"],
                applicant_name=data["applicant_name"],
                applicant_phone=data["applicant_phone"],
                address=data["address"],
                occurred_at=data["occurred_at"],
                attachment=data.get("attachment"),
            )
        except services.DisputeError as error:
            field = INTAKE_FIELDS.get(error.field, error.field) or "non_field_errors"
            raise ValidationError({field: [error.message]}) from error
        except DjangoValidationError as error:
            if not hasattr(error, "error_dict"):
                raise ValidationError({"non_field_errors": error.messages}) from error
            raise ValidationError(
                {
                    INTAKE_FIELDS.get(key, key): messages
                    for key, messages in error.message_dict.items()
                }
            ) from error
        dispute = result.dispute
        receipt = {
            "tracking_number": dispute.tracking_number,
            "access_code": result.access_code,
            "status": dispute.status,
            "status_label": Status(dispute.status).label,
            "message": _(
                "已收到您的纠纷申请，受理编号 %(number)s。查询码只显示这一次，请妥善保存；"
                "凭受理编号和查询码可查询办理进度。"
            )
            % {"number": dispute.tracking_number},
        }
        return Response(CaseReceiptSerializer(receipt).data, status=status.HTTP_201_CREATED)


class CaseStatusView(ResidentCaseMixin, PublicAPIView):
    """Where the resident's case stands."""

    @extend_schema(
        operation_id="public_case_status",
        summary="Where my case stands (tracking number + access code)",
        description=(
            "Status, the level and center handling the case, the deadline there, whether a "
            "rating is open, and the public timeline (received, accepted, dispatched, "
            "escalated, mediation, agreement, closed, follow-up, rated, reopened …) with "
            "times. Nothing about any person but the applicants' masked names: no other "
            "party, no staff, no notes. Send the access code in the `X-Access-Code` header "
            "(preferred) or as `?access_code=`. A missing or wrong code answers exactly like "
            "a tracking number that does not exist (404); failed look-ups are limited per "
            "client IP and per tracking number (429, Retry-After)."
        ),
        tags=["public"],
        auth=[],
        parameters=[
            TRACKING_NUMBER_PARAMETER,
            ACCESS_CODE_HEADER_PARAMETER,
            ACCESS_CODE_QUERY_PARAMETER,
            RETRY_AFTER,
        ],
        responses={
            200: PublicCaseSerializer,
            404: NOT_FOUND_RESPONSE,
            429: LOOKUP_THROTTLED_RESPONSE,
        },
        examples=[OpenApiExample("Case in mediation", value=CASE_EXAMPLE, response_only=True)],
    )
    def get(self, request, tracking_number):
        dispute = self.resident_case(request, tracking_number)
        return Response(PublicCaseSerializer(selectors.public_case_view(dispute)).data)


class CaseRatingView(ResidentCaseMixin, PublicAPIView):
    """群众评单: the resident rates the work while the follow-up (回访) is open."""

    parser_classes = [JSONParser, FormParser]

    @extend_schema(
        operation_id="public_case_rating",
        summary="Rate the handling of my case (while the follow-up is open)",
        description=(
            "满意 (`satisfied`), 基本满意 (`basically_satisfied`) or 不满意 (`unsatisfied`), "
            "with an optional comment, accepted only while a follow-up (回访) is open; "
            "`unsatisfied` reopens the case (重办). The access code goes in the "
            "`X-Access-Code` header (preferred) or the body's `access_code`; look-ups fail "
            "and are limited exactly as for the status. Answers with where the case stands "
            "after the rating."
        ),
        tags=["public"],
        auth=[],
        request=RatingSerializer,
        parameters=[TRACKING_NUMBER_PARAMETER, ACCESS_CODE_HEADER_PARAMETER, RETRY_AFTER],
        responses={
            200: PublicCaseSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Field name → messages.",
                examples=[
                    OpenApiExample(
                        "Invalid rating",
                        value={"rating": ["“excellent”不是合法选项。"]},
                        response_only=True,
                    )
                ],
            ),
            404: NOT_FOUND_RESPONSE,
            409: OpenApiResponse(
                ErrorSerializer,
                description="No follow-up is open: the case cannot be rated now.",
                examples=[
                    OpenApiExample(
                        "Rating not open",
                        value={"detail": "目前不能评价：案件办结后进入回访时才能评价。"},
                        response_only=True,
                    )
                ],
            ),
            429: LOOKUP_THROTTLED_RESPONSE,
        },
        examples=[
            OpenApiExample(
                "Unsatisfied",
                value={"rating": "unsatisfied", "comment": "排水问题没有解决。"},
                request_only=True,
            ),
            OpenApiExample(
                "Rated",
                value={
                    **CASE_EXAMPLE,
                    "status": "satisfied",
                    "status_label": "已评价",
                    "level_due_at": None,
                    "closed_at": "2026-03-20T16:00:00+08:00",
                    "steps": [],
                },
                response_only=True,
                status_codes=["200"],
            ),
        ],
    )
    def post(self, request, tracking_number):
        dispute = self.resident_case(request, tracking_number)
        serializer = RatingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.follow_up_record(
                dispute_id=dispute.pk,
                actor=None,  # the resident, online
                rating=serializer.validated_data["rating"],
                comment=serializer.validated_data["comment"],
            )
        except services.DisputeError as error:
            if error.field in RatingSerializer().fields:
                raise ValidationError({error.field: [error.message]}) from error
            raise Conflict(_("目前不能评价：案件办结后进入回访时才能评价。")) from error
        dispute.refresh_from_db()
        return Response(PublicCaseSerializer(selectors.public_case_view(dispute)).data)
