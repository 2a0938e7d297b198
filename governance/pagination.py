"""A paginator for lists that may hold millions of rows: it counts at most `cap` + 1 of them
(SELECT COUNT(*) FROM (… LIMIT cap + 1)), so a page never pays for an exact COUNT over a whole
city's cases. Beyond the cap the list says "more than N" and asks for narrower filters; the
pages stop at the cap."""

from functools import cached_property

from django.core.paginator import Paginator

__all__ = ["CappedPaginator", "COUNT_CAP"]

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    def __init__(self, object_list, per_page, *, cap: int = COUNT_CAP, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def _counted(self) -> int:
        return self.object_list[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def capped(self) -> bool:
        """Whether there are more rows than the count shows."""
        return self._counted > self.cap
