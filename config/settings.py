"""Tiaojie settings: one file, driven by the environment.

Embedded default (no servers): SQLite in WAL mode, in-memory channel layer, files under var/.
Production stack: DATABASE_URL (PostgreSQL) and REDIS_URL (channel layer, cache, Celery).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from exc


def env_secret(name: str, default: str | None = None) -> str | None:
    """A secret from NAME, or from the file named by NAME_FILE (docker/systemd credentials)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
VAR_DIR = Path(os.environ.get("TIAOJIE_VAR_DIR", BASE_DIR / "var"))

SECRET_KEY = env_secret("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    # The embedded default keeps a generated key under var/ so sessions survive restarts.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        from django.core.management.utils import get_random_secret_key

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(get_random_secret_key() + get_random_secret_key())
        key_file.chmod(0o600)
    SECRET_KEY = key_file.read_text().strip()


def data_key_setting(name: str) -> str:
    """Keys for personal data at rest (docs/personal-data-encryption.md): from NAME or NAME_FILE,
    else from a file under var/ that the embedded default writes on first run (owner-only)."""
    value = env_secret(name)
    if value:
        return value
    key_file = VAR_DIR / name.lower()
    if not key_file.exists():
        import base64

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(base64.urlsafe_b64encode(os.urandom(32)).decode() + "\n")
    return key_file.read_text().strip()


# The data key ring, current key first, older keys after (comma or newline separated base64
# keys of 32 bytes), and the separate key of the blind index.
TIAOJIE_DATA_KEYS = [k for k in data_key_setting("TIAOJIE_DATA_KEYS").replace(",", "\n").split() if k]
TIAOJIE_INDEX_KEY = data_key_setting("TIAOJIE_INDEX_KEY")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
# Browsers' websockets must come from one of these exact scheme://host:port origins.
ALLOWED_WS_ORIGINS = env_list("TIAOJIE_WS_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", ",".join(ALLOWED_WS_ORIGINS))
SITE_URL = os.environ.get("TIAOJIE_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "axes",
    "csp",
    "core",
    "accounts",
    "disputes",
    "mediation",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so static files carry the headers too (docs/security.md).
    "core.headers.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    # A signed-in user who has not accepted the current privacy notice is asked first.
    "accounts.middleware.PrivacyNoticeMiddleware",
    # Redis (cache, broker) down: 503 with Retry-After, not 500 (docs/security.md, "Faults and the ledger").
    "core.unavailable.UnavailableMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into accounts.lockout's 429.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
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
                "accounts.context_processors.roles",
                "accounts.context_processors.large_text",
                "notifications.context_processors.unread",
            ],
        },
    },
]
WSGI_APPLICATION = None
ASGI_APPLICATION = "config.asgi.application"

# --- Database -------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    # Django turns psycopg's prepared statements off (for transaction-mode poolers). The
    # chat's hot statements ask for preparation explicitly (mediation.chat.sql.cursor); a
    # threshold lets them, and Django's own cursors (client-side binding) never prepare.
    # Generic plans: PostgreSQL otherwise re-plans them on every execution (array
    # parameters make a custom plan look cheaper), which cost more than running them.
    DATABASES["default"]["OPTIONS"] = {
        "prepare_threshold": 1_000_000,
        "options": "-c plan_cache_mode=force_generic_plan",
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("TIAOJIE_SQLITE_PATH", str(VAR_DIR / "db.sqlite3")),
            "OPTIONS": {
                # IMMEDIATE takes the write lock when a transaction starts, so two
                # concurrent transitions serialise instead of failing half-way.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Redis, cache, channel layer ------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    # PubSub layer: the default RedisChannelLayer loses deliveries with redis-py 8 (docs/decisions.md).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": None, "max_connections": 1000}]},
        }
    }
else:
    # One process serves everything in the embedded default, so a local cache is enough.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Celery ---------------------------------------------------------------------------
# Embedded default: the filesystem transport, a real worker and beat with no server to
# install (docs/decisions.md). Producer and worker share one folder, on the same filesystem as var/.
CELERY_QUEUE_DIR = VAR_DIR / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT = "config.celery:FolderTransport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_QUEUE_DIR / "queue"),
        "data_folder_out": str(CELERY_QUEUE_DIR / "queue"),
        "processed_folder": str(CELERY_QUEUE_DIR / "processed"),
        "control_folder": str(CELERY_QUEUE_DIR / "control"),
        "store_processed": False,
        "polling_interval": float(os.environ.get("TIAOJIE_QUEUE_POLL", "0.1")),
    }
    CELERY_WORKER_PREFETCH_MULTIPLIER = env_int("TIAOJIE_QUEUE_PREFETCH", 8)
    for _folder in ("queue", "processed", "control"):
        (CELERY_QUEUE_DIR / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
if REDIS_URL:
    CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_ALWAYS_EAGER = env_bool("TIAOJIE_CELERY_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True

# Assign the top-ranked mediator automatically when a dispute starts awaiting one.
TIAOJIE_AUTO_ASSIGN = env_bool("TIAOJIE_AUTO_ASSIGN", True)

# --- Auth -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "disputes:mine"
LOGOUT_REDIRECT_URL = "home"
# The lockout check (django-axes) runs before the password is checked (docs/security.md).
AUTHENTICATION_BACKENDS = ["accounts.backends.LockoutBackend", "django.contrib.auth.backends.ModelBackend"]
# Proxies in front of daphne that append to X-Forwarded-For. 0: REMOTE_ADDR is the client
# and the header is ignored; DJANGO_BEHIND_PROXY alone means one proxy.
PROXY_COUNT = env_int("TIAOJIE_PROXY_COUNT", 1 if env_bool("DJANGO_BEHIND_PROXY", False) else 0)
# Sign-in lockout, per account and per client address, on the pages, the admin and the
# API's token endpoint: after this many failures, refused until the cool-off has passed.
AXES_FAILURE_LIMIT = env_int("TIAOJIE_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("TIAOJIE_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# The cool-off runs from the lockout; attempts during it do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
AXES_USERNAME_CALLABLE = "accounts.lockout.client_username"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# Sessions end after this long without a request, and this long after signing in at most;
# API tokens this long after they were issued, and at logout (accounts.sessions).
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("TIAOJIE_SESSION_IDLE_MINUTES", 30))
SESSION_MAX_AGE = timedelta(hours=env_int("TIAOJIE_SESSION_MAX_HOURS", 12))
SESSION_TOKEN_TTL = timedelta(hours=env_int("TIAOJIE_TOKEN_HOURS", 24))
SESSION_COOKIE_AGE = int(SESSION_MAX_AGE.total_seconds())
# Sign-up, code and password-reset pages: requests per client address per window (seconds).
PAGE_AUTH_LIMIT = env_int("TIAOJIE_PAGE_AUTH_LIMIT", 30)
PAGE_AUTH_WINDOW = 600
# Reveals of one party's field a staff member may make in an hour (docs/personal-data-masking.md).
REVEAL_RATE_PER_HOUR = env_int("TIAOJIE_REVEAL_RATE", 20)

# The privacy notice (隐私告知, docs/personal-data-rights.md): its current version names the
# templates accounts/privacy/notice_<version>_<language>.html. Raising it asks every user to
# accept the new text at their next page.
PRIVACY_NOTICE_VERSION = "2026-12"
# Where people write about their personal data (shown in the notice).
PRIVACY_CONTACT = os.environ.get("TIAOJIE_PRIVACY_CONTACT", "privacy@tiaojie.local")

# --- Languages and time ---------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise serves from the finders; it only warns
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"
OUTBOX_DIR = VAR_DIR / "outbox"
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
# Request bodies (docs/security.md, "Uploads"): refused with 413 from Content-Length before
# they are read, and cut off while streaming (chunked bodies) by core.bodylimit, in the ASGI
# app and inside daphne. One evidence file plus the form around it; the filing page carries
# up to 10 files.
REQUEST_MAX_BYTES = env_int("TIAOJIE_REQUEST_MAX_BYTES", EVIDENCE_MAX_BYTES + 1024 * 1024)
REQUEST_MAX_BYTES_BY_PATH = [(r"^/disputes/new/$", 10 * EVIDENCE_MAX_BYTES + 1024 * 1024)]
# Images above this many pixels (all frames) are refused before they are decoded.
UPLOAD_IMAGE_MAX_PIXELS = env_int("TIAOJIE_UPLOAD_IMAGE_MAX_PIXELS", 40_000_000)
# Malware scan of every upload: a command, the file's path appended; exit 0 clean, 1 infected.
# Off unless set (clamscan needs a signature database, which freshclam fetches online), e.g.
# TIAOJIE_UPLOAD_SCANNER=clamscan,--no-summary; skipped with a warning when not installed.
UPLOAD_SCANNER = env_list("TIAOJIE_UPLOAD_SCANNER", "")
UPLOAD_SCANNER_TIMEOUT = env_int("TIAOJIE_UPLOAD_SCANNER_TIMEOUT", 60)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Notifications (docs/features/notifications.md): outbox, email, links --------------------------------------
# Email: one file per message under var/outbox/email/ by default; SMTP when EMAIL_HOST is set
# (or any backend by TIAOJIE_EMAIL_BACKEND).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "TIAOJIE_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "core.mail.FileEmailBackend",
)
EMAIL_FILE_PATH = str(OUTBOX_DIR / "email")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD", "") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("TIAOJIE_FROM_EMAIL", "Tiaojie <noreply@tiaojie.local>")
# Links in notices are absolute: SITE_URL (TIAOJIE_SITE_URL) + the dispute's page.
NOTIFY_LEASE = env_int("TIAOJIE_NOTIFY_LEASE", 300)  # seconds a worker holds a claimed row
NOTIFY_MAX_ATTEMPTS = env_int("TIAOJIE_NOTIFY_MAX_ATTEMPTS", 8)  # then the row is `failed`
NOTIFY_RETRY_BASE = env_int("TIAOJIE_NOTIFY_RETRY_BASE", 30)  # seconds, doubling per attempt
NOTIFY_MAX_COUNTDOWN = 300  # longer waits are left to the sweeper, not a Celery ETA
NOTIFY_SWEEP_SECONDS = env_int("TIAOJIE_NOTIFY_SWEEP_SECONDS", 60)  # how often beat sweeps
NOTIFY_SWEEP_GRACE = env_int("TIAOJIE_NOTIFY_SWEEP_GRACE", 60)  # a queued row is re-queued after this
NOTIFY_SWEEP_BATCH = 5000  # rows queued per sweep at most
# Rows one delivery task claims and sends together (the rows of one commit, in tasks of this many).
NOTIFY_BATCH = env_int("TIAOJIE_NOTIFY_BATCH", 50)
# Celery closes Django's database connections after every task unless this is set: a new
# PostgreSQL connection per delivery cut a worker to ~30 deliveries/s (bench/outbox.py).
# notifications.tasks closes broken or aged connections after each task instead, as Django
# does after each request (CONN_MAX_AGE).
CELERY_DB_REUSE_MAX = 1_000_000

# --- SMS and telephony (phone sessions' calls, var/outbox/calls/: docs/features/sessions.md) ---
SMS_BACKEND = os.environ.get("TIAOJIE_SMS_BACKEND", "core.sms.FileSmsBackend")
TELEPHONY_BACKEND = os.environ.get("TIAOJIE_TELEPHONY_BACKEND", "core.telephony.FileTelephonyBackend")
PHONE_CODE_TTL = timedelta(minutes=10)
PHONE_CODE_MIN_INTERVAL = timedelta(seconds=60)
PHONE_CODE_MAX_PER_HOUR = 5
PHONE_CODE_MAX_ATTEMPTS = 5  # wrong guesses per code
PHONE_CODE_MAX_FAILURES_PER_HOUR = 10  # wrong guesses per phone and purpose, over all its codes

# --- Deadlines (docs/features/sla.md) -----------------------------------------------------------------
# Policies and the holiday calendar live in the database (Django admin → Deadline policies,
# Holiday calendar); disputes.sla reads them through the cache, kept this many seconds at most.
SLA_CACHE_SECONDS = env_int("TIAOJIE_SLA_CACHE_SECONDS", 300)
# Disputes the sweeper takes per batch (a run takes batches for up to 45 s while they come back full).
SLA_SWEEP_BATCH = env_int("TIAOJIE_SLA_SWEEP_BATCH", 500)

# --- Celery beat: all periodic work, in one place -------------------------------------------
# The audit log (docs/personal-data-audit.md): an entry that is its own transaction (sign-in,
# download) commits without waiting for the WAL flush; entries written with a change are as
# durable as the change. Off: every entry waits for the flush (docs/benchmarks.md, "Audit log").
AUDIT_ASYNC_COMMIT = env_bool("TIAOJIE_AUDIT_ASYNC_COMMIT", True)

CELERY_BEAT_SCHEDULE = {
    # The outbox sweeper: notifications due and undelivered are queued again (docs/features/notifications.md).
    "notifications-sweep": {"task": "notifications.tasks.sweep", "schedule": float(NOTIFY_SWEEP_SECONDS)},
    # Deadlines are swept from indexed columns every minute, never scheduled as long ETAs
    # (on Redis a task whose ETA passes the visibility timeout runs twice).
    "sla-sweep": {"task": "disputes.tasks.sweep_deadlines", "schedule": 60.0, "options": {"expires": 55}},
    # Requests for information: the party reminded a day ahead, the handler told once overdue.
    "info-requests": {"task": "disputes.tasks.sweep_information_requests", "schedule": 15 * 60.0},
    # Judicial confirmation: reminders before the 30-day window closes, then expiry.
    "judicial-deadlines": {"task": "mediation.tasks.sweep_judicial_deadlines", "schedule": 15 * 60.0},
    # Signed PDFs no row points to (a signing whose transaction failed), an hour old.
    "orphan-pdfs": {"task": "mediation.tasks.remove_orphan_pdfs", "schedule": 3600.0},
    # Retention: what is past its period in RETENTION is deleted or anonymised, once a day.
    "retention": {"task": "mediation.tasks.apply_retention", "schedule": 24 * 3600.0},
    # The audit log's head timestamped by the platform TSA; the whole chain checked every night
    # (docs/personal-data-audit.md).
    "audit-anchor": {
        "task": "mediation.tasks.anchor_audit_log",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
    # The issuing CA's CRL, republished well before its nextUpdate (docs/features/trust-services.md).
    "crl-publish": {
        "task": "mediation.tasks.publish_crl",
        "schedule": float(env_int("TIAOJIE_CRL_REPUBLISH_SECONDS", 6 * 3600)),
        "options": {"expires": 600},
    },
    "audit-verify": {"task": "mediation.tasks.verify_audit_log", "schedule": crontab(hour=3, minute=17)},
    # The cockpit's risk rules, once a day after the week's and the day's filings are in.
    "risk-alerts": {"task": "disputes.tasks.evaluate_risk", "schedule": crontab(hour=6, minute=7)},
    # Mediation sessions' reminders, the day before and an hour before (docs/features/sessions.md).
    "session-reminders": {"task": "mediation.tasks.send_session_reminders", "schedule": 300.0},
}

# --- Retention of personal data (docs/personal-data-retention.md) ----------------------
# Days each kind of record is kept, counted from the event named; past it the daily task
# (mediation.privacy.retention) deletes or anonymises it. Each is overridable by
# TIAOJIE_RETENTION_<KIND>_DAYS. The audit log (core.AuditEntry) is never purged by the
# application: it is kept at least six months (Cybersecurity Law art. 21) and longer by
# the operator's archive policy.
RETENTION = {
    # Rejected, withdrawn or closed disputes, from closed_at: the parties' names, phones,
    # email and addresses are anonymised; the case's content, timeline and agreements stay.
    "disputes": env_int("TIAOJIE_RETENTION_DISPUTES_DAYS", 3 * 365),
    # Chat messages of such disputes, from closed_at: the bodies are emptied (rows and seq stay).
    "chat": env_int("TIAOJIE_RETENTION_CHAT_DAYS", 3 * 365),
    # Evidence files of such disputes, from closed_at: the rows and the files are deleted.
    "evidence": env_int("TIAOJIE_RETENTION_EVIDENCE_DAYS", 3 * 365),
    # Notifications (inbox, SMS and email outbox) from delivery, or from creation if they failed.
    "notifications": env_int("TIAOJIE_RETENTION_NOTIFICATIONS_DAYS", 180),
    # SMS codes (verification, signing, password reset) from issue.
    "phone_codes": env_int("TIAOJIE_RETENTION_PHONE_CODES_DAYS", 30),
    # Sign-in records of django-axes (attempts, failures, the access log: username, address,
    # browser) from the attempt.
    "sign_in_logs": env_int("TIAOJIE_RETENTION_SIGN_IN_LOGS_DAYS", 180),
    # Expired API tokens, sessions, websocket tickets and stale chat presence, from expiry.
    "credentials": env_int("TIAOJIE_RETENTION_CREDENTIALS_DAYS", 1),
}
# Rows per transaction of the retention task (bounded memory and lock time).
RETENTION_BATCH = env_int("TIAOJIE_RETENTION_BATCH", 500)

# --- API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first, so a request without credentials gets 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "core.api.LimitedJSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # Throttles read the client from REMOTE_ADDR unless proxies are configured (PROXY_COUNT).
    "NUM_PROXIES": PROXY_COUNT,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "auth": os.environ.get("TIAOJIE_AUTH_RATE", "30/min"),
        "filing": os.environ.get("TIAOJIE_FILING_RATE", "30/hour"),
        # Place suggestions as one types (docs/features/places.md): a few per keystroke.
        "places": os.environ.get("TIAOJIE_PLACES_RATE", "240/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tiaojie API",
    "DESCRIPTION": "Online dispute resolution: filing, intake, mediation, escalation.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR", "ENUM_NAME_OVERRIDES": {"PartyEnum": "disputes.models.parties.Side", "PartyKindEnum": "disputes.models.parties.DisputeParty.Kind", "RepresentativeKindEnum": "disputes.models.parties.Representative.Kind"},
}  # fmt: skip

# --- Security (production: put daphne behind a TLS proxy and set these) -----------------
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG and bool(DATABASE_URL))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY", False) else None
)
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# X-Forwarded-Proto is the only forwarded header Django trusts, and only with DJANGO_BEHIND_PROXY;
# USE_X_FORWARDED_HOST and USE_X_FORWARDED_PORT stay False (docs/security.md).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp, docs/security.md): scripts only from this origin or
# carrying the request's nonce (`{{ request.csp_nonce }}`); never inline handlers. Styles keep
# 'unsafe-inline': the vendored API docs (Swagger UI, Redoc) inject <style> elements at run
# time, and a style cannot run script.
_SELF, _NONE = "'self'", "'none'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF, NONCE],
        "style-src": [_SELF, "'unsafe-inline'"],
        "img-src": [_SELF, "data:"],
        "font-src": [_SELF, "data:"],
        # 'self' covers the same origin's ws:// and wss:// (chat, live notices).
        "connect-src": [_SELF],
        "worker-src": [_SELF, "blob:"],
        # Voice notes: a recording is previewed from a blob: URL before it is sent.
        "media-src": [_SELF, "blob:"],
        "object-src": [_NONE],
        "base-uri": [_NONE],
        "form-action": [_SELF],
        "frame-ancestors": [_NONE],
    },
}
# Browser features the site never uses (core.headers.SecurityHeadersMiddleware).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), payment=(), usb=()"
)

# Every handler masks phone numbers, ID numbers, codes, session keys, websocket tickets and
# API tokens in what it writes (core.logfilters, docs/personal-data-rights.md); Celery's
# worker and beat use this configuration too (config/celery.py), daphne's access log is
# masked in config/asgi.py.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_data": {"()": "core.logfilters.PersonalDataFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["personal_data"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("TIAOJIE_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.channels.server": {"level": "WARNING"},
        # WeasyPrint logs every rendering step (and its own stylesheets at import) at INFO.
        "weasyprint.progress": {"level": "WARNING"},
        # pyHanko logs every OCSP and CRL fetch of every signature at INFO.
        "pyhanko": {"level": "WARNING"},
        "pyhanko_certvalidator": {"level": "WARNING"},
        # fontTools reports every glyph subset of every visible signature's stamp at INFO.
        "fontTools": {"level": "WARNING"},
    },
}

# --- Mediation chat (docs/chat-protocol.md) ---------------------------------------------------------
CHAT_MAX_BODY = 4000  # characters of one message
# Frames a connection may send per second (a burst of the same size), then `rate_limited`.
CHAT_RATE = env_int("TIAOJIE_CHAT_RATE", 10)
# A socket counts as online while its heartbeat is younger than this (seconds); a dead
# process's sockets drop out of presence after it. Heartbeats run every third of it.
CHAT_PRESENCE_TTL = env_int("TIAOJIE_CHAT_PRESENCE_TTL", 60)
CHAT_TICKET_TTL = 60  # seconds a websocket ticket stays valid
CHAT_SYNC_BATCH = 500  # messages read from the database per batch when answering `sync`
# Voice notes in the chat (docs/chat-protocol.md, "Voice notes"): bytes and milliseconds at most.
CHAT_VOICE_MAX_BYTES = 5 * 1024 * 1024
CHAT_VOICE_MAX_MS = 3 * 60 * 1000

# --- settlement signing (docs/features/settlements.md) ---------------------------------------------------------
# The platform's public certificates (root, issuing CA, TSA, committee seals); the private keys
# live in the PKCS#11 token below. Made on first use or by `manage.py init_pki`.
PKI_DIR = Path(os.environ.get("TIAOJIE_PKI_DIR", VAR_DIR / "pki"))
# The PKCS#11 token holding the CA, TSA and seal keys (docs/features/signatures.md, "Keys in the
# token"): SoftHSM2 in the embedded default, a hardware module in a deployment.
PKCS11_MODULE = os.environ.get("TIAOJIE_PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so")
PKCS11_TOKEN = os.environ.get("TIAOJIE_PKCS11_TOKEN", "tiaojie")
PKCS11_PIN = data_key_setting("TIAOJIE_PKCS11_PIN")
PKCS11_SO_PIN = data_key_setting("TIAOJIE_PKCS11_SO_PIN")
if "softhsm" in Path(PKCS11_MODULE).name.lower() and not os.environ.get("SOFTHSM2_CONF"):
    # The embedded default's SoftHSM keeps its token under var/; the library reads this
    # variable when it loads, and the processes started from here inherit it.
    _softhsm = VAR_DIR / "softhsm"
    (_softhsm / "tokens").mkdir(parents=True, exist_ok=True, mode=0o700)
    _softhsm.chmod(0o700)
    if not (_softhsm / "softhsm2.conf").exists():
        (_softhsm / "softhsm2.conf").write_text(
            f"directories.tokendir = {_softhsm / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
        )
    os.environ["SOFTHSM2_CONF"] = str(_softhsm / "softhsm2.conf")
# How long a signer's one-signing (event) certificate is valid.
PKI_EVENT_CERT_LIFETIME = timedelta(days=1)
# The trust services (docs/features/trust-services.md): a process of their own (config/trust_asgi.py,
# started by scripts/serve) answering RFC 3161 timestamps, the CRL, the CA certificates and OCSP.
TRUST_PORT = env_int("TIAOJIE_TRUST_PORT", 8001)
# Where the trust process serves the CRL, OCSP and the issuing CA's certificate (baked into
# each end-entity certificate).
PKI_BASE_URL = os.environ.get("TIAOJIE_PKI_BASE_URL", f"http://127.0.0.1:{TRUST_PORT}").rstrip("/")
TSA_URL = os.environ.get("TIAOJIE_TSA_URL", f"http://127.0.0.1:{TRUST_PORT}/tsa/")
# What the main application publishes for the trust process: the CRL and the revocation status.
TRUST_PUBLISH_DIR = Path(os.environ.get("TIAOJIE_TRUST_PUBLISH_DIR", VAR_DIR / "pki" / "crl"))
# A CRL is valid this long; beat republishes it every TIAOJIE_CRL_REPUBLISH_SECONDS (6 h, well before).
CRL_LIFETIME = timedelta(hours=env_int("TIAOJIE_CRL_LIFETIME_HOURS", 24))
OCSP_LIFETIME = timedelta(hours=1)

# --- Settlements: PDF cache and judicial confirmation (司法确认) -------------------------
# Rendered PDFs (drafts, unsigned applications) are cached by the SHA-256 of their HTML.
PDF_CACHE_SECONDS = env_int("TIAOJIE_PDF_CACHE_SECONDS", 7 * 24 * 3600)
# The case file and referral letter render off the request (docs/security.md, "PDFs and long
# documents"): seconds of CPU and wall clock per render; a job still pending 60 s after that
# (its worker died) is queued again when its reader asks.
PDF_RENDER_SECONDS = env_int("TIAOJIE_PDF_RENDER_SECONDS", 120)
# People's Mediation Law art. 33: the parties apply jointly within 30 days of the agreement
# taking effect (reminders 7 days and 1 day before it closes).
JUDICIAL_WINDOW_DAYS = 30
