"""How the API's authentication appears in the OpenAPI schema (drf-spectacular)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

__all__ = ["ApiTokenScheme"]


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
