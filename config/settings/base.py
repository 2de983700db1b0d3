"""Settings shared by every environment. Everything a deployment changes is
read from the environment (django-environ); local defaults are safe ones."""

from datetime import timedelta
from pathlib import Path

import environ
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"))

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "health_check",
    "core",
    # After core: the project's admin templates override the admin's own.
    "core.admin_site.ScreeningAdminConfig",
    "rubrics",
    "screening",
    "calibration",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: it answers for a locked-out login that the views below refused.
    "axes.middleware.AxesMiddleware",
]

# --- Sign-in: lockout, client address -------------------------------------
# A username, or an address, with AXES_FAILURE_LIMIT wrong passwords in a row is
# refused (even with the right password) until AXES_COOLOFF_MINUTES pass or
# `manage.py axes_reset_username NAME` / `axes_reset_ip ADDRESS` lifts it. The
# same count covers the admin's sign-in form, the API's token login and basic auth.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Not reset by a successful sign-in: axes would clear the address's failures against
# every username, so 9 guesses at someone else's password, a sign-in to one's own
# account, and 9 more would never lock. Failures expire after the cool-off instead.
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "core.security.client_ip"
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
# How many reverse proxies in front of the app append to X-Forwarded-For (0: none,
# the client's address is REMOTE_ADDR). Set it to the real number, never more:
# the addresses a client sends itself are to the left of what the proxies add.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

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
            ],
        },
    },
]

# Database: SQLite is the embedded default; DATABASE_URL (postgres://...)
# selects PostgreSQL through psycopg 3.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # select_for_update() is a no-op on SQLite, so writers take the database
    # lock when their transaction begins (IMMEDIATE) instead of failing
    # half-way; WAL lets readers go on while one writer works.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# Shorter dates and 24-hour times (core/formats/en/formats.py).
FORMAT_MODULE_PATH = ["core.formats"]
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Candidate documents: stored through the default storage (the filesystem under
# MEDIA_ROOT by default) and served only by authenticated views, never from a public URL,
# so there is no MEDIA_URL to serve them from.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
# With SCREENING_S3_BUCKET, an S3-compatible bucket instead (django-storages; AWS, MinIO,
# Ceph...). Objects are private and never overwritten; the views stream them to the signed-in
# reader, so no URL to an object is ever handed out (a signed one, were one made, would
# expire in a minute). Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or whatever
# boto3 finds itself (an instance role) when they are unset.
SCREENING_S3_BUCKET = env("SCREENING_S3_BUCKET", default="")
if SCREENING_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": SCREENING_S3_BUCKET,
            "location": env("SCREENING_S3_PREFIX", default=""),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env("AWS_S3_REGION_NAME", default="") or None,
            "access_key": env("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env("AWS_SECRET_ACCESS_KEY", default="") or None,
            "addressing_style": env("AWS_S3_ADDRESSING_STYLE", default="") or None,
            "signature_version": "s3v4",
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 60,
            "file_overwrite": False,
            "custom_domain": None,
        },
    }
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
DOCUMENT_MAX_PAGES = env.int("DOCUMENT_MAX_PAGES", default=50)
# A ZIP of documents sent with the candidate import: its size, and (a guard against ZIP
# bombs) what it may unpack to and how many entries it may hold.
DOCUMENT_ZIP_MAX_BYTES = env.int("DOCUMENT_ZIP_MAX_BYTES", default=100 * 1024 * 1024)
DOCUMENT_ZIP_MAX_UNPACKED_BYTES = env.int(
    "DOCUMENT_ZIP_MAX_UNPACKED_BYTES", default=250 * 1024 * 1024
)
DOCUMENT_ZIP_MAX_FILES = env.int("DOCUMENT_ZIP_MAX_FILES", default=1000)

REDIS_URL = env("REDIS_URL", default="")

VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="rubrics@localhost")
# SMTP, used when EMAIL_BACKEND is django.core.mail.backends.smtp.EmailBackend.
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# Where links in emails point.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

LOGIN_URL = "admin:login"

# Cache: Redis when configured (shared by every process: the calibration
# debounce relies on it), else in-process memory.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("CACHE_URL", default=REDIS_URL),
            "KEY_PREFIX": "rubrics",
            # A cache that is down fails fast, not after the OS's connect timeout.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- REST API -------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "core.api.auth.TokenAuthentication",
    ],
    # Per signed-in user and per address for anonymous callers; the token login has
    # its own, stricter rate. Rates are "N/second|minute|hour|day".
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api.throttling.AnonRateThrottle",
        "core.api.throttling.UserRateThrottle",
        "core.api.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="60/minute"),
        "user": env("API_THROTTLE_USER", default="1200/minute"),
        "login": env("API_THROTTLE_LOGIN", default="10/minute"),
    },
    "NUM_PROXIES": env.int("TRUSTED_PROXY_COUNT", default=0),
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": [
        "core.api.filters.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "core.api.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# API tokens: only a SHA-512 digest is stored; a token expires API_TOKEN_DAYS after it
# is made. `manage.py create_token USERNAME` prints one (once); /api/v1/auth/ lists and
# revokes a user's own.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_DAYS", default=30)),
    "TOKEN_LIMIT_PER_USER": env.int("API_TOKEN_LIMIT_PER_USER", default=10),
    "AUTO_REFRESH": False,
}
# Adverse-impact analysis (reports/impact/): groups smaller than this are merged into
# "other / not shown" (or not shown at all) so no candidate can be singled out. The
# categories asked about default to reports/impact/categories.py DEFAULT_CATEGORIES.
IMPACT_MINIMUM_GROUP_SIZE = env.int("IMPACT_MINIMUM_GROUP_SIZE", default=5)
# Retention: a candidate's personal data is erased this many months after the last of
# their postings closed (a posting's own retention_months overrides it), unless held.
SCREENING_RETENTION_MONTHS = env.int("SCREENING_RETENTION_MONTHS", default=24)
API_BAD_CREDENTIALS_PER_MINUTE = env.int("API_BAD_CREDENTIALS_PER_MINUTE", default=20)
SPECTACULAR_SETTINGS = {
    "TITLE": "Screening rubric service",
    "DESCRIPTION": "Job postings turned into weighted screening rubrics.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.document_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "PostingStatusEnum": "rubrics.models.JobPosting.Status",
        "ScorecardStatusEnum": "screening.models.Scorecard.Status",
        "CalibrationRunStatusEnum": "calibration.models.CalibrationRun.Status",
        "CalibrationSessionStatusEnum": "calibration.models.CalibrationSession.Status",
        "CriterionKindEnum": "rubrics.models.Criterion.Kind",
        "CriterionTypeEnum": "rubrics.models.Criterion.Type",
    },
}

# --- Celery ---------------------------------------------------------------
# With no broker configured, tasks run eagerly in-process (embedded default);
# REDIS_URL or CELERY_BROKER_URL sends them to a real worker.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
BROKER_CONFIGURED = bool(CELERY_BROKER_URL)
if not BROKER_CONFIGURED:
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env(
    "CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL if BROKER_CONFIGURED else None
)
CELERY_TIMEZONE = TIME_ZONE
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=15 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=14 * 60)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The broker and the result store are optional at request time: a request that queues a
# task (a submission's calibration, a run started by hand) gives up within about a second
# when Redis is down, logs it and answers anyway; the work is picked up later (the
# nightly run, or the sweep of runs that could not be sent). The worker itself keeps
# reconnecting as before.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=1.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
    "socket_connect_timeout": 0.5,
    "socket_timeout": 0.5,
    # A task not acknowledged within this long (its worker died) is given to another
    # worker. Keep it above CELERY_TASK_TIME_LIMIT plus the longest countdown (about
    # 1,200 s here), or a slow run would be started twice.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 0.5
CELERY_REDIS_SOCKET_TIMEOUT = 0.5
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.2,
    }
}
# Queues per task kind. Calibration runs (seconds of CPU and a few hundred MB each at a
# million ratings) have a queue of their own, so a worker with bounded concurrency can
# serve them apart (docker-compose.yml, profile "scale"); mail (digests, reminders) has
# another, so a slow mail server holds nothing else up; everything else, the beat's
# fan-out tasks among them, stays on the default queue. Every queue is declared, so a
# worker started without -Q consumes them all; WORKER_QUEUES is the list to give -Q.
# TASK_QUEUE_PREFIX names them apart when several deployments (or test sessions) share
# one Redis.
TASK_QUEUE_PREFIX = env("TASK_QUEUE_PREFIX", default="")
TASK_QUEUES = {kind: f"{TASK_QUEUE_PREFIX}{kind}" for kind in ("celery", "calibration", "mail")}
CELERY_TASK_DEFAULT_QUEUE = TASK_QUEUES["celery"]
CELERY_TASK_QUEUES = tuple(Queue(name, routing_key=name) for name in TASK_QUEUES.values())
WORKER_QUEUES = tuple(TASK_QUEUES.values())
CELERY_TASK_ROUTES = {
    "calibration.tasks.calibrate_rubric": {"queue": TASK_QUEUES["calibration"]},
    "reports.tasks.send_digest": {"queue": TASK_QUEUES["mail"]},
    "reports.tasks.send_reminder": {"queue": TASK_QUEUES["mail"]},
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Calibration: a submission schedules a run this many seconds later; further
# submissions in that window join the same run.
CALIBRATION_DEBOUNCE_SECONDS = env.int("CALIBRATION_DEBOUNCE_SECONDS", default=60)
CALIBRATION_ON_SUBMIT = env.bool("CALIBRATION_ON_SUBMIT", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # Lockouts are logged as warnings; axes' start-up banner is not news.
    "loggers": {"axes": {"level": "WARNING"}},
}
