"""Settings, read once from the environment (prefix ``CASECLOCK_``) and passed down.

Nothing below ``main`` reads the environment: the CLI builds a ``Settings`` and hands it to the
app factory, the services and the commands.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    max_batch: int = Field(
        default=1000, ge=1, le=10_000, description="largest batch accepted by POST /events"
    )
    db_pool_size: int = Field(default=5, ge=1, description="PostgreSQL connections per process")
    sql_echo: bool = Field(default=False, description="log every SQL statement (debugging)")
    console_secret: str | None = Field(
        default=None,
        description="signs the web console's session cookies and CSRF tokens; unset, one is "
        "generated and kept beside the SQLite file (set it when several processes serve one "
        "PostgreSQL)",
    )

    @property
    def yellow_within(self) -> timedelta:
        return timedelta(minutes=self.yellow_minutes)
