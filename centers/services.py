"""Writes to the center tree that are not part of the division import."""

from .locks import center_tree_lock
from .models import Center

__all__ = ["center_tree_rebuild"]


def center_tree_rebuild(*, root: Center | None = None) -> int:
    """Recompute lft/rght/tree_depth from the parent links, under the tree lock: for the tree
    of `root`, or for every tree. Returns the number of centers in the rebuilt trees.

    A repair tool. MPTT rebuilds node by node, which is fine for a city's tree (a few thousand
    nodes) but slow for a national table; there, re-running `import_divisions` on the national
    file lays out every tree it touches from the parent links in one pass.
    """
    with center_tree_lock():
        if root is None:
            Center.objects.rebuild()
            return Center.objects.count()
        tree_id = Center.objects.filter(pk=root.pk).values_list("tree_id", flat=True).get()
        Center.objects.partial_rebuild(tree_id)
        return Center.objects.filter(tree_id=tree_id).count()
