"""Configuration classes; every setting can be overridden with a PORTAL_ environment variable."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def database_url_from_env() -> str | None:
    """The database URL named by PORTAL_DATABASE_URL or DATABASE_URL, normalised for psycopg 3."""
    url = os.environ.get("PORTAL_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if url and url.startswith(("postgres://", "postgresql://")):
        # psycopg 3 is the only PostgreSQL driver we install.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _persistent_secret_key() -> str:
    """A per-installation secret kept in instance/, so a restart does not end every session."""
    INSTANCE_DIR.mkdir(exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    """Defaults for a single-machine installation (SQLite in instance/)."""

    SECRET_KEY: str | None = None
    DATABASE_URL: str = ""
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    SESSION_COOKIE_NAME = "portal_session"
    IDLE_TIMEOUT_MINUTES = 30
    SESSION_MAX_HOURS = 12  # absolute lifetime of a login, however active (a working day)
    MAX_FAILED_LOGINS = 5
    LOCKOUT_MINUTES = 15
    WTF_CSRF_TIME_LIMIT = None  # the session lifetime bounds the token already
    MAX_CONTENT_LENGTH = 26 * 1024 * 1024  # the upload limit plus room for the form around the file
    UPLOAD_DIR = str(Path(__file__).resolve().parent.parent / "uploads")
    UPLOAD_MAX_BYTES = 25 * 1024 * 1024
    UPLOAD_MAX_ROWS = 300_000
    UPLOAD_INLINE_MAX_BYTES = 256 * 1024  # larger files are processed by the background worker
    UPLOAD_LEASE_SECONDS = 45  # a check or confirmation that renews no lease for this long has stopped
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 25
    MAIL_SENDER = "portal@inburgering.local"
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_STARTTLS = False
    MAIL_MAX_ATTEMPTS = 6
    BASE_URL = "http://127.0.0.1:5000"
    HUEY_URL = ""  # empty: SQLite queue in instance/; redis://… for Redis
    HUEY_IMMEDIATE = False
    BILLING_LOCK_TIMEOUT_MS = 5000  # how long a billing write waits for its contract (services/billing/locking.py)
    SQLITE_DEFERRED_READS = True  # GET requests read without the write lock until they write (portal/database.py)
    # The API (/api/v1): limits per client (flask-limiter notation); storage memory:// counts per process,
    # redis://host:6379 shares the count between app servers.
    API_RATE_LIMIT = "300 per minute"
    API_TOKEN_RATE_LIMIT = "30 per minute"  # noqa: S105 - a rate, not a secret
    RATELIMIT_STORAGE_URI = "memory://"
    TESTING = False

    def __init__(self) -> None:
        self.DATABASE_URL = database_url_from_env() or f"sqlite:///{INSTANCE_DIR / 'portal.db'}"
        self.SECRET_KEY = os.environ.get("PORTAL_SECRET_KEY") or _persistent_secret_key()
        for name in dir(self):
            if name.isupper() and f"PORTAL_{name}" in os.environ and name != "SECRET_KEY":
                setattr(self, name, _coerce(getattr(self, name), os.environ[f"PORTAL_{name}"]))


class TestConfig(Config):
    """For the test suite: an in-memory SQLite database unless DATABASE_URL says otherwise."""

    TESTING = True
    HUEY_IMMEDIATE = True

    def __init__(self) -> None:
        super().__init__()
        self.DATABASE_URL = database_url_from_env() or "sqlite://"
        self.SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105


def _coerce(current: object, raw: str) -> object:
    """Convert an environment string to the type of the default it replaces."""
    if isinstance(current, bool):
        return raw.lower() in {"1", "true", "yes", "ja"}
    if isinstance(current, int):
        return int(raw)
    return raw
