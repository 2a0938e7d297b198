"""A paginator for lists that may hold millions of rows: it counts at most `cap` + 1 of them
(SELECT COUNT(*) FROM (… LIMIT cap + 1)), so a page never pays for an exact COUNT over a whole
city's cases. Beyond the cap the list says "more than N" and asks for narrower filters; the
pages stop at the cap. `CappedPageNumberPagination` is the same for the REST API."""

from functools import cached_property

from django.core.paginator import Paginator
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

__all__ = ["CappedPaginator", "CappedPageNumberPagination", "COUNT_CAP"]

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


class CappedPageNumberPagination(PageNumberPagination):
    """`?page=` and `?page_size=` (at most 100) over a CappedPaginator: `count` stops at
    COUNT_CAP and `count_capped` says when there are more rows than that (narrow the filters
    to reach them: the pages stop at the cap too)."""

    django_paginator_class = CappedPaginator
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        return Response(
            {
                "count": paginator.count,
                "count_capped": paginator.capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"]["description"] = (
            f"Rows counted, at most {COUNT_CAP}: see count_capped."
        )
        response["properties"] = {
            "count": response["properties"]["count"],
            "count_capped": {
                "type": "boolean",
                "example": False,
                "description": (
                    f"True when there are more than {COUNT_CAP} rows: the count and the pages "
                    "stop there; narrow the filters to see the rest."
                ),
            },
            **{k: v for k, v in response["properties"].items() if k != "count"},
        }
        response["required"] = ["count", "count_capped", "results"]
        return response
