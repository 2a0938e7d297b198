"""Reads of centers for the server-rendered UI. Every selector starts from
`Center.objects.visible_to(user)`: what lies outside the user's subtrees is never returned.

Tree counts are correlated subqueries over the MPTT ranges (tree_id, lft, rght), so a list of
nodes with their counts is one query however many nodes it holds.
"""

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from grids.models import Grid

from .choices import CenterLevel
from .models import Center, Department, Membership

__all__ = [
    "Crumb",
    "center_ancestor_paths",
    "center_breadcrumb",
    "center_children",
    "center_departments",
    "center_detail_queryset",
    "center_queryset",
    "center_search",
    "center_staff",
    "center_tree_roots",
    "user_memberships",
    "with_tree_counts",
]

SEARCH_MAX_LENGTH = 50


@dataclass(frozen=True)
class Crumb:
    """One step of an ancestor path. `code` is None for an ancestor outside the user's scope,
    so that a template cannot link to it (or even print its code)."""

    name: str
    code: str | None

    @property
    def visible(self) -> bool:
        return self.code is not None


def _count_subquery(queryset: QuerySet, group_by: str) -> Coalesce:
    """COUNT(*) of `queryset` (already filtered on OuterRef) as a scalar subquery."""
    counted = queryset.order_by().values(group_by).annotate(total=Count("pk")).values("total")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_tree_counts(queryset: QuerySet) -> QuerySet:
    """Annotate centers with `children_count` (direct children), `village_count` (villages
    strictly below) and `grid_count` (grids of the villages in the subtree, itself included)."""
    children = Center.objects.filter(parent=OuterRef("pk"))
    villages = Center.objects.filter(
        level=CenterLevel.VILLAGE,
        tree_id=OuterRef("tree_id"),
        lft__gt=OuterRef("lft"),
        rght__lt=OuterRef("rght"),
    )
    grids = Grid.objects.filter(
        village__tree_id=OuterRef("tree_id"),
        village__lft__gte=OuterRef("lft"),
        village__rght__lte=OuterRef("rght"),
    )
    return queryset.annotate(
        children_count=_count_subquery(children, "parent_id"),
        village_count=_count_subquery(villages, "tree_id"),
        grid_count=_count_subquery(grids, "village__tree_id"),
    )


def center_queryset(*, user) -> QuerySet:
    """The centers the user may see."""
    return Center.objects.visible_to(user)


def center_detail_queryset(*, user) -> QuerySet:
    """The centers the user may see, with their tree counts (for the detail page)."""
    return with_tree_counts(Center.objects.visible_to(user).select_related("parent"))


def center_tree_roots(*, user) -> QuerySet:
    """Where the tree browser starts: the user's own membership roots; a superuser starts at
    the roots of every tree."""
    queryset = Center.objects.visible_to(user)
    if user.is_superuser:
        queryset = queryset.filter(parent__isnull=True)
    else:
        roots = Center.objects.membership_roots(user)
        queryset = queryset.filter(pk__in=[root.pk for root in roots])
    return with_tree_counts(queryset).order_by("tree_id", "lft")


def center_children(*, user, center: Center) -> QuerySet:
    """The direct children of `center` that the user may see, in code order, with counts."""
    queryset = Center.objects.visible_to(user).filter(parent=center)
    return with_tree_counts(queryset).order_by("tree_id", "lft")


def center_search(*, user, query: str) -> QuerySet:
    """Centers in the user's scope whose name contains `query` or whose code starts with it.
    An empty query finds nothing (it would list the whole scope)."""
    query = (query or "").strip()[:SEARCH_MAX_LENGTH]
    if not query:
        return Center.objects.none()
    return (
        Center.objects.visible_to(user)
        .filter(Q(name__icontains=query) | Q(code__startswith=query))
        .order_by("tree_id", "lft")
    )


def center_ancestor_paths(centers, *, user) -> dict[int, list[Crumb]]:
    """Ancestor paths (root first, the center itself excluded) of several centers in one
    query: {center.pk: [Crumb, ...]}. Ancestors outside the user's scope keep only their
    name."""
    centers = list(centers)
    condition = Q(pk__in=[])
    for center in centers:
        condition |= Q(tree_id=center.tree_id, lft__lt=center.lft, rght__gt=center.rght)
    ancestors = list(
        Center.objects.filter(condition)
        .only("pk", "name", "code", "tree_id", "lft", "rght")
        .order_by("tree_id", "lft")
    )
    paths = {}
    for center in centers:
        paths[center.pk] = [
            Crumb(
                name=ancestor.name,
                code=ancestor.code if Center.objects.is_visible_to(ancestor, user) else None,
            )
            for ancestor in ancestors
            if ancestor.tree_id == center.tree_id
            and ancestor.lft < center.lft
            and center.rght < ancestor.rght
        ]
    return paths


def center_breadcrumb(center: Center, *, user) -> list[Crumb]:
    """The ancestor path of one center (root first, itself excluded)."""
    return center_ancestor_paths([center], user=user)[center.pk]


def center_departments(*, user, center: Center) -> QuerySet:
    """The departments stationed in `center` (入驻部门)."""
    return (
        Department.objects.visible_to(user)
        .filter(center=center)
        .order_by("-is_active", "kind", "name")
    )


def center_staff(*, user, center: Center) -> QuerySet:
    """The active users holding a role at `center`, with their grid-worker record (for the
    phone number) fetched in the same query."""
    return (
        Membership.objects.visible_to(user)
        .filter(center=center, user__is_active=True)
        .select_related("user", "user__grid_worker")
        .order_by("role", "user__last_name", "user__first_name", "user__username")
    )


def user_memberships(*, user) -> list[Membership]:
    """The user's own roles and centers, for the page header."""
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user=user)
        .select_related("center")
        .order_by("center__tree_id", "center__lft", "role")
    )
