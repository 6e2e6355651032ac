"""Settings, read once from the environment (prefix ``CASECLOCK_``) and passed down.

Nothing below ``main`` reads the environment: the CLI builds a ``Settings`` and hands it to the
app factory, the services and the commands.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATABASE_URL = "sqlite:///caseclock.db"


class Settings(BaseSettings):
    """Every setting of a caseclock installation; see the README's configuration reference."""

    model_config = SettingsConfigDict(env_prefix="CASECLOCK_", extra="ignore", frozen=True)

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL: sqlite:///path.db (default, in the working directory) "
        "or postgresql+psycopg://user:password@host:5432/dbname",
    )
    host: str = Field(default="127.0.0.1", description="address `caseclock serve` binds to")
    port: int = Field(default=8000, ge=1, le=65535, description="port `caseclock serve` binds to")
    yellow_minutes: int = Field(
        default=15,
        ge=0,
        description="a milestone turns yellow when its warning is reached or fewer than this "
        "many business minutes remain",
    )
    counts_max_age_seconds: int = Field(
        default=10,
        ge=0,
        le=300,
        description="the at-risk queue's counts by standing are reused for the same filters "
        "for up to this many seconds (each answer says when they were taken); writes by the "
        "same process recount at once; 0 counts afresh for every answer",
    )
    max_batch: int = Field(
        default=1000, ge=1, le=10_000, description="largest batch accepted by POST /events"
    )
    clock_skew_seconds: int = Field(
        default=300,
        ge=0,
        le=86_400,
        description="an event dated later than its arrival by more than this is refused (422)",
    )
    db_pool_size: int = Field(default=5, ge=1, description="PostgreSQL connections per process")
    sql_echo: bool = Field(default=False, description="log every SQL statement (debugging)")
    http_read_timeout: float = Field(
        default=30,
        gt=0,
        le=3600,
        description="seconds a client has to send a whole request (headers and body) once "
        "it has connected or started it; a slower one gets 408 and is disconnected",
    )
    http_keep_alive: int = Field(
        default=5, ge=1, le=3600, description="seconds an idle keep-alive connection is kept"
    )
    http_max_connections: int = Field(
        default=200,
        ge=1,
        description="open connections per server process; beyond it requests answer 503",
    )
    gc_tuning: bool = Field(
        default=True,
        description="once started, a server or worker process freezes its long-lived objects "
        "out of the garbage collector's walks and collects young objects less often "
        "(caseclock.collector)",
    )
    inbound_file: str | None = Field(
        default=None,
        description="the inbound webhook sources (YAML or JSON: each one's path, vendor, secret "
        "and mapping; docs/connectors.md); unset, no source is accepted",
    )
    console_secret: str | None = Field(
        default=None,
        description="signs the web console's session cookies and CSRF tokens; unset, one is "
        "generated and kept beside the SQLite file (set it when several processes serve one "
        "PostgreSQL)",
    )

    # --- people: passwords and sign-in (see the README's people section) ---
    password_min_length: int = Field(
        default=12, ge=8, le=128, description="shortest password a user may set"
    )
    password_time_cost: int = Field(
        default=3, ge=1, le=20, description="Argon2id passes; a change rehashes at next sign-in"
    )
    password_memory_kib: int = Field(
        default=65536, ge=8, le=4_194_304, description="Argon2id memory in KiB (64 MiB)"
    )
    password_parallelism: int = Field(default=4, ge=1, le=64, description="Argon2id lanes")
    sign_in_window_minutes: int = Field(
        default=15, ge=1, description="failed sign-ins are counted over this many minutes"
    )
    sign_in_max_per_user: int = Field(
        default=5, ge=1, description="failed sign-ins per user within the window before a pause"
    )
    sign_in_max_per_address: int = Field(
        default=20,
        ge=1,
        description="failed sign-ins per client address within the window before a pause",
    )
    password_sign_in: bool = Field(
        default=True,
        description="people may sign in with a password; turn off (with single sign-on "
        "configured) to let people in only through the identity provider",
    )
    invitation_hours: int = Field(
        default=72, ge=1, le=24 * 30, description="how long an invitation link stays usable"
    )

    # --- single sign-on with OpenID Connect (see docs/people.md) ---
    oidc_issuer: str | None = Field(
        default=None,
        description="the identity provider's issuer URL; its discovery document is "
        "<issuer>/.well-known/openid-configuration (unset: no single sign-on)",
    )
    oidc_client_id: str | None = Field(default=None, description="client id at the provider")
    oidc_client_secret: str | None = Field(
        default=None, description="client secret at the provider"
    )
    oidc_provider_name: str = Field(
        default="single sign-on",
        max_length=60,
        description="how the sign-in button names the provider (Sign in with ...)",
    )
    oidc_scopes: str = Field(
        default="openid email profile", description="scopes asked for at the provider"
    )
    oidc_user_claim: str = Field(
        default="email",
        min_length=1,
        max_length=100,
        description="the claim that finds a person at their first single sign-on: 'email' "
        "matches a user's email, any other claim (e.g. preferred_username) their handle",
    )
    oidc_create_users: bool = Field(
        default=False,
        description="create a user at the first single sign-on of someone the directory does "
        "not know (off: they are refused)",
    )
    oidc_default_role: str = Field(
        default="viewer",
        pattern="^(admin|lead|agent|viewer)$",
        description="role of a user created at single sign-on when no group maps to one",
    )
    oidc_group_claim: str | None = Field(
        default=None,
        max_length=100,
        description="the claim listing a person's groups (e.g. groups); unset: groups are not read",
    )
    oidc_group_roles: dict[str, str] = Field(
        default={},
        description='JSON object, group -> role ({"support-admins": "admin"}); the highest '
        "role of a person's groups applies",
    )
    oidc_group_teams: dict[str, str] = Field(
        default={},
        description='JSON object, group -> team, or team:lead ({"support-l2": "L2:lead"})',
    )
    oidc_groups_apply: str = Field(
        default="first",
        pattern="^(first|always)$",
        description="apply group roles and teams at a user's first single sign-on only "
        "(first) or at every one (always)",
    )
    oidc_timeout: float = Field(
        default=10, gt=0, le=120, description="seconds per request to the identity provider"
    )

    # --- the worker: actions, deliveries, email (see the README's worker section) ---
    console_url: str = Field(
        default="http://127.0.0.1:8000",
        description="base URL of the console, for links in emails, chat messages and webhooks",
    )
    smtp_host: str = Field(default="localhost", description="SMTP server for email actions")
    smtp_port: int = Field(default=25, ge=1, le=65535, description="SMTP port")
    smtp_starttls: bool = Field(default=False, description="require STARTTLS before sending")
    smtp_username: str | None = Field(default=None, description="SMTP login, if any")
    smtp_password: str | None = Field(default=None, description="SMTP password, if any")
    smtp_timeout: float = Field(default=10.0, gt=0, description="seconds per SMTP operation")
    email_from: str = Field(default="caseclock@localhost", description="sender of emails")
    email_domain: str | None = Field(
        default=None,
        description="people named without an address (owner ana) get ana@<email_domain>",
    )
    worker_batch: int = Field(default=100, ge=1, le=5000, description="records per firing tx")
    worker_firing_attempts: int = Field(
        default=5,
        ge=1,
        le=100,
        description="failed firings of one record (retried after 1 s, 2 s, 4 s, ...) before "
        "its timers are held until an admin releases them",
    )
    late_after_seconds: float = Field(
        default=60, ge=0, description="a trigger fired later than this after its instant is late"
    )
    catch_up_hours: float = Field(
        default=168,
        gt=0,
        description="after downtime, timers overdue by more than this are skipped, not fired",
    )
    delivery_max_attempts: int = Field(
        default=12, ge=1, description="attempts before a delivery is dead-lettered"
    )
    delivery_backoff_seconds: float = Field(
        default=30, gt=0, description="first retry wait; doubles per attempt (full jitter)"
    )
    worker_idle_seconds: float = Field(
        default=60, gt=0, le=60, description="longest sleep without a due timer or a wake-up"
    )
    delivery_threads: int = Field(
        default=32, ge=1, le=256, description="sends in flight at once, per worker process"
    )
    delivery_per_endpoint: int = Field(
        default=8, ge=1, le=256, description="sends in flight at once to one endpoint (or SMTP)"
    )
    delivery_lease_seconds: float = Field(
        default=60,
        ge=1,
        description="a claimed delivery's lease, from its send instant; renewed while in flight",
    )
    delivery_breaker_failures: int = Field(
        default=5, ge=1, description="failed attempts in a row that open an endpoint's breaker"
    )
    delivery_breaker_seconds: float = Field(
        default=30,
        gt=0,
        description="how long an open breaker holds an endpoint's deliveries (doubles when a "
        "probe fails, up to 10 minutes)",
    )
    # --- insights (see the README's insights section and docs/insights.md) ---
    retrain_hours: float = Field(
        default=24,
        ge=0,
        le=24 * 366,
        description="the worker retrains the breach-risk model when the newest is this many "
        "hours old (0: never; caseclock insights train still does)",
    )
    risk_refresh_minutes: float = Field(
        default=15,
        gt=0,
        le=24 * 60,
        description="the worker scores each open milestone's stored breach risk again when it "
        "is this old (a record's change re-scores it at the next pass); highest risk first "
        "sorts on it",
    )
    llm_url: str | None = Field(
        default=None,
        description="an OpenAI-compatible chat-completions URL (…/v1/chat/completions) that "
        "writes the prose of handoff summaries; unset (the default): nothing leaves the machine",
    )
    llm_key: str | None = Field(
        default=None, description="the bearer key sent to CASECLOCK_LLM_URL, if it needs one"
    )
    llm_model: str = Field(default="gpt-4o-mini", description="the model CASECLOCK_LLM_URL runs")
    llm_timeout_seconds: float = Field(
        default=20,
        gt=0,
        le=300,
        description="how long the worker waits for the summary provider before it keeps the "
        "extractive summary",
    )
    # --- milestone reviews (see the README's review section and docs/reviews.md) ---
    review_weekday: int = Field(
        default=0, ge=0, le=6, description="day of the weekly review, 0 Monday .. 6 Sunday"
    )
    review_hour: int = Field(
        default=8, ge=0, le=23, description="hour of the reviews, in each team's time zone"
    )
    review_daily_tiers: str = Field(
        default="",
        description="comma-separated high-priority tiers (Platinum): their records also get a "
        "daily review per team",
    )
    review_stalled_days: int = Field(
        default=3,
        ge=1,
        le=60,
        description="open milestones whose record had no event for this "
        "many business days are stalled",
    )
    review_time_zone: str = Field(
        default="UTC", description="zone of a team whose calendar is unset or unknown"
    )
    allow_private_endpoints: bool = Field(
        default=False,
        description="let webhook and chat endpoints be private or loopback addresses "
        "(link-local and cloud metadata addresses are refused regardless)",
    )

    @field_validator("database_url")
    @classmethod
    def _a_database_caseclock_runs_on(cls, value: str) -> str:
        """SQLite or PostgreSQL (through psycopg 3, the driver installed: ``postgresql://``
        means ``postgresql+psycopg://``); anything else is refused before it is used."""
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(
                "not a database URL; use sqlite:///path.db or "
                "postgresql+psycopg://user:password@host:5432/dbname"
            ) from None
        if url.drivername == "postgresql":
            return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        if url.drivername not in ("sqlite", "sqlite+pysqlite", "postgresql+psycopg"):
            raise ValueError(
                f"caseclock runs on sqlite or postgresql+psycopg, not {url.drivername}"
            )
        return value

    @field_validator("llm_url")
    @classmethod
    def _a_web_address(cls, value: str | None) -> str | None:
        """The summary provider is an http(s) address; empty means none."""
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("the summary provider's URL is an http:// or https:// address")
        return value

    @field_validator("oidc_group_roles")
    @classmethod
    def _roles_are_roles(cls, value: dict[str, str]) -> dict[str, str]:
        for group, role in value.items():
            if role not in ("admin", "lead", "agent", "viewer"):
                raise ValueError(f"group {group!r}: {role!r} is not admin, lead, agent or viewer")
        return value

    @model_validator(mode="after")
    def _sign_in_is_possible(self) -> Settings:
        """Single sign-on needs its client; password sign-in is off only when it is on."""
        if self.oidc_issuer and not self.oidc_client_id:
            raise ValueError("CASECLOCK_OIDC_ISSUER needs CASECLOCK_OIDC_CLIENT_ID")
        if not self.password_sign_in and not self.oidc_issuer:
            raise ValueError(
                "CASECLOCK_PASSWORD_SIGN_IN can be false only with single sign-on "
                "(CASECLOCK_OIDC_ISSUER)"
            )
        return self

    @property
    def single_sign_on(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def yellow_within(self) -> timedelta:
        return timedelta(minutes=self.yellow_minutes)

    @property
    def counts_max_age(self) -> timedelta:
        return timedelta(seconds=self.counts_max_age_seconds)

    @property
    def clock_skew(self) -> timedelta:
        return timedelta(seconds=self.clock_skew_seconds)
