"""Settings shared by every environment. Everything that differs between machines comes from
the environment (see the configuration table in README.md)."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("ZONGZHI_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
# Former keys, still accepted (signatures, sessions, access codes) while a new key rolls out.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "mptt",
    "governance",
    "centers",
    "grids",
    "disputes",
    "notifications",
    "metrics",
    "open311",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "governance.urls"
WSGI_APPLICATION = "governance.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.unread_notifications",
                "governance.context_processors.demo_clock",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# DATABASE_URL, e.g. postgres://user:pass@host:5432/zongzhi; default: a SQLite file under var/.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'zongzhi.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite: no persistent connections (they break under threads), WAL for web + worker.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif (
    DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    and os.environ.get("PG_JIT", "off") == "off"
):
    # No JIT compilation: our queries are short index reads whose planned cost can still
    # pass jit_above_cost; compiling them took seconds (measured: 2.8 s of a 3.1 s rollup
    # query on 10 million cases) and gained nothing. PG_JIT=on restores the server's choice.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# How long a list's capped count may take on PostgreSQL before the planner's estimate is
# shown instead (governance/pagination.py); 0 counts exactly whatever it takes.
LIST_COUNT_BUDGET_MS = int(os.environ.get("LIST_COUNT_BUDGET_MS", "150"))

# --- Broker and cache ----------------------------------------------------------------------
# REDIS_URL, e.g. redis://127.0.0.1:6379/0. Without it, Celery uses kombu's filesystem
# transport under var/broker/: a real broker (separate worker and beat processes exchange
# messages through it) that needs no server.
REDIS_URL = os.environ.get("REDIS_URL", "")


def filesystem_broker_options(folder: Path) -> dict:
    """kombu filesystem transport options for a broker kept in `folder` (created here).
    Producers write to data_folder_out and consumers read data_folder_in: one queue folder."""
    for sub in ("queue", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }


BROKER_DIR = VAR_DIR / "broker"

if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_timeout": 5,
        "socket_connect_timeout": 5,
        "visibility_timeout": 3600,
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "zongzhi",
            # Short: a hung Redis must not hold requests up (the cache is an optimisation).
            "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(BROKER_DIR)
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "zongzhi",
        }
    }

CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Case deadlines -------------------------------------------------------------------------
# DEMO ONLY: make one working day last this many seconds, so that the demo's cases fall due
# and climb the ladder within minutes. `make run` sets it (ZONGZHI_DEMO_WORKDAY_SECONDS=20);
# production settings refuse it.
DISPUTE_DEMO_WORKDAY_SECONDS = int(os.environ.get("ZONGZHI_DEMO_WORKDAY_SECONDS") or 0) or None
# TESTS ONLY: seconds the deadline watch sleeps after each case, so that the fault drills can
# kill a worker half-way through a scan. Always 0 here; governance/settings/test.py reads it
# from ZONGZHI_TEST_SCAN_STEP_DELAY for the worker processes the drills start.
DISPUTE_SCAN_STEP_DELAY = 0.0

# SQLite cannot build the (level, category, risk) uniqueness of DeadlineRule with NULLs not
# distinct; model validation (the admin's forms) enforces it there, PostgreSQL does both.
SILENCED_SYSTEM_CHECKS = ["models.W047"]

# --- Notifications ---------------------------------------------------------------------------
# Staff e-mail through Django's mail backends (EMAIL_URL-style settings below); residents' SMS
# through SMS_BACKEND (a dotted path: notifications.sms.FileSmsBackend writes var/sms/*.json,
# ConsoleSmsBackend logs; a real gateway is a subclass of notifications.sms.BaseSmsBackend).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "") == "1"
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@zongzhi.invalid")
SMS_BACKEND = os.environ.get("SMS_BACKEND", "notifications.sms.FileSmsBackend")
SMS_FILE_PATH = str(VAR_DIR / "sms")
# The address residents and staff reach the platform at, for links in e-mail and SMS.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# --- Auth ----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation ------------------------------------------------------------------
# Chinese first; English second. Source strings are written in Chinese; locale/en holds English.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files --------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# Uploaded files live outside the web root; they are served only through permission checks.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))

# --- Case attachments (附件) ---------------------------------------------------------------
# A file's type is recognised from its bytes and its name's extension must agree. Word/Excel
# (.docx/.xlsx) and OFD are not offered: see disputes.services.attachments.FORMATS.
DISPUTE_ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
DISPUTE_ATTACHMENT_TYPES = ["image/jpeg", "image/png", "application/pdf"]
DISPUTE_ATTACHMENT_MAX_PER_CASE = 50

# --- REST framework ------------------------------------------------------------------------
# How many reverse proxies (nginx …) stand in front of the web server: the client IP that rate
# limits count is taken that far from the end of X-Forwarded-For. Unset: DRF's default (the
# whole header, which a client can forge); 0 when nothing is in front.
API_NUM_PROXIES = int(os.environ["API_NUM_PROXIES"]) if os.environ.get("API_NUM_PROXIES") else None
REST_FRAMEWORK = {
    # API tokens first: a request without a token header falls through to the session (the
    # browser, with CSRF), and a bad token is answered 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "governance.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's JSON parser with its error message translated (governance/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "governance.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "governance.pagination.StrictPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "NUM_PROXIES": API_NUM_PROXIES,
}

# Rate limits of the resident API (/api/v1/public/), "N/second|minute|hour|day", counted in
# fixed windows in the cache (disputes/public_api/throttles.py). Filing fails open when the
# cache (Redis) is down; access-code guessing falls back to a per-process count.
PUBLIC_API_THROTTLE_RATES = {
    # Online filings per client IP (every attempt) and per applicant phone (valid filings).
    "public_intake_ip": "10/hour",
    "public_intake_phone": "3/day",
    # Failed look-ups (no such case, missing or wrong access code) per client IP, and per
    # tracking number: past it, that number is refused even with the right code.
    "public_lookup_failures_ip": "30/hour",
    "public_lookup_failures_case": "10/hour",
    # Open311 GET requests/{id} without an api_key, per client IP (against walking through
    # the tracking numbers).
    "open311_anonymous_ip": "120/hour",
}

# OpenAPI 3 schema at /api/schema/; Swagger UI and ReDoc load their assets from our own static
# files (drf-spectacular-sidecar), never from a CDN.
SPECTACULAR_SETTINGS = {
    "TITLE": "Zongzhi 综治 API",
    "DESCRIPTION": (
        "REST API of the comprehensive governance centers: the center tree, disputes and "
        "their lifecycle, follow-ups, notifications, metrics; the resident API (no account) "
        "and the Open311 GeoReport v2 interface."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The default hook (one component per enum), then the errors every staff operation may
    # answer that no view documents itself (401, 404 for a name or a page, 400 for filters).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "governance.schema.document_error_responses",
    ],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # One name per choice set, where several serializers (or fields) share one.
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "disputes.choices.Status",
        "FollowUpStatusEnum": "disputes.choices.FollowUpStatus",
        "PartyKindEnum": "disputes.choices.PartyKind",
        "PartySideEnum": "disputes.choices.PartySide",
        "AuditKindEnum": "disputes.audit.AuditKind",
    },
}

# --- Logging -------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
