"""One settings module, driven by the environment (see README "Configuration").

Defaults are the embedded ones, so a fresh clone runs with no server: SQLite, the in-memory
channel layer and the database search backend. Setting DATABASE_URL, REDIS_URL or
ELASTICSEARCH_URL moves the same code onto PostgreSQL, Redis and Elasticsearch.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.management.utils import get_random_secret_key
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

_DEV_SECRET_FILE = BASE_DIR / ".dev-secret-key"


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    # Dev-safe default: a random key kept beside the project so sessions survive restarts.
    # Production sets SECRET_KEY (check --deploy insists on a strong one).
    try:
        return _DEV_SECRET_FILE.read_text().strip()
    except FileNotFoundError:
        key = get_random_secret_key()
        try:
            _DEV_SECRET_FILE.write_text(key)
        except OSError:
            pass
        return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # daphne first, so `runserver` serves WebSockets too.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "taggit",
    "csp",
    # The project shell (settings, urls, asgi, the API root) is no app: it only mounts these.
    "community.core",
    "profiles",
    "community.notifications",
    "community.network",
    "search",
    "messaging",
    "community.helpboard",
    "community.moderation",
    "community.digest",
    "community.demo",
    "huey.contrib.djhuey",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Cache-Control: no-store on the pages of one member's private data (the list is there).
    "community.core.private_pages.PrivatePagesMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "profiles.i18n.MemberLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "community.urls"
ASGI_APPLICATION = "community.asgi.application"
WSGI_APPLICATION = None

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
                "django.template.context_processors.i18n",
                "messaging.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while the chat writes; a busy timeout instead of "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # Opening an SQLite file in WAL mode costs ~2 ms here, and every chat frame goes through
    # database_sync_to_async, which closes expired connections: keep them (no server to tie up).
    if "DATABASE_CONN_MAX_AGE" not in os.environ:
        DATABASES["default"]["CONN_MAX_AGE"] = 600
# SQLite: checkpoint the write-ahead log from a background thread every this many seconds
# instead of inside a commit (community/sqlite_wal.py); 0 leaves it to SQLite.
SQLITE_CHECKPOINT_SECONDS = float(os.environ.get("SQLITE_CHECKPOINT_SECONDS", "1"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "profiles.Member"
# The moderators' suspensions and bans apply at login and to every open session.
AUTHENTICATION_BACKENDS = ["profiles.backends.MemberBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Channels: in-memory by default (one process); channels-redis when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
# Each process reads every chat frame for its sockets through one relay channel
# (messaging/relay.py): it holds a burst for all of them, not for one socket.
RELAY_CHANNEL_CAPACITY = {"*!relay*": 10_000}
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 reads with a 5 s socket timeout by default, which kills the layer's
                # blocking 5 s BZPOPMIN on every idle socket (channels_redis#422): allow longer.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15}],
                # Set deliberately: a consumer that falls this far behind loses frames and
                # recovers them through `seq` gaps and `sync`; groups outlive a long session.
                "capacity": 500,
                "channel_capacity": RELAY_CHANNEL_CAPACITY,
                "expiry": 60,
                "group_expiry": 86400,
            },
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "messaging.layers.InProcessChannelLayer",
            "CONFIG": {
                "capacity": 500,
                "channel_capacity": RELAY_CHANNEL_CAPACITY,
                "expiry": 60,
                "group_expiry": 86400,
            },
        }
    }

# Search: the database backend (SQLite FTS5 / PostgreSQL full text) unless ELASTICSEARCH_URL is set.
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
ELASTICSEARCH_INDEX_PREFIX = os.environ.get("ELASTICSEARCH_INDEX_PREFIX", "coworking")
SEARCH_BACKEND = "elasticsearch" if ELASTICSEARCH_URL else "database"
# How often each web process retries the index updates a search server missed (0: never; then
# `search_index --retry` or the next profile change sends them).
SEARCH_OUTBOX_RETRY_SECONDS = float(os.environ.get("SEARCH_OUTBOX_RETRY_SECONDS", "30"))
# Seconds a help request stays open before its author is asked "Solved?" even with no reply
# (a reply or an offer asks at once).
HELP_SOLVED_PROMPT_AFTER = int(os.environ.get("HELP_SOLVED_PROMPT_AFTER", str(24 * 3600)))
# Which server ELASTICSEARCH_URL is: "auto" asks it (GET /, once), "elasticsearch" (8.x) or
# "opensearch" (2.x) say so. OpenSearch gets the client adapted in search/backends/elasticsearch.py.
ELASTICSEARCH_FLAVOR = os.environ.get("ELASTICSEARCH_FLAVOR", "auto").strip().lower()
# Extra keyword arguments for the Elasticsearch client (basic_auth, ca_certs, request_timeout...).
ELASTICSEARCH_CLIENT_OPTIONS: dict = {}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("nl", _("Dutch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Brussels"
# Dates as Belgium writes them in all three languages (dd/mm/yyyy, 24-hour clock): community/formats/.
FORMAT_MODULE_PATH = ["community.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# The base layout's own files (site CSS and JS, vendored Pico and htmx); each app ships its own.
STATICFILES_DIRS = [BASE_DIR / "community" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Chat attachments (messaging/attachments.py): a storage of their own that no URL serves; files
# reach members only through the permission-checked view. On the file system, outside MEDIA_ROOT
# (which urls.py serves to anyone); on an S3-compatible store, private, once AWS_STORAGE_BUCKET_NAME
# is set.
CHAT_ATTACHMENT_ROOT = Path(os.environ.get("CHAT_ATTACHMENT_ROOT", BASE_DIR / "private" / "attachments"))
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["attachments"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "location": os.environ.get("AWS_LOCATION", "attachments"),
            "default_acl": "private",
            "file_overwrite": False,
            # Never a public link: the view streams the object to participants.
            "querystring_auth": True,
        },
    }
else:
    if CHAT_ATTACHMENT_ROOT.resolve().is_relative_to(MEDIA_ROOT.resolve()):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "CHAT_ATTACHMENT_ROOT must be outside MEDIA_ROOT, which is served to anyone."
        )
    STORAGES["attachments"] = {
        "BACKEND": "messaging.attachments.PrivateFileSystemStorage",
        "OPTIONS": {"location": str(CHAT_ATTACHMENT_ROOT)},
    }
# "Download my data" archives (profiles/data_export.py): private like the attachments, fetched
# only by their member through the view, deleted when they expire.
DATA_EXPORT_ROOT = Path(os.environ.get("DATA_EXPORT_ROOT", BASE_DIR / "private" / "exports"))
DATA_EXPORT_EXPIRY_HOURS = int(os.environ.get("DATA_EXPORT_EXPIRY_HOURS", "72"))
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["exports"] = {
        "BACKEND": STORAGES["attachments"]["BACKEND"],
        "OPTIONS": {**STORAGES["attachments"]["OPTIONS"], "location": "exports"},
    }
else:
    STORAGES["exports"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_EXPORT_ROOT)},
    }
CHAT_ATTACHMENT_MAX_BYTES = int(os.environ.get("CHAT_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
CHAT_ATTACHMENTS_PER_MESSAGE = int(os.environ.get("CHAT_ATTACHMENTS_PER_MESSAGE", "5"))
CHAT_ATTACHMENT_TYPES = env_list(
    "CHAT_ATTACHMENT_TYPES",
    ",".join(
        [
            "image/jpeg",
            "image/png",
            "image/webp",
            "image/gif",
            "application/pdf",
            "text/plain",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "application/vnd.oasis.opendocument.text",
            "application/vnd.oasis.opendocument.spreadsheet",
            "application/vnd.oasis.opendocument.presentation",
        ]
    ),
)
# Images larger than this many pixels are refused before they are decoded (decompression bombs).
CHAT_ATTACHMENT_MAX_PIXELS = int(os.environ.get("CHAT_ATTACHMENT_MAX_PIXELS", str(50_000_000)))
# Uploads a member may hold not yet sent in one conversation (they are swept after a day).
CHAT_ATTACHMENTS_PENDING_MAX = int(os.environ.get("CHAT_ATTACHMENTS_PENDING_MAX", "20"))

# Serve straight from the app folders when collectstatic has not run (dev and tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Email: SMTP with Django's names once EMAIL_HOST is set, the console otherwise.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
# Seconds a sending worker holds an email before another may send it (a worker that died).
EMAIL_CLAIM_SECONDS = int(os.environ.get("EMAIL_CLAIM_SECONDS", "120"))
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Coworking Belgium <hello@coworking.example>")
# Emails have no request to build absolute links from.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

# Password logins (members' and admin's, profiles/login_throttle.py): this many wrong passwords
# on one account from one address lock it there, this many from anywhere lock it everywhere,
# for LOGIN_LOCKOUT_SECONDS. Counted in the cache above: shared by every process with REDIS_URL.
LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS = int(os.environ.get("LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS", "5"))
LOGIN_FAILURES_PER_ACCOUNT = int(os.environ.get("LOGIN_FAILURES_PER_ACCOUNT", "20"))
LOGIN_LOCKOUT_SECONDS = int(os.environ.get("LOGIN_LOCKOUT_SECONDS", str(15 * 60)))

# The job queue (Huey, community/core/jobs.py): a SQLite file beside the project by default, so
# nothing else needs to run; on Redis with REDIS_URL, for workers on any number of machines.
# `python manage.py run_huey` is the worker (`make run` starts one).
HUEY = {
    "name": os.environ.get("JOBS_QUEUE_NAME", "coworking"),
    "immediate": False,
    "utc": True,
    "consumer": {"workers": int(os.environ.get("JOBS_WORKERS", "2")), "worker_type": "thread"},
}
if REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": REDIS_URL})
else:
    HUEY.update(
        {
            "huey_class": "huey.SqliteHuey",
            "filename": os.environ.get("JOBS_SQLITE_PATH", str(BASE_DIR / "jobs.sqlite3")),
        }
    )
# Seconds a direct message (or request) stays unread before it is emailed.
MISSED_MESSAGE_EMAIL_DELAY = int(os.environ.get("MISSED_MESSAGE_EMAIL_DELAY", "600"))
# First-contact spam: how many new people (message requests, group invitations) a member may
# reach out to per 24 hours, fewer while the account is younger than CHAT_NEW_ACCOUNT_DAYS.
CHAT_NEW_CONTACTS_PER_DAY = int(os.environ.get("CHAT_NEW_CONTACTS_PER_DAY", "20"))
CHAT_NEW_CONTACTS_PER_DAY_NEW_ACCOUNT = int(os.environ.get("CHAT_NEW_CONTACTS_PER_DAY_NEW_ACCOUNT", "5"))
CHAT_NEW_ACCOUNT_DAYS = int(os.environ.get("CHAT_NEW_ACCOUNT_DAYS", "7"))
# Seconds between the chat's checks that every open socket's session is still valid (a safety
# net: a logout or deactivation closes the sockets at once, unless the channel layer was down).
CHAT_SESSION_CHECK_SECONDS = int(os.environ.get("CHAT_SESSION_CHECK_SECONDS", "300"))

# Web push (VAPID, RFC 8292): the key pair that signs every push, so push services know the pushes
# come from this site. Production sets VAPID_PRIVATE_KEY (base64url: the raw 32-byte key or DER);
# by default a key is made once and kept beside the project, like the dev secret key. A subscription
# is tied to the public key it was made with: a new key pair means members allow push again.
_DEV_VAPID_FILE = BASE_DIR / ".dev-vapid-key"


def _b64url(raw: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _dev_vapid_key() -> str:
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        return _DEV_VAPID_FILE.read_text().strip()
    except FileNotFoundError:
        pass
    made = _b64url(
        ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value.to_bytes(32, "big")
    )
    draft = _DEV_VAPID_FILE.with_name(f"{_DEV_VAPID_FILE.name}.{os.getpid()}")
    try:
        draft.write_text(made)
        # A link appears whole or not at all: of processes starting at once, the first keeps its
        # key and the others read it.
        os.link(draft, _DEV_VAPID_FILE)
    except FileExistsError:
        return _DEV_VAPID_FILE.read_text().strip()
    except OSError:
        pass  # a read-only checkout: a key for this process only
    finally:
        draft.unlink(missing_ok=True)
    return made


def _vapid_keys() -> tuple[str, str]:
    from cryptography.hazmat.primitives import serialization
    from django.core.exceptions import ImproperlyConfigured
    from py_vapid import Vapid

    private = os.environ.get("VAPID_PRIVATE_KEY", "").strip() or _dev_vapid_key()
    public = _b64url(
        Vapid.from_string(private).public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )
    given = os.environ.get("VAPID_PUBLIC_KEY", "").strip().rstrip("=")
    if given and given != public:
        raise ImproperlyConfigured("VAPID_PUBLIC_KEY is not the public key of VAPID_PRIVATE_KEY.")
    return private, public


VAPID_PRIVATE_KEY, VAPID_PUBLIC_KEY = _vapid_keys()
# Who push services write to about this site's pushes (a mailto: or https: address).
VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "mailto:hello@coworking.example")
# Push endpoints are https only; a push service on this machine over http (a test's, a local one)
# is allowed in DEBUG or with PUSH_ALLOW_LOOPBACK_HTTP.
PUSH_ALLOW_LOOPBACK_HTTP = env_bool("PUSH_ALLOW_LOOPBACK_HTTP", DEBUG)
# Seconds a push service keeps a push for a device that is off before dropping it.
PUSH_TTL = int(os.environ.get("PUSH_TTL", str(24 * 3600)))
PUSH_TIMEOUT = float(os.environ.get("PUSH_TIMEOUT", "10"))

# Security: dev-safe by default, strict when DEBUG is off behind HTTPS.
SECURE_HTTPS = env_bool("SECURE_HTTPS", False)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = SECURE_HTTPS
SECURE_HSTS_SECONDS = 31536000 if SECURE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = SECURE_HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE_HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# "Vertaler" and "vertaler" are one skill.
TAGGIT_CASE_INSENSITIVE = True

# Content Security Policy (django-csp): scripts only from our own static files, no inline code.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # Inline style attributes are harmless enough and used by a few widgets; scripts are not.
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
