"""A paginator for lists that may hold millions of rows: it counts at most `cap` + 1 of them
(SELECT COUNT(*) FROM (… LIMIT cap + 1)), so a page never pays for an exact COUNT over a whole
city's cases. Beyond the cap the list says "more than N" and asks for narrower filters; the
pages stop at the cap. `CappedPageNumberPagination` is the same for the REST API.

`StrictPageNumberPagination` is DRF's page-number pagination with a `page_size` that must be
a whole number from 1: anything else is a 400 naming it (DRF falls back to the default size
silently)."""

from functools import cached_property

from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

__all__ = [
    "CappedPaginator",
    "CappedPageNumberPagination",
    "COUNT_CAP",
    "StrictPageNumberPagination",
]

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    def __init__(self, object_list, per_page, *, cap: int = COUNT_CAP, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def _counted(self) -> int:
        # Which cap + 1 rows are counted does not matter: without the list's ORDER BY the
        # database may stop at the first ones it finds instead of sorting every row in scope
        # (18 s → 2.8 s for a city's 170,471 cases among 10 million).
        return self.object_list.order_by()[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def capped(self) -> bool:
        """Whether there are more rows than the count shows."""
        return self._counted > self.cap


class StrictPageNumberPagination(PageNumberPagination):
    """`?page=` and `?page_size=`; a `page_size` that is not a whole number from 1 is a 400
    (one above max_page_size is cut to it, as in DRF)."""

    def get_page_size(self, request):
        name = self.page_size_query_param
        if name and name in request.query_params:
            try:
                valid = int(request.query_params[name]) >= 1
            except ValueError:
                valid = False
            if not valid:
                raise ValidationError({name: [_("每页条数须为不小于 1 的整数。")]})
        return super().get_page_size(request)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] in (self.page_query_param, self.page_size_query_param):
                parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param and self.max_page_size:
                parameter["description"] = (
                    f"Results per page, at most {self.max_page_size} (a larger value is cut to it)."
                )
        return parameters


class CappedPageNumberPagination(StrictPageNumberPagination):
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
