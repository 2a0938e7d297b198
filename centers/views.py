"""Server-rendered pages of the center tree. Reads go through centers.selectors, which start
from `visible_to(request.user)`: anything outside the user's scope is a 404."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from grids.selectors import village_grids

from . import selectors
from .choices import CenterLevel

SEARCH_PAGE_SIZE = 20


def is_htmx(request) -> bool:
    """An htmx partial request (a history restore wants the whole page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render_partial_or_page(request, partial: str, page: str, context: dict):
    response = render(request, partial if is_htmx(request) else page, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
@login_required
def tree(request):
    """The tree browser, starting at the user's own centers."""
    nodes = selectors.center_tree_roots(user=request.user)
    return render(request, "centers/tree.html", {"nodes": nodes})


@require_GET
@login_required
def children(request, code):
    """One level of the tree below `code`: a fragment for htmx, a page without JavaScript."""
    center = get_object_or_404(selectors.center_queryset(user=request.user), code=code)
    context = {
        "parent": center,
        "nodes": selectors.center_children(user=request.user, center=center),
        "breadcrumb": selectors.center_breadcrumb(center, user=request.user),
    }
    return render_partial_or_page(request, "centers/_tree_nodes.html", "centers/tree.html", context)


@require_GET
@login_required
def detail(request, code):
    """A center: where it sits, what is below it, its departments, grids and staff."""
    center = get_object_or_404(selectors.center_detail_queryset(user=request.user), code=code)
    is_village = center.level == CenterLevel.VILLAGE
    context = {
        "center": center,
        "breadcrumb": selectors.center_breadcrumb(center, user=request.user),
        "children": selectors.center_children(user=request.user, center=center),
        "departments": selectors.center_departments(user=request.user, center=center),
        "staff": selectors.center_staff(user=request.user, center=center),
        "grids": village_grids(user=request.user, village=center) if is_village else None,
    }
    return render(request, "centers/detail.html", context)


@require_GET
@login_required
def search(request):
    """Search by name or code within the user's scope, each hit with its ancestor path."""
    query = request.GET.get("q", "").strip()
    results = selectors.center_search(user=request.user, query=query)
    page = Paginator(results, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    paths = selectors.center_ancestor_paths(page.object_list, user=request.user)
    hits = [(center, paths[center.pk]) for center in page.object_list]
    context = {"query": query, "page": page, "hits": hits}
    return render_partial_or_page(
        request, "centers/_search_results.html", "centers/search.html", context
    )
