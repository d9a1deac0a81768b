"""Settings read from the environment (prefix ``CRITMIN_``) or a ``.env`` file."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_db() -> Path:
    from platformdirs import user_data_path

    return user_data_path("critmin", appauthor=False) / "critmin.duckdb"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRITMIN_", extra="ignore")

    db: Path = Field(default_factory=_default_db, description="DuckDB store file")
    api_token: SecretStr | None = Field(
        default=None, description="bearer token for HTTP writes; unset means writes refused"
    )
    lock_timeout_s: float = Field(
        default=5.0,
        ge=0,
        le=600,
        description="how long to wait for a store held by another process",
    )


def get_settings() -> Settings:
    """The settings from the environment; a bad value is an InputError naming the variable."""
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as exc:
        from critmin.errors import InputError

        err = exc.errors()[0]
        loc = err.get("loc") or ("*",)
        name = f"CRITMIN_{str(loc[0]).upper()}"
        raise InputError(str(err["msg"]), field=name, value=err.get("input")) from None
