"""API tokens on the REST API: `Authorization: Token <key>` (or `Bearer <key>`). A request
without such a header falls through to the next authentication (the browser's session)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from .services import api_token_authenticate

__all__ = ["ApiTokenAuthentication", "KEYWORDS"]

KEYWORDS = ("token", "bearer")


class ApiTokenAuthentication(BaseAuthentication):
    """A token created in the admin (governance.ApiToken). Unknown, revoked or of an inactive
    user: 401. Requests so authenticated need no CSRF token (no cookie is involved)."""

    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].decode("latin-1").lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Authorization 请求头格式应为“Token <密钥>”。"))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("API 令牌无效或已停用。")) from None
        token = api_token_authenticate(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("API 令牌无效或已停用。"))
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
