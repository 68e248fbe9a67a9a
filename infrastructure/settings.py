"""Settings: one typed object, read once from the environment."""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse


def _optional_flag(value: str) -> bool | None:
    return None if value == "" else value.lower() in ("1", "true", "yes")


def _flag(value: str) -> bool:
    return value.lower() in ("1", "true", "yes")


_ORIGIN = re.compile(r"https?://[^/\s]+")
"""What a browser sends as Origin: scheme and host (with a port, or a `*` in a component), no path."""


class InvalidSettings(ValueError):
    """A combination of settings the server refuses to start with."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    """Folder of the embedded default: SQLite files and the generated JWT secret."""
    database_url: str = ""
    """`postgresql://user@host:port/db`, `memory://`, or empty for SQLite files in data_dir."""
    database_schema: str = "public"
    """PostgreSQL schema holding the event store, read models and id sequences."""
    redis_url: str = ""
    """`redis://host:port/db` for shared rate limits, jobs and realtime pub/sub; empty: in memory."""
    jwt_secret: str = ""
    """HS256 signing key; empty: generated once and kept in data_dir/jwt_secret."""
    token_ttl_seconds: int = 24 * 3600
    """Lifetime of an access token."""
    bcrypt_rounds: int = 12
    """bcrypt cost factor (tests lower it)."""
    rate_limit_enabled: bool = True
    """Switch rate limiting off for tests and benchmarks."""
    rate_limit_auth: str = "10/minute"
    """Authentication endpoints 002 and 001 share (login, register, refresh), per client IP (002's)."""
    rate_limit_general: str = "100/minute"
    """Every other endpoint, per user (per IP when anonymous)."""
    rate_limit_bulk: str = "20/minute"
    """Bulk and batch endpoints, per user."""
    rate_limit_sign_out: str = "5/minute"
    """001's own authentication endpoints (/api/auth/logout, /api/auth/logout-all), per client IP (001's)."""
    rate_limit_events: str = "100/minute"
    """001's events surface (batch included), per user (001's regular endpoints)."""
    rate_limit_events_prefix: str = "/api/events"
    """Paths starting with this are 001's events surface."""
    rate_limit_root: str = "1000/hour"
    """000's surface at the root, per user (per IP when anonymous), as 000 says."""
    rate_limit_root_prefixes: tuple[str, ...] = ("/auth/", "/scheduling/", "/files")
    """Paths starting with one of these (comma-separated in the environment) are 000's surface."""
    max_body_bytes: int = 1_048_576
    """Largest accepted request body; larger gets 413."""
    postgres_pool_size: int = 8
    """Connections per API process for the read models (the event store has its own)."""
    event_store_pool_size: int = 5
    """Event-store connections each API process opens at start (eventsourcing's POSTGRES_POOL_SIZE)."""
    event_store_max_overflow: int = 5
    """Further event-store connections an API process may open under load (POSTGRES_MAX_OVERFLOW)."""
    database_timeout: float = 1.0
    """Seconds to wait for a PostgreSQL connection before giving up: the request then answers 503."""
    health_max_lag_seconds: float = 30.0
    """A projection further behind than this makes /health answer 503."""
    host: str = "127.0.0.1"
    """Address `schedulax serve` binds."""
    port: int = 8000
    """Port `schedulax serve` binds."""
    trusted_proxy_count: int = 0
    """How many X-Forwarded-For hops to trust for the client IP."""
    projection_workers: bool | None = None
    """Read models kept by separate `schedulax projections run` processes (default: on PostgreSQL)."""
    projection_groups: str = "by-wait"
    """Which projections share a worker process: `by-wait` (those commands wait for in one, the
    others in another), `each` (a process per projection), or groups as `a,b;c,d` (a projection
    in no group alone). A group reads the log once and applies a batch in one transaction."""
    read_your_writes_timeout: float = 5.0
    """Seconds a command waits for the projection workers before answering 202."""
    read_your_writes_poll: float = 0.1
    """Seconds between reads of the workers' positions while commands wait: the fallback for a lost NOTIFY."""
    thread_pool_size: int = 16
    """Threads per API process for blocking work (database reads, saves, password hashing). A command
    waiting for the read models holds none of them."""
    projection_batch_size: int = 1000
    """Events a projection applies per transaction (and per tracking update)."""
    realtime_queue_size: int = 256
    """Messages one websocket or socket.io client may have waiting; a client that falls further behind is disconnected."""
    max_file_bytes: int = 10 * 1024 * 1024
    """Largest file `POST /files` accepts (413 above it, found while the upload streams in)."""
    file_quota_bytes: int = 100 * 1024 * 1024
    """Bytes of files one user may have uploaded in all (each upload counts, shared bytes or not)."""
    public_url: str = ""
    """Where clients reach the API (`https://schedulax.example`): the secret calendar feed URLs are built on
    it. Empty: on the URL of the request that asks for them (behind a TLS proxy, set it)."""
    cors_origins: tuple[str, ...] = ()
    """Origins whose pages may call the API and socket.io (comma-separated; `*` any); empty: same origin only."""
    cors_allow_credentials: bool = False
    """Let those pages send cookies or HTTP authentication (never with `*`); bearer tokens need no credentials."""

    def __post_init__(self) -> None:
        for origin in self.cors_origins:
            if origin != "*" and not _ORIGIN.fullmatch(origin):
                raise InvalidSettings(
                    f"SCHEDULAX_CORS_ORIGINS: {origin!r} is not an origin; write scheme://host[:port]"
                    " with no path or trailing slash, e.g. https://app.example.com"
                )
        if self.cors_allow_credentials and "*" in self.cors_origins:
            # Browsers refuse credentialed answers to `*`; echoing any origin instead would hand
            # every site on the web the user's cookies.
            raise InvalidSettings(
                "SCHEDULAX_CORS_ORIGINS=* cannot be combined with SCHEDULAX_CORS_ALLOW_CREDENTIALS=true:"
                " list the origins that may send credentials, or switch credentials off"
            )
    webhook_allowed_hosts: tuple[str, ...] = ()
    """Hosts webhooks may reach over plain http and at private or loopback addresses (comma-separated)."""
    webhook_retry_schedule: tuple[float, ...] = (5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0)
    """Seconds before each retry of a failed webhook delivery (comma-separated; about 27 hours in all)."""
    webhook_retry_jitter: float = 0.2
    """Each retry's wait is drawn within this fraction of it either way."""
    webhook_disable_after: int = 5
    """Deliveries failed in a row (each after all its retries) that disable a webhook subscription."""
    webhook_connect_timeout: float = 5.0
    """Seconds to connect to a webhook receiver."""
    webhook_read_timeout: float = 10.0
    """Seconds to wait for each read of a webhook receiver's answer."""
    webhook_sweep_seconds: float = 30.0
    """How often job workers look for webhook deliveries whose job was lost."""

    @property
    def realtime_channel(self) -> str:
        """The Redis channel of change messages: one per deployment, named after its schema."""
        return f"schedulax:{self.database_schema}:changes"

    @property
    def backend(self) -> str:
        url = self.database_url
        if url.startswith(("postgresql://", "postgres://")):
            return "postgres"
        if url.startswith("memory://"):
            return "memory"
        return "sqlite"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)

        def get(name: str, default: str) -> str:
            return env.get(f"SCHEDULAX_{name}", default)

        return cls(
            data_dir=Path(get("DATA_DIR", "data")),
            database_url=get("DATABASE_URL", ""),
            database_schema=get("DATABASE_SCHEMA", "public"),
            redis_url=get("REDIS_URL", ""),
            jwt_secret=get("JWT_SECRET", ""),
            token_ttl_seconds=int(get("TOKEN_TTL_SECONDS", str(24 * 3600))),
            bcrypt_rounds=int(get("BCRYPT_ROUNDS", "12")),
            rate_limit_enabled=get("RATE_LIMIT_ENABLED", "true").lower() in ("1", "true", "yes"),
            rate_limit_auth=get("RATE_LIMIT_AUTH", "10/minute"),
            rate_limit_general=get("RATE_LIMIT_GENERAL", "100/minute"),
            rate_limit_bulk=get("RATE_LIMIT_BULK", "20/minute"),
            rate_limit_sign_out=get("RATE_LIMIT_SIGN_OUT", "5/minute"),
            rate_limit_events=get("RATE_LIMIT_EVENTS", "100/minute"),
            rate_limit_events_prefix=get("RATE_LIMIT_EVENTS_PREFIX", "/api/events"),
            rate_limit_root=get("RATE_LIMIT_ROOT", "1000/hour"),
            rate_limit_root_prefixes=tuple(
                p.strip() for p in get("RATE_LIMIT_ROOT_PREFIXES", "/auth/,/scheduling/,/files").split(",")
                if p.strip()
            ),
            max_body_bytes=int(get("MAX_BODY_BYTES", "1048576")),
            postgres_pool_size=int(get("POSTGRES_POOL_SIZE", "8")),
            event_store_pool_size=int(get("EVENT_STORE_POOL_SIZE", "5")),
            event_store_max_overflow=int(get("EVENT_STORE_MAX_OVERFLOW", "5")),
            database_timeout=float(get("DATABASE_TIMEOUT", "1")),
            health_max_lag_seconds=float(get("HEALTH_MAX_LAG_SECONDS", "30")),
            host=get("HOST", "127.0.0.1"),
            port=int(get("PORT", "8000")),
            trusted_proxy_count=int(get("TRUSTED_PROXY_COUNT", "0")),
            projection_workers=_optional_flag(get("PROJECTION_WORKERS", "")),
            projection_groups=get("PROJECTION_GROUPS", "by-wait").strip() or "by-wait",
            read_your_writes_timeout=float(get("READ_YOUR_WRITES_TIMEOUT", "5")),
            read_your_writes_poll=float(get("READ_YOUR_WRITES_POLL", "0.1")),
            thread_pool_size=int(get("THREAD_POOL_SIZE", "16")),
            projection_batch_size=int(get("PROJECTION_BATCH_SIZE", "1000")),
            realtime_queue_size=int(get("REALTIME_QUEUE_SIZE", "256")),
            max_file_bytes=int(get("MAX_FILE_BYTES", str(10 * 1024 * 1024))),
            file_quota_bytes=int(get("FILE_QUOTA_BYTES", str(100 * 1024 * 1024))),
            public_url=get("PUBLIC_URL", ""),
            cors_origins=tuple(o.strip() for o in get("CORS_ORIGINS", "").split(",") if o.strip()),
            cors_allow_credentials=_flag(get("CORS_ALLOW_CREDENTIALS", "false")),
            webhook_allowed_hosts=tuple(h.strip() for h in get("WEBHOOK_ALLOWED_HOSTS", "").split(",") if h.strip()),
            webhook_retry_schedule=tuple(
                float(x) for x in get("WEBHOOK_RETRY_SCHEDULE", "5,300,1800,7200,18000,36000,36000").split(",")
                if x.strip()),
            webhook_retry_jitter=float(get("WEBHOOK_RETRY_JITTER", "0.2")),
            webhook_disable_after=int(get("WEBHOOK_DISABLE_AFTER", "5")),
            webhook_connect_timeout=float(get("WEBHOOK_CONNECT_TIMEOUT", "5")),
            webhook_read_timeout=float(get("WEBHOOK_READ_TIMEOUT", "10")),
            webhook_sweep_seconds=float(get("WEBHOOK_SWEEP_SECONDS", "30")),
        )

    @property
    def uses_projection_workers(self) -> bool:
        if self.projection_workers is None:
            return self.backend == "postgres"
        return self.projection_workers and self.backend != "memory"

    def resolved_jwt_secret(self) -> str:
        """The configured secret, or one generated once and kept in the data folder."""
        if self.jwt_secret:
            return self.jwt_secret
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / "jwt_secret"
        if not path.exists():
            # O_EXCL: two processes starting together keep the first one's secret.
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as handle:
                    handle.write(secrets.token_urlsafe(48))
        return path.read_text().strip()


@dataclass(frozen=True)
class PostgresTarget:
    host: str
    port: int
    user: str
    password: str
    dbname: str

    @classmethod
    def parse(cls, url: str) -> PostgresTarget:
        parsed = urlparse(url)
        query = parse_qs(parsed.query)
        return cls(
            host=parsed.hostname or query.get("host", ["127.0.0.1"])[0],
            port=parsed.port or 5432,
            user=parsed.username or "postgres",
            password=parsed.password or "",
            dbname=(parsed.path or "/postgres").lstrip("/") or "postgres",
        )

    def conninfo(self) -> str:
        # connect_timeout: an unreachable host fails in 2 s (libpq's least) instead of hanging.
        parts = [f"host={self.host}", f"port={self.port}", f"user={self.user}",
                 f"dbname={self.dbname}", "connect_timeout=2"]
        if self.password:
            parts.append(f"password={self.password}")
        return " ".join(parts)
