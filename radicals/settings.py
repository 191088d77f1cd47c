"""Radicals settings: one file, every deployment knob read from the environment.

Development defaults are safe and need nothing set: with no DATABASE_URL /
REDIS_URL the embedded PostgreSQL and Redis under var/ are used. Production
(DJANGO_DEBUG=false) refuses to start without the variables it needs. Every
variable is listed in the README's configuration table.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env(
        "DJANGO_SECRET_KEY",
        default="development-only-secret-key-never-used-in-production-0123456789",
    )
else:
    SECRET_KEY = env("DJANGO_SECRET_KEY")

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- Data stores -----------------------------------------------------------
# The embedded servers are for development and tests only: production must
# name its own.
if env("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
elif DEBUG:
    from radicals import embedded

    DATABASES = {"default": embedded.postgres_settings()}
else:
    raise ImproperlyConfigured("Set DATABASE_URL: the embedded PostgreSQL is for development only.")

# A new connection costs its first request about 12 ms (the connection, a cold server
# process's catalogues, the prepared reads prepared again): kept ten minutes, each
# worker pays it once in ten minutes rather than every minute. Health checks drop a
# connection the server has closed.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", default=None)}
# DATABASE_POOLED: DATABASE_URL points at a pooler in transaction mode (PgBouncer,
# docker-compose.yml), which hands each transaction whichever server connection is
# free. Nothing may then outlive a transaction on the server: no server-side cursors
# (exports page through ids instead, still a chunk at a time), no session advisory
# locks (the code takes transaction-level ones only), and no prepared statements
# (psycopg2 never prepares; the driver's server-side binding stays off).
DATABASE_POOLED = env.bool("DATABASE_POOLED", default=False)
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASE_POOLED
# The hottest hand-written reads are prepared once per connection (kernel/prepared.py),
# which a pooler in transaction mode cannot carry: off by default behind one.
DATABASE_PREPARED_READS = env.bool("DATABASE_PREPARED_READS", default=not DATABASE_POOLED)

# A read replica (a streaming standby of the primary), for the heavy reads only: report
# dashboards, exports, open data, the network (kernel/replica.py). Unset: one database.
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    # A replica that cannot be reached costs this many seconds, then is left alone.
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = env.int(
        "REPLICA_CONNECT_TIMEOUT", default=2
    )
    # Tests read the primary's test database through it (no database of its own).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["kernel.replica.ReplicaRouter"]
# After a member (or a request or task) writes, their reads stay on the primary for this
# many seconds, so they see their own changes however far the replica lags.
REPLICA_STICKY_SECONDS = env.int("REPLICA_STICKY_SECONDS", default=10)
# After the replica fails, reads go to the primary for this many seconds before it is
# tried again.
REPLICA_RETRY_AFTER = env.float("REPLICA_RETRY_AFTER", default=5.0)

if env("REDIS_URL", default=""):
    REDIS_URL = env("REDIS_URL")
elif DEBUG:
    from radicals import embedded

    REDIS_URL = embedded.redis_url()
else:
    raise ImproperlyConfigured("Set REDIS_URL: the embedded Redis is for development only.")


def _origin(url: str) -> str:
    """scheme://host[:port] of an address, as a CSP source."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _redis_db(url: str, db: int) -> str:
    """The same Redis server with another logical database number."""
    base, _, last = url.rpartition("/")
    if base.count("/") >= 2 and last.split("?")[0].isdigit():
        return f"{base}/{db}"
    return f"{url.rstrip('/')}/{db}"


CACHES = {
    "default": {
        # Django's Redis backend, keeping one client per pool (radicals/cache.py).
        "BACKEND": "radicals.cache.RedisCache",
        "LOCATION": env("CACHE_URL", default=_redis_db(REDIS_URL, 1)),
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="radicals"),
        "TIMEOUT": 300,
        # Short timeouts: an unreachable cache is a miss, not a slow page (radicals/cache.py).
        "OPTIONS": {
            "socket_connect_timeout": env.float("CACHE_CONNECT_TIMEOUT", default=0.25),
            "socket_timeout": env.float("CACHE_SOCKET_TIMEOUT", default=0.25),
        },
    }
}
# After a failed cache call a process leaves Redis alone for this many seconds (every
# read a miss, every write skipped), then tries again.
CACHE_RETRY_AFTER = env.float("CACHE_RETRY_AFTER", default=5.0)
# The longest any cache key lives: "keep for ever" (a timeout of None) means this, so
# every cache key has a TTL and Redis' volatile-lru policy can evict only cache keys.
CACHE_MAX_TIMEOUT = env.int("CACHE_MAX_TIMEOUT", default=60 * 60 * 24 * 30)

# --- Applications ----------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.usersessions",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "members",
    "notifications",
    "communities",
    "pledges",
    "stories",
    "learning",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "radicals.middleware.PermissionsPolicyMiddleware",
    "radicals.middleware.RejectNulBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The language is chosen before any cached page is looked up: keys carry it.
    "kernel.i18n.LanguageMiddleware",
    # Anonymous copies of a few pages and the HTTP caching headers (kernel.caching).
    "kernel.caching.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Read-your-writes: a member who has just written reads the primary (kernel.replica).
    "kernel.replica.ReplicaMiddleware",
    # A signed-in member's profile language (when they chose one) wins.
    "kernel.i18n.MemberLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Sessions unused for SESSION_IDLE_MINUTES are logged out, with a message.
    "kernel.sessions.IdleSessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    # Share links (?ref=<token>): remembers who invited a visitor, for attribution.
    "reports.middleware.ReferralMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "radicals.urls"
WSGI_APPLICATION = "radicals.wsgi.application"
# Objects a web process allocates before its youngest garbage-collected generation is
# collected (kernel/heap.py); 0 keeps Python's own (700).
WEB_GC_THRESHOLD = env.int("WEB_GC_THRESHOLD", default=10_000)

# Jinja2 renders the product's pages with NHS.UK components (nhsuk-frontend-jinja);
# the Django engine renders allauth and admin, which take their page chrome from
# the same Jinja partials through the `chrome` template tag.
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "radicals.jinja2.environment",
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
                "radicals.context_processors.chrome",
            ],
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "radicals.context_processors.chrome",
            ],
            "builtins": ["radicals.templatetags.chrome"],
        },
    },
]

# --- Accounts --------------------------------------------------------------
AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        # ASVS 2.1.1: at least 12 characters. CommonPasswordValidator checks Django's
        # offline list of 20,000 common and breached passwords.
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Radicals] "
ACCOUNT_SIGNUP_FORM_CLASS = "members.forms.SignupExtraForm"
ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    # Five failed logins for one email in five minutes; the sixth is refused.
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_PROVIDERS = {}
if env("OIDC_CLIENT_ID", default=""):
    # Single sign-on (for example NHS login or a trust's identity provider),
    # switched on only by these variables.
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [
            {
                "provider_id": env("OIDC_PROVIDER_ID", default="sso"),
                "name": env("OIDC_NAME", default="Single sign-on"),
                "client_id": env("OIDC_CLIENT_ID"),
                "secret": env("OIDC_CLIENT_SECRET", default=""),
                "settings": {"server_url": env("OIDC_SERVER_URL")},
            }
        ]
    }
OIDC_ENABLED = bool(SOCIALACCOUNT_PROVIDERS)

# --- Email -----------------------------------------------------------------
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    # Development: every email lands as a file under var/mail, readable there.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Radicals <no-reply@radicals.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- API -------------------------------------------------------------------
# An API token works for this many days after it was made; a password change or reset,
# deactivation or erasure ends it at once (members.hooks).
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=90)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # Tokens expire after API_TOKEN_DAYS (members.authentication).
        "members.authentication.ExpiringTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "kernel.api.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "kernel.api.exception_handler",
    # Every write, per member and per address, and each view's own scope (RATE_LIMITS).
    "DEFAULT_THROTTLE_CLASSES": ["kernel.ratelimit.RateLimitThrottle"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
# Rate limits (kernel.ratelimit): "<amount>/<period>/<member|ip>", comma-separated, per
# scope; over a limit the web answers a 429 page and the API a 429 with a JSON detail,
# both with Retry-After. If the cache (Redis) is down, limits are not applied.
RATE_LIMITS = {
    # Every API write (POST, PUT, PATCH, DELETE), whatever it is.
    "write": env("RATE_LIMIT_WRITE", default="120/m/member,600/m/ip"),
    "flag": env("RATE_LIMIT_FLAG", default="20/h/member,60/h/ip"),
    "comment": env("RATE_LIMIT_COMMENT", default="10/m/member,60/h/member,120/h/ip"),
    "coauthor_invite": env("RATE_LIMIT_COAUTHOR_INVITE", default="30/h/member,60/h/ip"),
    "invite": env("RATE_LIMIT_INVITE", default="30/h/member,60/h/ip"),
    "certificate_lookup": env(
        "RATE_LIMIT_CERTIFICATE_LOOKUP", default="60/m/member,60/m/ip,600/h/ip"
    ),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Radicals API",
    "DESCRIPTION": "Pledges, communities, change stories and learning for health and care.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/",
    # Swagger UI served from our own static files (drf-spectacular-sidecar), not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "StoryStatusEnum": "stories.models.Story.Status",
        "StoryCoAuthorStatusEnum": "stories.models.CoAuthor.Status",
        "PledgeStatusEnum": "pledges.models.Pledge.Status",
        "PledgeVisibilityEnum": "pledges.models.Pledge.Visibility",
        "MembershipStatusEnum": "communities.models.Membership.Status",
    },
}

# --- Celery ----------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request that queues a task must not hang when the broker is down: connecting and
# each socket read or write give up after a second, and a publish is tried three times
# within about half a second. kernel.queue.enqueue() then logs and carries on; the work
# waits in the database (the outbox, queued exports) for beat's sweeps.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=1.0)
# After a failed publish a process queues nothing for this many seconds (the sweeps
# do that work), so a broker lost on the network does not slow every request.
QUEUE_RETRY_AFTER = env.float("QUEUE_RETRY_AFTER", default=5.0)
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Anything due later than this waits in the database for beat, never as a countdown.
    "visibility_timeout": 3600,
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    # Above the worker's one-second BRPOP poll.
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=2.0),
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# Each kind of work has its own queue, so a long export or a nightly recount never
# holds up a nudge: `email` (the outbox, nudges, digests, invitations, summaries),
# `rollups` (recounts, badges, the network), `exports` (report and personal-data
# files) and `default` (everything else). Production runs a worker per queue
# (docker-compose.yml); `make run` runs one worker that consumes them all.
CELERY_QUEUES_BY_KIND = ("email", "rollups", "exports", "default")
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "notifications.tasks.*": {"queue": "email"},
    "pledges.tasks.notify_*": {"queue": "email"},
    "pledges.tasks.nudge_*": {"queue": "email"},
    "pledges.tasks.tell_author_about_co_signers": {"queue": "email"},
    "pledges.tasks.tell_authors_about_co_signers": {"queue": "email"},
    "learning.tasks.nudge_*": {"queue": "email"},
    "reports.tasks.send_*": {"queue": "email"},
    "reports.tasks.rollups_*": {"queue": "rollups"},
    "reports.tasks.award_badges": {"queue": "rollups"},
    "reports.tasks.refresh_network": {"queue": "rollups"},
    "reports.tasks.run_export": {"queue": "exports"},
    "reports.tasks.start_queued_exports": {"queue": "exports"},
    "members.tasks.*_data_export*": {"queue": "exports"},
}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = env(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule")
)
CELERY_BEAT_SCHEDULE: dict = {}
# A worker writes a heartbeat every minute; /readyz calls the workers "stale" when the
# last one is older than this many seconds.
WORKER_HEARTBEAT_STALE_AFTER = env.int("WORKER_HEARTBEAT_STALE_AFTER", default=300)
CELERY_BEAT_SCHEDULE["worker-heartbeat"] = {
    "task": "radicals.celery.worker_heartbeat",
    "schedule": 60.0,
    # A heartbeat nobody ran in time is worth nothing: drop it rather than queue it up.
    "options": {"expires": 55},
}
# /readyz: answered to anyone when empty (fixed words only), else only to staff and to
# callers sending "Authorization: Bearer <token>".
READINESS_TOKEN = env("READINESS_TOKEN", default="")

# --- Notifications ---------------------------------------------------------
# Emails at most this many per member per day (the daily digest itself is always
# sent); further nudges that day wait for the next daily digest.
NOTIFICATIONS_EMAIL_DAILY_CAP = env.int("NOTIFICATIONS_EMAIL_DAILY_CAP", default=10)
NOTIFICATIONS_DIGEST_HOUR = env.int("NOTIFICATIONS_DIGEST_HOUR", default=7)
# A member's digest the mail server refuses (a full mailbox) is tried this many times
# that day, one try per run, while everyone else's goes out; then given up for the day.
NOTIFICATIONS_DIGEST_MAX_ATTEMPTS = env.int("NOTIFICATIONS_DIGEST_MAX_ATTEMPTS", default=4)
NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE = env.int(
    "NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE", default=60 * 60 * 24 * 60
)
NOTIFICATIONS_EMAIL_MAX_ATTEMPTS = env.int("NOTIFICATIONS_EMAIL_MAX_ATTEMPTS", default=6)
NOTIFICATIONS_SEND_BATCH_SIZE = env.int("NOTIFICATIONS_SEND_BATCH_SIZE", default=200)
# Tests only: a pause before each email, so a worker can be killed in the middle of a batch.
NOTIFICATIONS_SEND_DELAY_SECONDS = env.float("NOTIFICATIONS_SEND_DELAY_SECONDS", default=0.0)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# One name in the API schema for the delivery choice every kind's preference shares.
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})["NotificationDeliveryEnum"] = (
    "notifications.models.Delivery"
)
CELERY_BEAT_SCHEDULE["notifications-send-due"] = {
    "task": "notifications.tasks.send_due_notifications",
    "schedule": 60.0,
}
CELERY_BEAT_SCHEDULE["notifications-daily-digests"] = {
    "task": "notifications.tasks.send_daily_digests",
    "schedule": 60.0 * 15,
}
CELERY_BEAT_SCHEDULE["notifications-organiser-digests"] = {
    "task": "notifications.tasks.send_organiser_digests",
    "schedule": 60.0 * 60,
}

# --- Pledges ---------------------------------------------------------------
# Deadlines and due dates are checked hourly (a date passes once a day, and the jobs
# are idempotent); nudges go out every six hours, each at most once per period.
CELERY_BEAT_SCHEDULE["pledges-expire-threshold-deadlines"] = {
    "task": "pledges.tasks.expire_threshold_deadlines",
    "schedule": 60.0 * 60,
}
# An author hears of the day's co-signers within a minute (one count per pledge
# however many signed: the co-sign itself asks nothing of the broker).
CELERY_BEAT_SCHEDULE["pledges-tell-authors-about-co-signers"] = {
    "task": "pledges.tasks.tell_authors_about_co_signers",
    "schedule": 60.0,
}
CELERY_BEAT_SCHEDULE["pledges-complete-due"] = {
    "task": "pledges.tasks.complete_due_pledges",
    "schedule": 60.0 * 60,
}
CELERY_BEAT_SCHEDULE["pledges-nudge-due-soon"] = {
    "task": "pledges.tasks.nudge_due_soon",
    "schedule": 60.0 * 60 * 6,
}
CELERY_BEAT_SCHEDULE["pledges-nudge-quiet-signers"] = {
    "task": "pledges.tasks.nudge_quiet_signers",
    "schedule": 60.0 * 60 * 6,
}
# The one-tap check-in link in the "how is your pledge going?" email: how many days it
# works (once), and how many times a minute one address may try such links.
CHECK_IN_LINK_MAX_AGE_DAYS = env.int("CHECK_IN_LINK_MAX_AGE_DAYS", default=7)
CHECK_IN_LINK_RATE = env("CHECK_IN_LINK_RATE", default="20/m/ip")

# --- Learning --------------------------------------------------------------
# Members idle this many days in an unfinished module get a nudge (at most weekly).
LEARNING_NUDGE_IDLE_DAYS = env.int("LEARNING_NUDGE_IDLE_DAYS", default=7)
CELERY_BEAT_SCHEDULE["learning-nudge-continue-module"] = {
    "task": "learning.tasks.nudge_continue_module",
    "schedule": 60.0 * 60 * 6,
}

# --- Stories ---------------------------------------------------------------
# How long after posting a member may still change their comment on a story.
STORIES_COMMENT_EDIT_MINUTES = env.int("STORIES_COMMENT_EDIT_MINUTES", default=15)

# --- Reports ---------------------------------------------------------------
# Rollups: the days changed since the last run are recounted every two minutes, and
# every day is recounted nightly (both land on the same numbers). Summary emails go out
# from REPORTS_SUMMARY_HOUR; exports of up to REPORTS_EXPORT_INLINE_ROWS rows download
# at once, bigger ones are prepared in the background and kept REPORTS_EXPORT_KEEP_DAYS.
REPORTS_SUMMARY_HOUR = env.int("REPORTS_SUMMARY_HOUR", default=7)
REPORTS_EXPORT_INLINE_ROWS = env.int("REPORTS_EXPORT_INLINE_ROWS", default=5000)
REPORTS_EXPORT_KEEP_DAYS = env.int("REPORTS_EXPORT_KEEP_DAYS", default=7)
# The network job after the tick refreshes a scope's network at most this often (the
# platform's reads every join and co-sign); the nightly recount refreshes every scope.
REPORTS_NETWORK_REFRESH_MINUTES = env.int("REPORTS_NETWORK_REFRESH_MINUTES", default=10)
# Memory for each sort or hash of a rollup recount (PostgreSQL's work_mem, for that
# transaction only): enough that the full recount's GROUPING SETS hash in memory.
REPORTS_ROLLUP_WORK_MEM = env("REPORTS_ROLLUP_WORK_MEM", default="64MB")
# The planner's cost of reading a page at random, for a rollup recount's transaction:
# 1.1 suits SSDs and data in memory, so a day's events are found through the indexes.
REPORTS_ROLLUP_RANDOM_PAGE_COST = env.float("REPORTS_ROLLUP_RANDOM_PAGE_COST", default=1.1)
CELERY_BEAT_SCHEDULE["reports-rollups-tick"] = {
    "task": "reports.tasks.rollups_tick",
    "schedule": 120.0,
}
# Badges and the movement network of the days the tick recounted, each its own job so
# the tick stays a recount.
CELERY_BEAT_SCHEDULE["reports-award-badges"] = {
    "task": "reports.tasks.award_badges",
    "schedule": 60.0 * 5,
}
CELERY_BEAT_SCHEDULE["reports-refresh-network"] = {
    "task": "reports.tasks.refresh_network",
    "schedule": 60.0 * 5,
}
CELERY_BEAT_SCHEDULE["reports-rollups-full"] = {
    "task": "reports.tasks.rollups_full",
    "schedule": crontab(hour=2, minute=30),
}
# Invitations to colleagues wait in their outbox when the queue or the mail server is away.
CELERY_BEAT_SCHEDULE["reports-send-invite-emails"] = {
    "task": "reports.tasks.send_invite_emails",
    "schedule": 60.0,
}
# Background exports asked for while the broker was away are queued again.
CELERY_BEAT_SCHEDULE["reports-start-queued-exports"] = {
    "task": "reports.tasks.start_queued_exports",
    "schedule": 60.0 * 5,
}
CELERY_BEAT_SCHEDULE["reports-send-summaries"] = {
    "task": "reports.tasks.send_summaries",
    "schedule": 60.0 * 60,
}

# --- Members' data rights -------------------------------------------------
# "Download your data" files live under MEDIA_ROOT/exports/members/ (never serve that
# directory publicly) for this many days; a member may ask this many times a day.
DATA_EXPORT_DAYS = env.int("DATA_EXPORT_DAYS", default=7)
DATA_EXPORT_DAILY_LIMIT = env.int("DATA_EXPORT_DAILY_LIMIT", default=5)
CELERY_BEAT_SCHEDULE["members-expire-data-exports"] = {
    "task": "members.tasks.expire_data_exports",
    "schedule": 60.0 * 60,
}

# --- Internationalisation --------------------------------------------------
# English and Welsh (Welsh Language Standards). A visitor's language comes from the
# `lang` query parameter, then the language cookie (set by the header's switch), then
# their browser's Accept-Language; a member's profile language wins once signed in
# (radicals.i18n). Catalogues live in locale/ and are compiled by `make install`.
LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English"), ("cy", "Cymraeg")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "radicals_language"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files ----------------------------------------------------------
# Front-end packages come from npm at set-up (never committed) and are served
# from node_modules by staticfiles, then by WhiteNoise after collectstatic.
STATIC_URL = "/static/"
STATIC_ROOT = env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [BASE_DIR / "static"] + [
    (prefix, path)
    for prefix, path in [
        ("nhsuk", NODE_MODULES / "nhsuk-frontend" / "dist" / "nhsuk"),
        ("htmx", NODE_MODULES / "htmx.org" / "dist"),
        ("chartjs", NODE_MODULES / "chart.js" / "dist"),
    ]
    if path.exists()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("DJANGO_STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = env("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "/media/"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Security --------------------------------------------------------------
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=60 * 60 * 24 * 14)
# A session unused for this many minutes is logged out (kernel.sessions); staff and
# superusers, who can do more harm, after the shorter STAFF_SESSION_IDLE_MINUTES.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=60)
STAFF_SESSION_IDLE_MINUTES = env.int("STAFF_SESSION_IDLE_MINUTES", default=15)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp): only our own scripts, styles and images run;
# no inline script or style, no eval, no plugins, and no page may frame us. Every
# template keeps to it (tests/security/test_csp.py parses each main page for inline
# code). The one outside source is NHS.UK's Frutiger web font, which nhsuk-frontend's
# stylesheet loads from assets.nhs.uk (fonts cannot run code; without it pages fall
# back to Arial).
CSP_FONT_SOURCES = env.list("CSP_FONT_SOURCES", default=["https://assets.nhs.uk"])
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", *CSP_FONT_SOURCES],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        # Single sign-on posts to our own login URL, which redirects to the identity
        # provider; browsers apply form-action to that redirect too.
        "form-action": ["'self'", *([_origin(env("OIDC_SERVER_URL"))] if OIDC_ENABLED else [])],
        "frame-ancestors": ["'none'"],
    },
}
# Browser features no page of ours uses are switched off for every page.
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
)
if env.bool("DJANGO_BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

# Demo accounts are printed and loaded only in development.
DEMO_DATA_ALLOWED = DEBUG

# Every cache and its contract: kernel/caching/__init__.py.
# The home, a community's and a pledge's page are served to visitors who are not signed
# in from the cache for this many seconds (kernel.caching.pages); 0 switches it off, as
# in development, where a change must show at once.
ANONYMOUS_PAGE_CACHE_SECONDS = env.int("ANONYMOUS_PAGE_CACHE_SECONDS", default=0 if DEBUG else 5)
# A pledge's and a community's page are kept longer, because every change to what they
# show drops the copy at once (kernel.caching.changed); the seconds bound only what is
# not dropped (the community's rolled-up totals, a theme's name).
ANONYMOUS_PURGED_PAGE_CACHE_SECONDS = env.int("ANONYMOUS_PURGED_PAGE_CACHE_SECONDS", default=300)
# Count every cache layer's hits and misses into Redis (kernel.caching.stats).
CACHE_STATS = env.bool("CACHE_STATS", default=False)
# Sessions live in the database: signing in and staying signed in never depend on
# Redis, which is only a cache and a broker.
SESSION_ENGINE = env("DJANGO_SESSION_ENGINE", default="django.contrib.sessions.backends.db")

# The benchmarks' reference views (benchmarks/views.py) under /bench/: only for
# `make bench`, which switches them on for its own server. Never in production.
BENCHMARK_VIEWS = env.bool("BENCHMARK_VIEWS", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"pgserver": {"level": "WARNING"}},
}
