import django_filters
from django.db.models import Prefetch
from rest_framework import viewsets

from governance.filters import StrictBooleanFilter

from ..models import Grid, GridWorker
from .serializers import GridSerializer


class GridFilterSet(django_filters.FilterSet):
    village = django_filters.CharFilter(field_name="village__code")
    is_active = StrictBooleanFilter()

    class Meta:
        model = Grid
        fields = ["village", "is_active"]


class GridViewSet(viewsets.ReadOnlyModelViewSet):
    """Grids of the villages in the caller's scope, with their workers (phones masked)."""

    serializer_class = GridSerializer
    filterset_class = GridFilterSet
    lookup_field = "code"

    def get_queryset(self):
        return (
            Grid.objects.visible_to(self.request.user)
            .select_related("village")
            .prefetch_related(
                Prefetch("workers", queryset=GridWorker.objects.select_related("user"))
            )
            .order_by("code")
        )
