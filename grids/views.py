"""Server-rendered pages of grids, read through grids.selectors (404 outside the scope)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from . import selectors


@require_GET
@login_required
def detail(request, code):
    """A grid: its village, its extent and the grid workers who walk it."""
    grid = get_object_or_404(selectors.grid_detail_queryset(user=request.user), code=code)
    context = {
        "grid": grid,
        "breadcrumb": selectors.grid_breadcrumb(grid, user=request.user),
        "workers": selectors.grid_workers(user=request.user, grid=grid),
    }
    return render(request, "grids/detail.html", context)
