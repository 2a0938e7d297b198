"""Reads of grids and grid workers for the server-rendered UI, always from `visible_to(user)`."""

from django.db.models import Prefetch, QuerySet

from centers.models import Center
from centers.selectors import Crumb, center_breadcrumb

from .models import Grid, GridWorker

__all__ = ["grid_breadcrumb", "grid_detail_queryset", "grid_workers", "village_grids"]


def _workers() -> QuerySet:
    return GridWorker.objects.select_related("user").order_by(
        "-is_active", "user__last_name", "user__first_name", "user__username"
    )


def grid_detail_queryset(*, user) -> QuerySet:
    """The grids the user may see, with their village."""
    return Grid.objects.visible_to(user).select_related("village")


def grid_workers(*, user, grid: Grid) -> QuerySet:
    """The grid workers who walk `grid`."""
    return _workers().visible_to(user).filter(grids=grid)


def village_grids(*, user, village: Center) -> QuerySet:
    """The grids of a village with their workers, in two queries however many grids."""
    return (
        Grid.objects.visible_to(user)
        .filter(village=village)
        .prefetch_related(Prefetch("workers", queryset=_workers()))
        .order_by("code")
    )


def grid_breadcrumb(grid: Grid, *, user) -> list[Crumb]:
    """The path down to a grid: the village's ancestors, then the village itself."""
    village = grid.village
    return [*center_breadcrumb(village, user=user), Crumb(name=village.name, code=village.code)]
