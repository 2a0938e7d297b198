"""Open311 GeoReport v2 at /open311/v2/ (http://wiki.open311.org/GeoReport_v2), in JSON and
XML (by the extension), UTF-8:

    GET  services.{json,xml}                 our dispute categories, as services
    GET  services/{service_code}.{json,xml}  the attributes a request may carry
    POST requests.{json,xml}                 file a request (api_key)  → 201
    GET  requests.{json,xml}                 the client's requests     (api_key)
    GET  requests/{service_request_id}.{json,xml}   one request, public

Where the specification leaves room, or where our duties go beyond it:
- **Keys.** An API client (open311.models.ApiClient, created in the admin) has a key, a
  channel (12345热线 …) and a center: it files into that center's subtree and lists its cases.
  A missing, wrong or deactivated key is a 403.
- **jurisdiction_id** is optional; when given it must be the 12-digit division code of one of
  the deployment's root centers (a 404 otherwise), and it narrows the answer to that tree.
- **Location.** We cannot geocode: a request is placed by its village's 12-digit division
  code, sent as `address_id` (the service definition says so in its `address_id_note`
  attribute). `address_string` is kept as the detailed address; lat/long are stored with the
  submission. A request without `address_id` is a 400.
- **The resident's access code** (查询码) is not returned: Open311 has no field for it, and a
  secret passed through a third system is no longer the resident's. The integrating system
  tells the resident the tracking number (`service_request_id`); the center reissues a code.
- **Reading.** Confidential cases are never shown. One request by its id is public, as the
  specification says, with no personal data (see open311.serializers). The list needs a key
  — the specification does not ask for one, but a list of every case is too much to give
  anyone who asks — and shows only the client's subtree. At most 1000 requests, most recent
  first; dates default to the last 90 days and a wider span is a 400.
- **Errors** are the specification's list of {code, description}; the description names the
  parameter and speaks Chinese, or English with `Accept-Language: en`. 404 for an unknown
  service_code, service_request_id or jurisdiction_id, 403 for the key, 400 otherwise.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import exceptions
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from centers.choices import CenterLevel
from centers.models import Center
from disputes.choices import RequestType, RiskLevel
from disputes.public_api.throttles import RequestThrottle
from disputes.services import DisputeError

from . import selectors
from .definitions import ATTRIBUTES
from .renderers import (
    ExtensionNegotiation,
    Open311JSONRenderer,
    Open311Response,
    Open311XMLRenderer,
)
from .serializers import (
    ServiceDefinitionSerializer,
    ServiceRequestCreatedSerializer,
    ServiceRequestInputSerializer,
    ServiceRequestSerializer,
    ServiceRequestsQuerySerializer,
    ServiceSerializer,
)
from .services import api_client_authenticate, service_request_submit

__all__ = [
    "Open311Error",
    "ServiceListView",
    "ServiceDefinitionView",
    "ServiceRequestsView",
    "ServiceRequestView",
    "not_found",
]


class Open311Error(Exception):
    """An error answered in Open311's form: an HTTP status and (parameter, message) pairs."""

    def __init__(self, status: int, errors: list[tuple[str | None, str]]):
        super().__init__(errors)
        self.status_code = status
        self.errors = errors


def _flatten(detail, field: str | None = None) -> list[tuple[str | None, str]]:
    """DRF's validation detail as (parameter, message) pairs."""
    if isinstance(detail, dict):
        pairs = []
        for key, value in detail.items():
            name = None if key in ("non_field_errors", "__all__") else key
            pairs.extend(_flatten(value, name or field))
        return pairs
    if isinstance(detail, list):
        return [pair for item in detail for pair in _flatten(item, field)]
    return [(field, str(detail))]


def _errors(exc) -> tuple[int, list[tuple[str | None, str]]] | None:
    if isinstance(exc, Open311Error):
        return exc.status_code, exc.errors
    if isinstance(exc, exceptions.ValidationError):
        return 400, _flatten(exc.detail)
    if isinstance(exc, Http404 | exceptions.NotFound):
        return 404, [(None, _("未找到。"))]
    if isinstance(
        exc,
        DjangoPermissionDenied
        | exceptions.PermissionDenied
        | exceptions.NotAuthenticated
        | exceptions.AuthenticationFailed,
    ):
        return 403, [("api_key", _("api_key 缺失、无效或已停用。"))]
    if isinstance(exc, exceptions.MethodNotAllowed):
        return 405, [(None, _("不支持 %(method)s 方法。") % {"method": exc.args[0]})]
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return 400, [
            (None, _("请求须为 application/x-www-form-urlencoded 表单（UTF-8）。")),
        ]
    if isinstance(exc, exceptions.APIException):
        return exc.status_code, _flatten(exc.detail)
    return None


def open311_exception_handler(exc, context):
    """Every error of these views as Open311's error list (None: a server error, left to
    Django)."""
    result = _errors(exc)
    if result is None:
        return None
    status, pairs = result
    data = [
        {"code": status, "description": f"{field}: {message}" if field else message}
        for field, message in pairs
    ]
    response = Open311Response(data, root="errors", status=status)
    if isinstance(exc, exceptions.Throttled) and exc.wait:
        response["Retry-After"] = str(int(exc.wait))
    return response


# Where dispute_register's errors belong among Open311's parameters.
_INTAKE_FIELDS = {
    "village": "address_id",
    "address": "address_string",
    "summary": "description",
    "description": "description",
    "occurred_at": "attribute[occurred_at]",
    "risk_level": "attribute[risk_level]",
    "request_type": "attribute[request_type]",
    "parties": "last_name",
    "parties[0].name": "last_name",
    "parties[0].phone": "phone",
    "parties[1].name": "attribute[respondent]",
    "channel": "api_key",
}


def _intake_errors(error) -> Open311Error:
    if isinstance(error, DisputeError):
        return Open311Error(400, [(_INTAKE_FIELDS.get(error.field, error.field), error.message)])
    pairs = []
    for key, messages in error.message_dict.items():
        field = None if key == "__all__" else _INTAKE_FIELDS.get(key, key)
        pairs.extend((field, message) for message in messages)
    return Open311Error(400, pairs)


# --- Schema pieces -----------------------------------------------------------------------
# Response examples sit inside OpenApiResponse so that both formats (application/json and
# text/xml) show them; the values are the specification's examples in our terms.

# The error list, inline: drf-spectacular wraps list serializers in an array for 2xx only.
ERRORS = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "code": {"type": "integer", "description": "The HTTP status code."},
            "description": {
                "type": "string",
                "description": "What went wrong, naming the parameter.",
            },
        },
        "required": ["code", "description"],
    },
}


def errors(*examples: tuple[str, str, str]) -> OpenApiResponse:
    """An error response with examples given as (name, status code, description)."""
    return OpenApiResponse(
        ERRORS,
        examples=[
            OpenApiExample(name, value=[{"code": int(code), "description": description}])
            for name, code, description in examples
        ],
    )


def ok(serializer, name: str, value) -> OpenApiResponse:
    """A success response; for a list serializer `value` is one item (the schema tool puts
    it in a list)."""
    return OpenApiResponse(serializer, examples=[OpenApiExample(name, value=value)])


JURISDICTION = OpenApiParameter(
    "jurisdiction_id",
    OpenApiTypes.STR,
    description="The 12-digit division code of one of the deployment's root centers. "
    "Optional; an unknown one is a 404.",
)
UNKNOWN_JURISDICTION = ("Unknown jurisdiction_id", "404", "jurisdiction_id: 没有这个辖区。")
BAD_KEY = ("Missing or invalid api_key", "403", "api_key: api_key 缺失、无效或已停用。")
SERVICE_EXAMPLE = {
    "service_code": "marriage_family",
    "service_name": "婚姻家庭",
    "description": "含赡养、抚养、继承",
    "metadata": True,
    "type": "realtime",
    "keywords": "婚姻家庭, 赡养, 抚养, 继承, 婚姻家庭与邻里",
    "group": "婚姻家庭与邻里",
}
DEFINITION_EXAMPLE = {
    "service_code": "neighbour",
    "attributes": [
        {
            "variable": True,
            "code": "risk_level",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": None,
            "order": 3,
            "description": "风险等级（不填为“一般”）",
            "values": [
                {"key": "ordinary", "name": "一般"},
                {"key": "serious", "name": "较大"},
                {"key": "major", "name": "重大"},
            ],
        }
    ],
}
POST_EXAMPLE = {
    "api_key": "o311_…",
    "jurisdiction_id": "420600000000",
    "service_code": "neighbour",
    "lat": 32.0089,
    "long": 112.1224,
    "address_string": "檀溪路12号",
    "address_id": "420602001008",
    "email": "smit333@example.com",
    "device_id": "tt222111",
    "account_id": "123456",
    "first_name": "三",
    "last_name": "张",
    "phone": "13907101234",
    "description": "邻居院墙排水进我家院子\n已多次协商未果",
    "media_url": "https://example.com/photos/2212426634.jpg",
    "attribute[risk_level]": "ordinary",
}
CREATED_EXAMPLE = {
    "service_request_id": "420602000000-2024-00001",
    "service_notice": "已登记，受理编号 420602000000-2024-00001，由襄城区办理，"
    "本级办理期限至2024-06-14。请凭受理编号查询办理进度。",
    "account_id": None,
}
REQUEST_EXAMPLE = {
    "service_request_id": "420602001008-2024-00001",
    "status": "open",
    "status_notes": "调解中（村级）",
    "service_name": "邻里纠纷",
    "service_code": "neighbour",
    "description": "邻里排水纠纷，电话138****5678",
    "agency_responsible": "檀溪社区居委会",
    "service_notice": None,
    "requested_datetime": "2024-04-14T06:37:38+08:00",
    "updated_datetime": "2024-04-15T09:12:00+08:00",
    "expected_datetime": "2024-04-30T00:00:00+08:00",
    "address": "檀溪社区居委会, 真武山街道, 襄城区, 襄阳市",
    "address_id": "420602001008",
    "zipcode": None,
    "lat": None,
    "long": None,
    "media_url": None,
}


class Open311AutoSchema(AutoSchema):
    """Each operation exists twice, as .json and .xml: the format goes into its id."""

    def get_operation_id(self):
        fmt = self.path.rsplit(".", 1)[-1]
        return f"open311_{self.view.operation_names[self.method.lower()]}_{fmt}"

    def get_tags(self):
        return ["open311"]


class Open311View(APIView):
    """The common ground of the Open311 views: no session or CSRF (clients are systems, known
    by their api_key), form-encoded input, one renderer per path, errors in Open311's form."""

    schema = Open311AutoSchema()
    operation_names: dict[str, str] = {}
    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [FormParser]
    renderer_classes = [Open311JSONRenderer]
    content_negotiation_class = ExtensionNegotiation

    def get_exception_handler(self):
        return open311_exception_handler

    def param(self, name: str) -> str:
        """A parameter from the form (POST) or the query string."""
        request = self.request
        if request.method == "POST" and name in request.data:
            return (request.data.get(name) or "").strip()
        return (request.query_params.get(name) or "").strip()

    def jurisdiction(self) -> Center | None:
        code = self.param("jurisdiction_id")
        if not code:
            return None
        center = selectors.jurisdiction_get(code)
        if center is None:
            raise Open311Error(404, [("jurisdiction_id", _("没有这个辖区。"))])
        return center

    def client(self):
        client = api_client_authenticate(self.param("api_key"))
        if client is None:
            raise Open311Error(403, [("api_key", _("api_key 缺失、无效或已停用。"))])
        return client


class ServiceListView(Open311View):
    operation_names = {"get": "services_list"}

    @extend_schema(
        summary="GET Service List",
        description="Our dispute categories (纠纷类别) as Open311 services.",
        parameters=[JURISDICTION],
        responses={
            200: ok(ServiceSerializer(many=True), "Services", SERVICE_EXAMPLE),
            404: errors(UNKNOWN_JURISDICTION),
        },
    )
    def get(self, request):
        self.jurisdiction()
        data = ServiceSerializer(selectors.services(), many=True).data
        return Open311Response(data, root="services")


class ServiceDefinitionView(Open311View):
    operation_names = {"get": "service_definition"}

    @extend_schema(
        summary="GET Service Definition",
        description="The attributes a request may carry (the same for every service). "
        "`address_id_note` (variable = false) explains that the place is sent as the "
        "village's 12-digit division code in `address_id`.",
        parameters=[
            JURISDICTION,
            OpenApiParameter("service_code", OpenApiTypes.STR, OpenApiParameter.PATH),
        ],
        responses={
            200: ok(ServiceDefinitionSerializer, "Service definition", DEFINITION_EXAMPLE),
            404: errors(
                ("Unknown service_code", "404", "service_code: 没有这个服务。"),
                UNKNOWN_JURISDICTION,
            ),
        },
    )
    def get(self, request, service_code):
        self.jurisdiction()
        category = selectors.service_get(service_code)
        if category is None:
            raise Open311Error(404, [("service_code", _("没有这个服务。"))])
        data = ServiceDefinitionSerializer(
            {"service_code": category.code, "attributes": ATTRIBUTES}
        ).data
        return Open311Response(data, root="service_definition")


class ServiceRequestsView(Open311View):
    operation_names = {"get": "requests_list", "post": "requests_create"}

    @extend_schema(
        summary="GET Service Requests",
        description="The client's requests (received or handled in its center's subtree; "
        "never confidential ones), most recent first, at most 1000. Requires `api_key`.",
        parameters=[ServiceRequestsQuerySerializer],
        responses={
            200: ok(ServiceRequestSerializer(many=True), "Service requests", REQUEST_EXAMPLE),
            400: errors(("Span too wide", "400", "end_date: 查询时间跨度不能超过 90 天。")),
            403: errors(BAD_KEY),
            404: errors(UNKNOWN_JURISDICTION),
        },
    )
    def get(self, request):
        client = self.client()
        jurisdiction = self.jurisdiction()
        query = ServiceRequestsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        disputes = selectors.service_requests_list(
            client=client,
            jurisdiction=jurisdiction,
            tracking_numbers=params.get("service_request_id"),
            service_codes=params.get("service_code"),
            start=params["start_date"],
            end=params["end_date"],
            statuses=params.get("status"),
        )
        data = ServiceRequestSerializer(disputes, many=True).data
        return Open311Response(data, root="service_requests")

    @extend_schema(
        summary="POST Service Request",
        description="File a dispute. Form-encoded; `api_key`, `service_code`, `address_id` "
        "(the village's 12-digit division code), `description` and the applicant's name are "
        "required. Answers the tracking number as `service_request_id`.",
        request={"application/x-www-form-urlencoded": ServiceRequestInputSerializer},
        examples=[
            OpenApiExample(
                "Spec example placed by address_id",
                value=POST_EXAMPLE,
                request_only=True,
                media_type="application/x-www-form-urlencoded",
            )
        ],
        responses={
            201: ok(ServiceRequestCreatedSerializer(many=True), "Created", CREATED_EXAMPLE),
            400: errors(("Invalid parameter", "400", "address_id: 须为村/社区的12位区划代码。")),
            403: errors(BAD_KEY),
            404: errors(
                ("Unknown service_code", "404", "service_code: 没有这个服务。"),
                UNKNOWN_JURISDICTION,
            ),
        },
    )
    def post(self, request):
        client = self.client()
        jurisdiction = self.jurisdiction()
        if jurisdiction is not None and jurisdiction.tree_id != client.center.tree_id:
            raise Open311Error(404, [("jurisdiction_id", _("没有这个辖区。"))])
        form = ServiceRequestInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        category = selectors.service_get(data["service_code"])
        if category is None:
            raise Open311Error(404, [("service_code", _("没有这个服务。"))])
        village = Center.objects.filter(
            code=data["address_id"], level=CenterLevel.VILLAGE, is_active=True
        ).first()
        if village is None:
            raise Open311Error(400, [("address_id", _("没有这个村/社区区划代码。"))])
        try:
            dispute = service_request_submit(
                client=client,
                category=category,
                village=village,
                description=data["description"],
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                phone=data.get("phone", ""),
                email=data.get("email", ""),
                address=data.get("address_string", ""),
                media_url=data.get("media_url", ""),
                account_id=data.get("account_id", ""),
                device_id=data.get("device_id", ""),
                lat=data.get("lat"),
                long=data.get("long"),
                request_type=data.get("attribute[request_type]") or RequestType.HELP,
                risk_level=data.get("attribute[risk_level]") or RiskLevel.ORDINARY,
                occurred_at=data.get("attribute[occurred_at]"),
                respondent=data.get("attribute[respondent]", ""),
                is_confidential=data.get("attribute[confidential]") == "true",
            )
        except (DjangoValidationError, DisputeError) as error:
            raise _intake_errors(error) from error
        data = ServiceRequestCreatedSerializer([dispute], many=True).data
        return Open311Response(data, root="service_requests", status=201)


class AnonymousRequestThrottle(RequestThrottle):
    """GET requests/{id} without a key, per client IP: tracking numbers are sequential, so
    this keeps anyone from walking through them (fails open when the cache is down)."""

    scope = "open311_anonymous_ip"

    def ident_for(self, request, view):
        return self.get_ident(request)


class ServiceRequestView(Open311View):
    operation_names = {"get": "request_retrieve"}

    @extend_schema(
        summary="GET Service Request",
        description="One request by its tracking number. Public (no key), without personal "
        "data; confidential cases are not found. Without an `api_key` (rate-limited per "
        "client IP) `description` and `address` are null; with the key of a client whose "
        "subtree holds the case they are given.",
        parameters=[
            JURISDICTION,
            OpenApiParameter("service_request_id", OpenApiTypes.STR, OpenApiParameter.PATH),
        ],
        responses={
            200: ok(ServiceRequestSerializer(many=True), "Service request", REQUEST_EXAMPLE),
            404: errors(
                ("Unknown service_request_id", "404", "service_request_id: 没有这个诉求。"),
                UNKNOWN_JURISDICTION,
            ),
        },
    )
    def get(self, request, service_request_id):
        client = self.client() if self.param("api_key") else None
        if client is None:
            throttle = AnonymousRequestThrottle()
            if not throttle.allow_request(request, self):
                raise exceptions.Throttled(wait=throttle.wait())
        jurisdiction = self.jurisdiction()
        dispute = selectors.service_request_get(service_request_id, jurisdiction=jurisdiction)
        if dispute is None:
            raise Open311Error(404, [("service_request_id", _("没有这个诉求。"))])
        # The summary and the place only for a client whose subtree holds the case.
        full = client is not None and selectors.client_may_read(client, dispute)
        data = ServiceRequestSerializer([dispute], many=True, context={"redact": not full}).data
        return Open311Response(data, root="service_requests")


def not_found(request):
    """A path under /open311/v2/ that names no resource (an identifier the routes do not
    accept): the specification's error list, in the format of the path's extension."""
    data = [{"code": 404, "description": _("未找到。")}]
    if request.path.endswith(".xml"):
        renderer = Open311XMLRenderer()
        body = renderer.render(data, renderer_context={"response": Open311Response(root="errors")})
    else:
        renderer = Open311JSONRenderer()
        body = renderer.render(data)
    content_type = f"{renderer.media_type}; charset={renderer.charset}"
    return HttpResponse(body, status=404, content_type=content_type)
