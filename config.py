"""Configuration classes. Secrets and the database URL come from the environment."""
import os
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEV_ONLY_SECRET = "dev-only-not-secret"  # noqa: S105 (refused in production)


def _dev_secret_key() -> str:
    """SECRET_KEY from the environment, else the one `make run` wrote to instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = INSTANCE_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    return DEV_ONLY_SECRET


def _trusted_hosts() -> list[str]:
    """TRUSTED_HOSTS from the environment (comma list), else the host of PUBLIC_BASE_URL."""
    listed = [h.strip() for h in os.environ.get("TRUSTED_HOSTS", "").split(",") if h.strip()]
    if listed:
        return listed
    host = urlsplit(os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")).hostname
    return [host] if host else []


class Config:
    SECRET_KEY = _dev_secret_key()
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'peerreview.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # Hard limits per report render (its own process): wall time, and address space (virtual
    # memory, which counts more than the resident ~850 MB a 150-organisation synthesis needs).
    REPORT_RENDER_SECONDS = float(os.environ.get("REPORT_RENDER_SECONDS", "600"))
    REPORT_RENDER_MEMORY_MB = int(os.environ.get("REPORT_RENDER_MEMORY_MB", "3072"))
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # token lives as long as the session
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    # The languages a reader can choose (peerreview/i18n.py); English is the source language.
    LANGUAGES = ["en", "fr", "es"]
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    # Requests larger than this are refused with 413 (uploads included).
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 8 * 1024 * 1024))
    # Werkzeug refuses forms with more fields than this; the value grid of a large
    # framework (100 indicators x 6 breakdowns x 3 years) stays well below it.
    MAX_FORM_PARTS = 5000
    # E-mail: every message is stored in the outbox (readable by the secretariat);
    # when MAIL_SERVER is set it is also sent over SMTP.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 587))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", True)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "peerreview@localhost")
    # Delivery is a background job (peerreview/jobs.py): a failed SMTP attempt is tried
    # again after MAIL_RETRY_DELAY seconds, MAIL_MAX_ATTEMPTS times in all.
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", 4))
    MAIL_RETRY_DELAY = int(os.environ.get("MAIL_RETRY_DELAY", 60))
    # Jobs run in the consumer process (`huey_consumer peerreview.worker.huey`); only the
    # tests run them in-process at once.
    HUEY_IMMEDIATE = False
    # Rate limiting of login and password reset (Flask-Limiter). memory:// by
    # default; point it at redis://host:6379 so that several app servers share it.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    # Requests per personal access token (docs/api.md); requests without a token count per address.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120 per minute")
    PASSWORD_RESET_MAX_AGE = 60 * 60  # seconds
    INVITATION_MAX_AGE = 14 * 24 * 60 * 60
    FORCE_HTTPS = False
    HSTS = False
    # Number of reverse proxies in front of the app (nginx: 1). Their X-Forwarded-For
    # and -Proto headers are then trusted, so rate limits see the client's address.
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", 0))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    # A server-side session unused for this long no longer signs anyone in (seconds; a working day).
    SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", 12 * 60 * 60))
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 (a method name, not a password)
    # Every link in an e-mail starts with this, never with the Host header of a request.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    # Retention periods in days (docs/retention.md), applied by `flask purge`.
    RETENTION_SIGN_IN_EVENTS_DAYS = int(os.environ.get("RETENTION_SIGN_IN_EVENTS_DAYS", 365))
    RETENTION_MAIL_BODY_DAYS = int(os.environ.get("RETENTION_MAIL_BODY_DAYS", 90))
    RETENTION_MAIL_DAYS = int(os.environ.get("RETENTION_MAIL_DAYS", 730))
    RETENTION_INACTIVE_ACCOUNT_DAYS = int(os.environ.get("RETENTION_INACTIVE_ACCOUNT_DAYS", 730))
    # Logs (peerreview/logging_setup.py): "json" lines on standard error, or "text".
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    # Redis checked by /health: the queue's (REDIS_URL) and the rate limiter's, when set.
    REDIS_URL = os.environ.get("REDIS_URL")
    # The page cache (peerreview/page_cache.py): in REDIS_URL unless given a Redis of its own (which may
    # evict: maxmemory with allkeys-lru), else in each process; a part lives this many seconds at most.
    PAGE_CACHE_REDIS_URL = os.environ.get("PAGE_CACHE_REDIS_URL")
    PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", 300))
    # How much of the replayed pages each process keeps in front of the cache, in MB of text
    # (peerreview/page_cache.py, RecentPages).
    PAGE_REPLAY_MEMORY_MB = int(os.environ.get("PAGE_REPLAY_MEMORY_MB", 16))
    # Where file bytes live (peerreview/files.py, docs/deploy.md): "database" (default) or "s3", an
    # S3-compatible bucket; its credentials come from the environment as boto3 reads them (AWS_*).
    FILE_STORE = os.environ.get("FILE_STORE", "database")
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL")
    S3_BUCKET = os.environ.get("S3_BUCKET")
    S3_PREFIX = os.environ.get("S3_PREFIX", "")
    S3_REGION = os.environ.get("S3_REGION")


class DevelopmentConfig(Config):
    DEBUG = False


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret"  # noqa: S105 (tests only)
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_SERVER = None
    MAIL_RETRY_DELAY = 0  # retries run at once in immediate mode
    HUEY_IMMEDIATE = True
    LOG_FORMAT = None  # pytest's caplog reads the records; no handler of our own
    REDIS_URL = None
    PAGE_CACHE_REDIS_URL = None
    FILE_STORE = "database"  # tests that use the object store set it themselves
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 (fast hashing, tests only)


class ProductionConfig(Config):
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    FORCE_HTTPS = _env_bool("FORCE_HTTPS", True)
    HSTS = True
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    # Requests for any other host are refused with 400 (Flask's TRUSTED_HOSTS).
    TRUSTED_HOSTS = _trusted_hosts()

    @classmethod
    def check(cls) -> None:
        if not cls.SECRET_KEY or cls.SECRET_KEY == DEV_ONLY_SECRET or len(cls.SECRET_KEY) < 32:
            raise RuntimeError(
                "ProductionConfig needs SECRET_KEY in the environment (at least 32 characters)."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    return CONFIGS[os.environ.get("PEERREVIEW_CONFIG", "development")]
