from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ..forms import period_from_query
from ..selectors import dashboard, may_view_dashboards
from ..views import dashboard_center
from .serializers import DashboardSerializer


class MayViewDashboards(BasePermission):
    """Any role but grid worker (网格员), and superusers."""

    message = "Grid workers have no access to the dashboards."

    def has_permission(self, request, view):
        return may_view_dashboards(user=request.user)


class DashboardView(APIView):
    """A center's dashboard (`all`: the whole deployment, superusers only) for a period:
    `?kind=month&year=2025&month=3`, `kind=quarter&year=&quarter=`, `kind=year&year=`,
    `kind=custom&start=2025-01-01&end=2025-02-15` (both days included); the current month
    without parameters. A center outside the caller's subtrees is a 404; bad period
    parameters a 400 naming the fields."""

    permission_classes = [IsAuthenticated, MayViewDashboards]
    serializer_class = DashboardSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "code",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                pattern=r"^(\d{12}|all)$",
                description="12-digit division code of the center, or `all`",
            ),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=["month", "quarter", "year", "custom"]),
            OpenApiParameter("year", OpenApiTypes.INT),
            OpenApiParameter("month", OpenApiTypes.INT),
            OpenApiParameter("quarter", OpenApiTypes.INT),
            OpenApiParameter("start", OpenApiTypes.DATE),
            OpenApiParameter("end", OpenApiTypes.DATE),
        ],
        responses=DashboardSerializer,
    )
    def get(self, request, code):
        center = dashboard_center(user=request.user, code=code)
        form, period = period_from_query(query=request.query_params)
        if not form.is_valid():
            raise ValidationError(
                {
                    ("non_field_errors" if name == "__all__" else name): list(errors)
                    for name, errors in form.errors.items()
                }
            )
        board = dashboard(center=center, period=period, user=request.user)
        return Response(DashboardSerializer(board).data)
