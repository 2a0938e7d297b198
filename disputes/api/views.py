"""The staff REST API for cases (/api/v1/cases/ …), follow-ups and the escalation audit.

Every read starts from `dispute_queryset(user=...)` (outside the user's scope: 404); every
write is one call of a disputes.services function, as on the case page. The services' errors
become HTTP answers: a role that may not take the step 403, a step the case's state (or the
input) does not allow 400 naming the field, a stale version 409 (412 for a failed If-Match)."""

import re
from contextlib import contextmanager

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from governance.pagination import CappedPageNumberPagination, StrictPageNumberPagination

from .. import audit, selectors, services
from .. import views as pages
from ..choices import Action
from ..services.attachments import FORMATS
from . import serializers as s
from .actions import ACTIONS, ApiAction
from .filtersets import CaseFilterSet, FollowUpFilterSet
from .permissions import MayAudit, MayRegister

__all__ = ["CaseViewSet", "EscalationAuditView", "FollowUpViewSet"]

# Any case's number, as the resident API takes it: intake's (420602001008-2026-00001) and
# others (imported or generated cases, BENCH-…), so that a list holding one can link to it.
TRACKING_NUMBER = selectors.TRACKING_NUMBER.pattern
PARTY_KEY = re.compile(r"^parties\[(\d+)\]\.(\w+)$")


# --- Errors -----------------------------------------------------------------------------


class Conflict(exceptions.APIException):
    """409: someone changed the case since the caller read it."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"

    def __init__(self, message, *, current_version: int):
        super().__init__(message)
        self.detail = {"detail": self.detail, "current_version": current_version}


class PreconditionFailed(Conflict):
    """412: the If-Match header does not name the case's current version."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"


def _field_errors(field: str | None, message: str) -> dict:
    return {field or "non_field_errors": [message]}


def _django_errors(error: DjangoValidationError, *, parties: int = 0) -> dict:
    """A service's ValidationError as DRF field errors; `parties[i].field` keys (intake) go
    to the i-th item of `parties`, as the serializer's own errors of that list do."""
    if not hasattr(error, "error_dict"):
        return {"non_field_errors": error.messages}
    errors: dict = {}
    for key, messages in error.message_dict.items():
        match = PARTY_KEY.match(key)
        if match and int(match.group(1)) < parties:
            items = errors.setdefault("parties", [{} for _ in range(parties)])
            items[int(match.group(1))][match.group(2)] = messages
        else:
            errors["non_field_errors" if key == NON_FIELD_ERRORS else key] = messages
    return errors


@contextmanager
def service_errors(dispute, *, if_match: bool = False):
    """Turn the services' errors into HTTP answers (see the module's docstring)."""
    try:
        yield
    except services.DisputeConflictError as error:
        current = type(dispute).objects.values_list("version", flat=True).get(pk=dispute.pk)
        raise (PreconditionFailed if if_match else Conflict)(
            error.message, current_version=current
        ) from error
    except services.DisputePermissionError as error:
        raise exceptions.PermissionDenied(error.message) from error
    except services.DisputeError as error:
        raise exceptions.ValidationError(_field_errors(error.field, error.message)) from error
    except DjangoValidationError as error:
        raise exceptions.ValidationError(_django_errors(error)) from error


def expected_version(request, dispute, data: dict, *, required: bool) -> tuple[int | None, bool]:
    """The version the caller saw, from If-Match or the body's `version`, and whether it came
    from If-Match. Steps that change the case need one."""
    header = request.headers.get("If-Match")
    from_header = None
    if header is not None and header.strip() != "*":
        tags = [tag.strip().removeprefix("W/").strip('"') for tag in header.split(",")]
        if len(tags) != 1 or not tags[0].isdigit():
            raise PreconditionFailed(
                _("If-Match 须为案件详情返回的 ETag（一个版本号）。"),
                current_version=dispute.version,
            )
        from_header = int(tags[0])
    body = data.get("version")
    if from_header is not None and body is not None and body != from_header:
        raise exceptions.ValidationError(
            _field_errors("version", _("version 与 If-Match 请求头不一致。"))
        )
    if from_header is not None:
        return from_header, True
    if body is None and required:
        raise exceptions.ValidationError(
            _field_errors("version", _("请提供案件版本：If-Match 请求头或 version 字段。"))
        )
    return body, False


def _with_etag(response: Response, dispute) -> Response:
    response["ETag"] = f'"{dispute.version}"'
    return response


def _no_store(response: Response) -> Response:
    response["Cache-Control"] = "no-store"
    return response


# --- Schema helpers ---------------------------------------------------------------------

ERRORS = {
    400: OpenApiResponse(
        OpenApiTypes.OBJECT,
        description="Invalid input, or a step the case's state does not allow: messages by "
        "field (`non_field_errors` when no field is concerned).",
        examples=[
            OpenApiExample(
                "Missing field", value={"reason": ["该字段是必填项。"]}, response_only=True
            )
        ],
    ),
    403: OpenApiResponse(s.ErrorSerializer, description="Your role may not take this step."),
    404: OpenApiResponse(s.ErrorSerializer, description="No such case in your scope."),
}
VERSION_ERRORS = {
    409: OpenApiResponse(
        s.ConflictSerializer, description="The case changed since you read it (stale version)."
    ),
    412: OpenApiResponse(
        s.ConflictSerializer, description="If-Match does not name the case's current version."
    ),
}
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description='The case\'s ETag as last read (e.g. `"7"`); instead of a `version` field.',
)
PARTY_ID = OpenApiParameter("party_id", OpenApiTypes.INT, OpenApiParameter.PATH)
ATTACHMENT_ID = OpenApiParameter("attachment_id", OpenApiTypes.INT, OpenApiParameter.PATH)
CASE_EXAMPLE = OpenApiExample(
    "A case",
    response_only=True,
    value={
        "tracking_number": "420602001008-2025-00001",
        "summary": "邻里排水纠纷",
        "status": "accepted",
        "status_display": "已受理",
        "level": "village",
        "level_display": "村级",
        "current_center": {
            "code": "420602001008",
            "name": "檀溪社区居委会",
            "level": "village",
            "level_display": "村级",
        },
        "level_deadline": "2025-03-28",
        "parties": [{"side": "applicant", "name": "李**", "phone": "139****1234"}],
        "version": 2,
    },
)


# --- Cases ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Cases in your scope",
        description="The cases handled now, or received, within your centers' subtrees, "
        "newest first. Party names and phones are masked. The count stops at 10,000 "
        "(`count_capped`), and is the database's estimate when counting exactly took too "
        "long (`count_estimated`).",
        examples=[CASE_EXAMPLE],
    ),
    retrieve=extend_schema(
        summary="One case",
        description="The case as its page shows it, with the actions you may take now. The "
        "ETag header carries its version.",
        responses={200: s.CaseDetailSerializer, 404: ERRORS[404]},
        examples=[CASE_EXAMPLE],
    ),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Cases (矛盾纠纷): list, detail, intake, and one endpoint per action."""

    lookup_field = "tracking_number"
    lookup_value_regex = TRACKING_NUMBER
    filterset_class = CaseFilterSet
    pagination_class = CappedPageNumberPagination
    permission_classes = [IsAuthenticated, MayRegister]

    def get_queryset(self):
        if self.action == "list":
            return selectors.dispute_api_list_queryset(user=self.request.user).order_by(
                "-created_at", "-pk"
            )
        return selectors.dispute_detail_queryset(user=self.request.user)

    def filter_queryset(self, queryset):
        # The list's filters never hide the case an action or the detail is about.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_serializer_class(self):
        if self.action == "list":
            return s.CaseListSerializer
        if self.action == "create":
            return s.IntakeSerializer
        spec = ACTIONS_BY_METHOD.get(self.action)
        if spec is not None:
            return spec.serializer
        return SIDE_SERIALIZERS.get(self.action, s.CaseDetailSerializer)

    def case_response(self, dispute, *, status_code=status.HTTP_200_OK) -> Response:
        """The case as it is now, or 204 when the step took it out of the caller's scope
        (escalated or returned to a center above theirs)."""
        dispute = self.get_queryset().filter(pk=dispute.pk).first()
        if dispute is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = s.CaseDetailSerializer(dispute, context=self.get_serializer_context()).data
        return _with_etag(Response(data, status=status_code), dispute)

    def retrieve(self, request, *args, **kwargs):
        dispute = self.get_object()
        data = s.CaseDetailSerializer(dispute, context=self.get_serializer_context()).data
        return _with_etag(Response(data), dispute)

    @extend_schema(
        summary="Register a case (登记受理)",
        description="The intake desk's fields. Answers with the tracking number and the "
        "resident's access code, shown this once.",
        request=s.IntakeSerializer,
        responses={201: s.IntakeResultSerializer, 400: ERRORS[400], 403: ERRORS[403]},
        examples=[
            OpenApiExample(
                "Walk-in",
                summary="A walk-in at 襄城区's center, about 檀溪社区",
                request_only=True,
                value={
                    "receiving_center": "420602000000",
                    "channel": "walk_in",
                    "category": "neighbour",
                    "summary": "邻里排水纠纷",
                    "description": "雨水从邻居院墙排入申请人院内。",
                    "village": "420602001008",
                    "parties": [
                        {"side": "applicant", "name": "李秀兰", "phone": "13907101234"},
                        {"side": "respondent", "name": "王建军"},
                    ],
                },
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        serializer = s.IntakeSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        parties = [services.PartyData(**party) for party in data["parties"]]
        try:
            result = services.dispute_register(
                actor=request.user,
                receiving_center=data["receiving_center"],
                channel=data["channel"],
                category=data["category"],
                summary=data["summary"],
                village=data["village"],
                parties=parties,
                description=data["description"],
                risk_level=data["risk_level"],
                request_type=data["request_type"],
                address=data["address"],
                occurred_at=data["occurred_at"],
                is_confidential=data["is_confidential"],
            )
        except DjangoValidationError as error:
            raise exceptions.ValidationError(_django_errors(error, parties=len(parties))) from None
        except services.DisputePermissionError as error:
            raise exceptions.PermissionDenied(error.message) from None
        except services.DisputeError as error:
            raise exceptions.ValidationError(_field_errors(error.field, error.message)) from None
        dispute = self.get_queryset().get(pk=result.dispute.pk)
        body = {
            "tracking_number": dispute.tracking_number,
            "access_code": result.access_code,
            "case": s.CaseDetailSerializer(dispute, context=self.get_serializer_context()).data,
        }
        response = _no_store(Response(body, status=status.HTTP_201_CREATED))
        response["Location"] = request.build_absolute_uri(
            reverse("case-detail", kwargs={"tracking_number": dispute.tracking_number})
        )
        return _with_etag(response, dispute)

    # --- Actions ------------------------------------------------------------------------

    def check_role(self, dispute, step: Action) -> None:
        """403 before the body is read when the caller's role never allows the step."""
        if not services.role_allows(dispute, self.request.user, step):
            raise exceptions.PermissionDenied(services.permission_refusal(step).message)

    def action_serializer(self, serializer_class, dispute):
        context = {**self.get_serializer_context(), "dispute": dispute}
        serializer = serializer_class(data=self.request.data, context=context)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def take(self, request, spec: ApiAction) -> Response:
        """One action: the role, the input, the version, the service; then the case."""
        dispute = self.get_object()
        self.check_role(dispute, spec.action)
        data = self.action_serializer(spec.serializer, dispute)
        version, if_match = expected_version(request, dispute, data, required=spec.requires_version)
        with service_errors(dispute, if_match=if_match):
            spec.call(dispute, request.user, data, version)
        return self.case_response(dispute)

    @extend_schema(
        summary="The case's history (办理记录)",
        description="Every step, oldest first, as the case page's timeline.",
        responses={200: s.CaseEventSerializer(many=True), 404: ERRORS[404]},
        examples=[
            OpenApiExample(
                "Registered",
                response_only=True,
                value=[
                    {
                        "seq": 1,
                        "created_at": "2025-03-10T09:12:00+08:00",
                        "action": "disputes.case.registered",
                        "action_display": "登记",
                        "from_status": "",
                        "from_status_display": "",
                        "to_status": "registered",
                        "to_status_display": "已登记",
                        "actor": "张三",
                        "center": {
                            "code": "420602001008",
                            "name": "檀溪社区居委会",
                            "level": "village",
                            "level_display": "村级",
                        },
                        "reason": "",
                    }
                ],
            )
        ],
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def events(self, request, tracking_number=None):
        dispute = self.get_object()
        events = selectors.case_events(dispute).order_by("seq")
        return Response(s.CaseEventSerializer(events, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="The case's attachments (附件)",
        responses={200: s.AttachmentSerializer(many=True), 404: ERRORS[404]},
        examples=[
            OpenApiExample(
                "A scan",
                response_only=True,
                value=[
                    {
                        "id": 3,
                        "name": "调解协议书.pdf",
                        "content_type": "application/pdf",
                        "size": 183201,
                        "sha256": "9f2c…",
                        "description": "签字版",
                        "uploaded_by": {"id": 17, "name": "张三"},
                        "uploaded_at": "2025-03-12T10:00:00+08:00",
                        "download_url": "https://zongzhi.example/api/v1/cases/"
                        "420602001008-2025-00001/attachments/3/",
                    }
                ],
            )
        ],
    )
    @extend_schema(
        methods=["POST"],
        summary="Attach a file (上传附件)",
        description="multipart/form-data. The type is recognised from the file's bytes "
        "(JPEG, PNG, PDF) and must agree with its name's extension.",
        request={"multipart/form-data": s.AttachmentUploadSerializer},
        responses={201: s.AttachmentSerializer, **ERRORS, **VERSION_ERRORS},
        parameters=[IF_MATCH],
        examples=[
            OpenApiExample(
                "Upload",
                request_only=True,
                media_type="multipart/form-data",
                value={"file": "(binary)", "description": "签字版调解协议书"},
            )
        ],
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser],
        pagination_class=None,
        filter_backends=[],
    )
    def attachments(self, request, tracking_number=None):
        dispute = self.get_object()
        context = self.get_serializer_context()
        if request.method == "GET":
            files = selectors.case_attachments(dispute).select_related("dispute")
            return Response(s.AttachmentSerializer(files, many=True, context=context).data)
        self.check_role(dispute, Action.ATTACH)
        data = self.action_serializer(s.AttachmentUploadSerializer, dispute)
        version, if_match = expected_version(request, dispute, data, required=False)
        with service_errors(dispute, if_match=if_match):
            attachment = services.attachment_add(
                dispute_id=dispute.pk,
                actor=request.user,
                file=data["file"],
                description=data["description"],
                expected_version=version,
            )
        attachment.dispute = dispute
        body = s.AttachmentSerializer(attachment, context=context).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Download an attachment",
        description="The file, as uploaded (always a download).",
        parameters=[ATTACHMENT_ID],
        responses={
            **{
                (200, content_type): OpenApiResponse(
                    OpenApiTypes.BINARY,
                    description="The file, with the type recognised from its bytes at upload "
                    f"as Content-Type ({', '.join(FORMATS)}).",
                    examples=[OpenApiExample(fmt.label, value="(binary)", response_only=True)],
                )
                for content_type, fmt in FORMATS.items()
            },
            404: ERRORS[404],
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>\d+)",
        url_name="attachment-download",
        renderer_classes=[JSONRenderer],
        pagination_class=None,
        filter_backends=[],
    )
    def attachment_download(self, request, tracking_number=None, attachment_id=None):
        # The case page's download: the same scoping, headers and audit-free read.
        return pages.attachment_download(
            request._request, tracking_number=tracking_number, attachment_id=int(attachment_id)
        )

    @extend_schema(
        summary="Reveal a party's phone or ID number (显示)",
        description="The one endpoint that returns a party's phone or ID number in full: for "
        "this response only (not cached), with a reason kept in the case's audit trail.",
        request=s.RevealSerializer,
        parameters=[PARTY_ID, IF_MATCH],
        responses={200: s.RevealedSerializer, **ERRORS, **VERSION_ERRORS},
        examples=[
            OpenApiExample(
                "Phone",
                request_only=True,
                value={"field": "phone", "reason": "联系申请人确认调解时间"},
            ),
            OpenApiExample(
                "Revealed",
                response_only=True,
                value={"party": 41, "field": "phone", "value": "13907101234"},
            ),
        ],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"parties/(?P<party_id>\d+)/reveal",
        url_name="party-reveal",
    )
    def reveal(self, request, tracking_number=None, party_id=None):
        dispute = self.get_object()
        party = get_object_or_404(selectors.case_parties(dispute), pk=party_id)
        self.check_role(dispute, Action.REVEAL_PII)
        data = self.action_serializer(s.RevealSerializer, dispute)
        version, if_match = expected_version(request, dispute, data, required=False)
        with service_errors(dispute, if_match=if_match):
            value = services.party_reveal(
                party_id=party.pk,
                actor=request.user,
                field=data["field"],
                reason=data["reason"],
                expected_version=version,
            )
        return _no_store(Response({"party": party.pk, "field": data["field"], "value": value}))

    @extend_schema(
        summary="Reissue the resident's access code (重新生成查询码)",
        description="A new code replaces the lost one at once; it is shown this once.",
        request=s.ReissueAccessCodeSerializer,
        parameters=[IF_MATCH],
        responses={200: s.ReissuedAccessCodeSerializer, **ERRORS, **VERSION_ERRORS},
        examples=[
            OpenApiExample(
                "Checked in person",
                request_only=True,
                value={"reason": "申请人本人持身份证到场核实"},
            ),
            OpenApiExample(
                "New code",
                response_only=True,
                value={"tracking_number": "420602001008-2025-00001", "access_code": "7KQ9M2XR"},
            ),
        ],
    )
    @action(detail=True, methods=["post"], url_path="reissue-access-code")
    def reissue_access_code(self, request, tracking_number=None):
        dispute = self.get_object()
        self.check_role(dispute, Action.REISSUE_ACCESS_CODE)
        data = self.action_serializer(s.ReissueAccessCodeSerializer, dispute)
        version, if_match = expected_version(request, dispute, data, required=False)
        with service_errors(dispute, if_match=if_match):
            code = services.dispute_reissue_access_code(
                dispute_id=dispute.pk,
                actor=request.user,
                reason=data["reason"],
                expected_version=version,
            )
        body = {"tracking_number": dispute.tracking_number, "access_code": code}
        return _no_store(Response(body))


ACTIONS_BY_METHOD = {spec.method_name: spec for spec in ACTIONS.values()}
SIDE_SERIALIZERS = {
    "attachments": s.AttachmentUploadSerializer,
    "reveal": s.RevealSerializer,
    "reissue_access_code": s.ReissueAccessCodeSerializer,
}


def _action_endpoint(spec: ApiAction):
    """The endpoint of one action: POST …/cases/{tracking_number}/{slug}/."""

    def endpoint(self, request, tracking_number=None):
        return self.take(request, spec)

    endpoint.__name__ = spec.method_name
    endpoint.__doc__ = spec.summary
    version_note = (
        "Send the case's version (If-Match or `version`): a stale one is refused."
        if spec.requires_version
        else "An audited step that leaves the case unchanged; a version, when sent, is checked."
    )
    # @action first: extend_schema then annotates the action (the order drf-spectacular needs).
    endpoint = action(detail=True, methods=["post"], url_path=spec.slug, url_name=spec.slug)(
        endpoint
    )
    return extend_schema(
        operation_id=f"cases_{spec.slug.replace('-', '_')}",
        summary=spec.summary,
        description=f"{version_note} Answers with the case as it is now (204 when the step "
        "took it out of your scope).",
        request=spec.serializer,
        parameters=[IF_MATCH],
        responses={
            200: s.CaseDetailSerializer,
            204: OpenApiResponse(description="Done; the case has left your scope."),
            **ERRORS,
            **VERSION_ERRORS,
        },
        examples=[OpenApiExample(spec.slug, value=spec.example, request_only=True)],
    )(endpoint)


for _spec in ACTIONS.values():
    setattr(CaseViewSet, _spec.method_name, _action_endpoint(_spec))


# --- Follow-ups -------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Follow-ups (回访) in your scope",
        description="Open follow-ups unless `status` is given.",
        examples=[
            OpenApiExample(
                "Open",
                response_only=True,
                value={
                    "id": 5,
                    "tracking_number": "420602001008-2025-00001",
                    "summary": "邻里排水纠纷",
                    "status": "open",
                    "due_on": "2025-03-20",
                    "overdue": False,
                },
            )
        ],
    )
)
class FollowUpViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.FollowUpSerializer
    filterset_class = FollowUpFilterSet
    pagination_class = CappedPageNumberPagination

    def get_queryset(self):
        return selectors.follow_up_queryset(user=self.request.user).order_by("due_on", "pk")


# --- Escalation audit -------------------------------------------------------------------


class AuditPagination(StrictPageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class EscalationAuditView(GenericAPIView):
    """上报、督办、退单、重办 of the cases in the subtrees you audit, newest first: the audit
    page's rows and filters. County officials (督查), directors and administrators only."""

    permission_classes = [IsAuthenticated, MayAudit]
    serializer_class = s.AuditRowSerializer
    pagination_class = AuditPagination
    filter_backends = []

    @extend_schema(
        summary="Escalation audit (上报督办审计)",
        parameters=[
            OpenApiParameter("date_from", OpenApiTypes.DATE),
            OpenApiParameter("date_to", OpenApiTypes.DATE),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=audit.AuditKind.values),
            OpenApiParameter("level", OpenApiTypes.STR, description="The level left."),
            OpenApiParameter("category", OpenApiTypes.INT, description="Category id."),
            OpenApiParameter(
                "township", OpenApiTypes.STR, description="Code of a township in scope."
            ),
            OpenApiParameter("mode", OpenApiTypes.STR, enum=audit.AuditMode.values),
        ],
        responses={200: s.AuditRowSerializer(many=True), 400: ERRORS[400], 403: ERRORS[403]},
        examples=[
            OpenApiExample(
                "Escalated",
                response_only=True,
                value={
                    "at": "2025-03-20T17:00:00+08:00",
                    "kind": "escalate",
                    "kind_display": "上报",
                    "tracking_number": "420602001008-2025-00001",
                    "from_level": "village",
                    "to_level": "township",
                    "automatic": True,
                    "actor": "系统",
                    "reason": "超期自动上报",
                },
            )
        ],
    )
    def get(self, request):
        filterset = audit.EscalationAuditFilterSet(request.query_params, request=request)
        if not filterset.is_valid():
            raise exceptions.ValidationError(
                {
                    ("non_field_errors" if name == NON_FIELD_ERRORS else name): list(errors)
                    for name, errors in filterset.errors.items()
                }
            )
        rows = audit.escalation_audit(user=request.user, narrow=filterset.narrow)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.AuditRowSerializer(page, many=True).data)
