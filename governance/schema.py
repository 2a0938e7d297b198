"""How the API's authentication appears in the OpenAPI schema (drf-spectacular)."""

from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
)

__all__ = ["ApiTokenScheme", "BoundedNestedList", "document_error_responses"]


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "governance.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "A per-user API token created by an administrator in the admin (shown once). "
                "Send it as `Authorization: Token <key>` (`Bearer <key>` is accepted too). "
                "Unknown or revoked keys, and keys of deactivated users, get a 401."
            ),
        }


class BoundedNestedList(OpenApiSerializerFieldExtension):
    """A list of nested objects (`many=True`) with its `min_length` and `max_length` as the
    array's minItems and maxItems, which drf-spectacular leaves out (the intake's 1 to 10
    parties were an array of any length in the schema)."""

    target_class = "rest_framework.serializers.ListSerializer"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if schema is None:
            return None
        if self.target.min_length is not None:
            schema["minItems"] = self.target.min_length
        if self.target.max_length is not None:
            schema["maxItems"] = self.target.max_length
        return schema


# --- Errors every staff operation may answer ----------------------------------------------

NOT_FOUND_OBJECT = "Nothing of that name in your scope (outside it is a 404, never a 403)."
NOT_FOUND_PAGE = "No such page (`page` past the last one)."
BAD_FILTER = "A query parameter of the wrong form: messages by parameter."
# Query parameters that are not filters (their own errors are documented where they occur).
PAGES = {"page", "page_size"}
NOT_FILTERS = {*PAGES, "ordering"}


def _error_ref() -> dict:
    return {"$ref": "#/components/schemas/Error"}


def document_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: the errors of the staff API that come from the
    framework rather than from a view, documented on every operation they can happen to
    (unless the view documents them itself):

    - 401 on every operation that takes the API token (no, unknown or revoked token);
    - 404 when the path names something (no such thing in the caller's scope), and on
      paginated lists (a page past the last);
    - 400 on lists that take filters (a value of the wrong form: a date, a boolean, a
      choice), with messages by parameter;
    - `allowEmptyValue` on those filters that take one value: `?created_to=` is the same as
      leaving it out (as django-filter and the period form read it; an empty item of a
      several-valued filter, `?status=`, is a 400).
    """
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            if not any("apiToken" in item for item in operation.get("security", [])):
                continue  # the resident API and Open311 document their own errors
            responses = operation.setdefault("responses", {})
            parameters = operation.get("parameters", [])
            query = {p["name"] for p in parameters if p.get("in") == "query"}
            for parameter in parameters:
                if (
                    parameter.get("in") == "query"
                    and parameter["name"] not in PAGES
                    and parameter.get("schema", {}).get("type") != "array"
                ):
                    parameter.setdefault("allowEmptyValue", True)
            names_something = any(p.get("in") == "path" for p in parameters)
            responses.setdefault(
                "401",
                {
                    "description": "No API token, or an unknown or revoked one.",
                    "content": {"application/json": {"schema": _error_ref()}},
                },
            )
            if names_something or "page" in query:
                description = NOT_FOUND_OBJECT if names_something else NOT_FOUND_PAGE
                if names_something and "page" in query:
                    description = f"{NOT_FOUND_OBJECT} Or: {NOT_FOUND_PAGE}"
                responses.setdefault(
                    "404",
                    {
                        "description": description,
                        "content": {"application/json": {"schema": _error_ref()}},
                    },
                )
            if query - NOT_FILTERS:
                responses.setdefault(
                    "400",
                    {
                        "description": BAD_FILTER,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "additionalProperties": {
                                        "type": "array",
                                        "items": {"type": "string"},
                                    },
                                },
                                "examples": {
                                    "BadDate": {
                                        "value": {"created_from": ["输入一个有效的日期。"]},
                                        "summary": "A date of the wrong form",
                                    }
                                },
                            }
                        },
                    },
                )
    return result
