"""Which cases a subtree of centers sees: the one rule behind every case list, count and
check, computed from columns of the case instead of joins.

A case is seen from a center X when the center handling it now (承办中心) or the one that
received it (受理中心) lies in X's subtree. Matching those two centers by their MPTT range
joins every case to the centers table twice; with ten million cases a city's list spent
seconds on those joins before it could count or show anything. The same rule, from the
case's own columns (X of level L):

- the receiving center is the village where the case happened or one of the village's
  ancestors (intake refuses anything else), so it lies under X exactly when X is the case's
  属地 center of level L (its `loc_*` column, or `village`) and the receiving level is L or
  below;
- the handling center is on that same path too, unless the case was dispatched sideways
  (to another village or township of the dispatching center's subtree, flagged
  `handled_elsewhere` by the transition function); on the path it lies under X exactly when
  X is the 属地 center of level L and the case's current level is L or below;
- the few cases handled elsewhere are matched by their handling center's id against X's
  subtree (a subquery over centers, never a join).

So a list or count of a city's cases reads one indexed column (`loc_city`) and filters on
three small ones. tests/disputes/test_scope_rule.py checks that the rule and the MPTT
definition select the same cases for every center, on random trees of moves.
"""

from django.db.models import Q

from centers.choices import LEVEL_DEPTH, CenterLevel
from centers.models import Center, subtree_q

__all__ = [
    "LOCALITY_FIELDS",
    "case_scope_q",
    "handled_elsewhere",
    "levels_at_or_below",
    "received_in_q",
    "subtree_scope_q",
]

# The case's column holding its 属地 center of each level.
LOCALITY_FIELDS = {
    CenterLevel.PROVINCE: "loc_province",
    CenterLevel.CITY: "loc_city",
    CenterLevel.COUNTY: "loc_county",
    CenterLevel.TOWNSHIP: "loc_township",
    CenterLevel.VILLAGE: "village",
}


def levels_at_or_below(level: str) -> list[str]:
    """`level` and the levels under it, e.g. county → county, township, village."""
    return [other for other, depth in LEVEL_DEPTH.items() if depth >= LEVEL_DEPTH[level]]


def handled_elsewhere(dispute) -> bool:
    """Whether the case's handling center is off its 属地 path: neither its village nor one
    of the village's ancestors (set by `locate`)."""
    on_path = {dispute.village_id} | {
        getattr(dispute, f"{field}_id") for field in LOCALITY_FIELDS.values()
    }
    return dispute.current_center_id not in on_path


def case_scope_q(centers, prefix: str = "") -> Q:
    """A Q matching the cases (reached through `prefix`, e.g. "dispute__") seen from any of
    `centers`: handled now or received in one of their subtrees. No centers → nothing."""
    centers = list(centers)
    condition = Q(pk__in=[])
    if not centers:
        return condition
    for center in centers:
        below = levels_at_or_below(center.level)
        on_path = Q(**{f"{prefix}{LOCALITY_FIELDS[center.level]}": center.pk})
        received_below = Q(**{f"{prefix}receiving_level__in": below})
        handled_below = Q(**{f"{prefix}handled_elsewhere": False, f"{prefix}level__in": below})
        condition |= on_path & (received_below | handled_below)
    subtree = Center.objects.filter(subtree_q(centers)).values("pk")
    # The flag first: the subquery is only looked at for the few cases handled elsewhere.
    condition |= Q(**{f"{prefix}handled_elsewhere": True}) & Q(
        **{f"{prefix}current_center__in": subtree}
    )
    return condition


def received_in_q(centers, prefix: str = "") -> Q:
    """A Q matching the cases received in the subtree of any of `centers` (the receiving
    center is always on the case's 属地 path)."""
    condition = Q(pk__in=[])
    for center in centers:
        condition |= Q(
            **{
                f"{prefix}{LOCALITY_FIELDS[center.level]}": center.pk,
                f"{prefix}receiving_level__in": levels_at_or_below(center.level),
            }
        )
    return condition


def subtree_scope_q(centers, prefix: str = "") -> Q:
    """The rule's definition, by MPTT range through joins to the centers table: what
    `case_scope_q` must always select (the tests compare them; bench_case_list times both)."""
    return subtree_q(centers, f"{prefix}current_center__") | subtree_q(
        centers, f"{prefix}receiving_center__"
    )
