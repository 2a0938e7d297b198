"""Production: SECRET_KEY is required, cookies are secure, static files collected."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool

if not SECRET_KEY:  # noqa: F405
    raise ImproperlyConfigured("SECRET_KEY must be set in production")
if DISPUTE_DEMO_WORKDAY_SECONDS:  # noqa: F405
    raise ImproperlyConfigured("ZONGZHI_DEMO_WORKDAY_SECONDS is for the demo only")
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
