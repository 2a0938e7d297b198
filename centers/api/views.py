from django.db.models import Count
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action

from ..filtersets import CenterFilterSet
from ..models import Center, Department
from .serializers import CenterSerializer, DepartmentSerializer


class CenterViewSet(viewsets.ReadOnlyModelViewSet):
    """Centers in the caller's scope. `?parent=CODE` lists children, `?ancestor=CODE` a
    subtree; `/centers/{code}/children/` is the tree browser's one-level expansion."""

    serializer_class = CenterSerializer
    filterset_class = CenterFilterSet
    lookup_field = "code"
    lookup_value_regex = r"\d{12}"

    def get_queryset(self):
        return (
            Center.objects.visible_to(self.request.user)
            .select_related("parent")
            .annotate(children_total=Count("children"))
            .order_by("tree_id", "lft")
        )

    # A page of centers (the schema said one center), and no filters: the list's would have
    # narrowed the lookup of the center itself.
    @extend_schema(responses=CenterSerializer(many=True))
    @action(detail=True, filter_backends=[])
    def children(self, request, code=None):
        center = self.get_object()
        queryset = self.get_queryset().filter(parent=center).order_by("code")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Departments stationed in the centers of the caller's scope."""

    serializer_class = DepartmentSerializer
    filterset_fields = ["kind", "center__code"]

    def get_queryset(self):
        return (
            Department.objects.visible_to(self.request.user)
            .select_related("center")
            .order_by("center__code", "name")
        )
