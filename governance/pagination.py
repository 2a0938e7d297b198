"""A paginator for lists that may hold millions of rows: it counts at most `cap` + 1 of them
(SELECT COUNT(*) FROM (… LIMIT cap + 1)), so a page never pays for an exact COUNT over a whole
city's cases. Beyond the cap the list says "more than N" and asks for narrower filters; the
pages stop at the cap. `CappedPageNumberPagination` is the same for the REST API.

On PostgreSQL the count also has a time budget (LIST_COUNT_BUDGET_MS): a filter that matches
few of a big scope's rows (a rare category among a city's 170,000 cases) makes even a capped
count read every row in scope. When the budget runs out the count is cancelled and the
planner's estimate is shown instead, rounded and marked as such ("约 35,000 件"); the page's
own rows do not depend on it.

`StrictPageNumberPagination` is DRF's page-number pagination with a `page_size` that must be
a whole number from 1: anything else is a 400 naming it (DRF falls back to the default size
silently)."""

import json
from functools import cached_property

from django.conf import settings
from django.core.paginator import Paginator
from django.db import OperationalError, connections, transaction
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

__all__ = [
    "CappedPaginator",
    "CappedPageNumberPagination",
    "COUNT_CAP",
    "budget_statements",
    "rough",
    "StrictPageNumberPagination",
]

COUNT_CAP = 10_000


# PostgreSQL's SQLSTATE for a statement cancelled by statement_timeout.
QUERY_CANCELED = "57014"
# The statements the time budget adds to a list's queries on PostgreSQL, whatever the list:
# at most a savepoint, setting the timeout, restoring it and releasing the savepoint.
BUDGET_STATEMENTS = 4


def budget_statements(connection) -> int:
    """How many statements the count's time budget adds on this database (0 on SQLite)."""
    return BUDGET_STATEMENTS if connection.vendor == "postgresql" else 0


def rough(number: int) -> int:
    """An estimate rounded to two significant digits (35,386 → 35,000; 97 stays 97)."""
    if number < 100:
        return number
    scale = 10 ** (len(str(number)) - 2)
    return round(number / scale) * scale


class CappedPaginator(Paginator):
    def __init__(
        self, object_list, per_page, *, cap: int = COUNT_CAP, budget_ms: int | None = None, **kw
    ):
        super().__init__(object_list, per_page, **kw)
        self.cap = cap
        self.budget_ms = settings.LIST_COUNT_BUDGET_MS if budget_ms is None else budget_ms

    @cached_property
    def _counted(self) -> tuple[int, bool]:
        """(rows counted up to cap + 1, False), or (the planner's estimate, True) when the
        count ran out of its time budget."""
        # Which cap + 1 rows are counted does not matter: without the list's ORDER BY the
        # database may stop at the first ones it finds instead of sorting every row in scope
        # (18 s → 2.8 s for a city's 170,471 cases among 10 million).
        capped = self.object_list.order_by()[: self.cap + 1]
        connection = connections[capped.db]
        if connection.vendor != "postgresql" or not self.budget_ms:
            return capped.count(), False
        try:
            # A savepoint: a cancelled count rolls back to it, and the transaction (and the
            # setting, which is local to it) carries on as before.
            with transaction.atomic(using=capped.db):
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT current_setting('statement_timeout'), "
                        "set_config('statement_timeout', %s, true)",
                        [f"{int(self.budget_ms)}ms"],
                    )
                    before = cursor.fetchone()[0]
                counted = capped.count()
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('statement_timeout', %s, true)", [before])
                return counted, False
        except OperationalError as error:
            if getattr(error.__cause__, "pgcode", None) != QUERY_CANCELED:
                raise
        return self._estimate(), True

    def _estimate(self) -> int:
        """The planner's estimate of the rows in the list (EXPLAIN: nothing is read)."""
        query = self.object_list.order_by().values("pk")
        sql, params = query.query.sql_with_params()
        with connections[query.db].cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        return max(0, int(plan[0]["Plan"]["Plan Rows"]))

    @cached_property
    def count(self) -> int:
        counted, estimated = self._counted
        return min(rough(counted) if estimated else counted, self.cap)

    @property
    def capped(self) -> bool:
        """Whether there are more rows than the count shows."""
        return self._counted[0] > self.cap

    @property
    def estimated(self) -> bool:
        """Whether the count is the planner's estimate (the exact count took too long)."""
        return self._counted[1]


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
                "count_estimated": paginator.estimated,
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
        response["properties"]["count_estimated"] = {
            "type": "boolean",
            "example": False,
            "description": (
                "True when counting exactly took too long and `count` is the database's "
                "estimate, rounded to two significant digits."
            ),
        }
        response["required"] = ["count", "count_capped", "count_estimated", "results"]
        return response
