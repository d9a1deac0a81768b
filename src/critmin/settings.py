"""Settings read from the environment (prefix ``CRITMIN_``) or a ``.env`` file."""

from __future__ import annotations

import os
import re
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_db() -> Path:
    from platformdirs import user_data_path

    return user_data_path("critmin", appauthor=False) / "critmin.duckdb"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRITMIN_", extra="ignore", frozen=True)

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
    # `critmin serve` (critmin.api.server): what a slow or stalled client may hold
    header_timeout_s: float = Field(
        default=10.0, gt=0, le=600, description="time to send a request's headers"
    )
    body_timeout_s: float = Field(
        default=30.0, gt=0, le=600, description="time to send a request's body"
    )
    keep_alive_s: float = Field(
        default=5.0, gt=0, le=600, description="idle time kept between requests"
    )
    max_connections: int = Field(
        default=512, ge=1, le=100_000, description="open connections; more are closed at once"
    )


# Every store read asks for the settings; building them costs about 0.2 ms, so they are
# memoised on the variables they are read from: CRITMIN_<FIELD> (as documented, upper case,
# or all lower case) and HOME and XDG_DATA_HOME behind the default store path.
_MEMO: dict[tuple[str | None, ...], Settings] = {}
_NAMES = (
    *(f"CRITMIN_{f.upper()}" for f in Settings.model_fields),
    *(f"critmin_{f}" for f in Settings.model_fields),
    "HOME",
    "XDG_DATA_HOME",
)


def _env_key() -> tuple[str | None, ...]:
    return tuple(os.environ.get(n) for n in _NAMES)


def get_settings() -> Settings:
    """The settings from the environment; a bad value is an InputError naming the variable."""
    from pydantic import ValidationError

    key = _env_key()
    hit = _MEMO.get(key)
    if hit is not None:
        return hit
    try:
        settings = Settings()
    except ValidationError as exc:
        from critmin.errors import InputError, first_problem

        p = first_problem(exc, default="*", secret=("api_token",))  # never echo a secret
        name = f"CRITMIN_{str(p.field).split('.')[0].upper()}"
        raise InputError(p.message, field=name, value=p.value) from None
    if len(_MEMO) > 64:  # a process that keeps changing its environment (tests)
        _MEMO.clear()
    _MEMO[key] = settings
    return settings


MIN_TOKEN_CHARS = 16
# an RFC 6750 b64token, long enough not to be guessed
_TOKEN = re.compile(rf"[A-Za-z0-9\-._~+/]{{{MIN_TOKEN_CHARS},}}=*")


def write_token(settings: Settings) -> str | None:
    """The bearer token that lets HTTP writes through, or None (writes refused).

    Empty counts as unset. A token that could be guessed (under 16 characters) or that no
    client can send (spaces, characters outside RFC 6750's b64token) is an InputError naming
    CRITMIN_API_TOKEN, raised when the server starts, not on the first write; the token itself
    is never shown.
    """
    from critmin.errors import InputError

    token = settings.api_token.get_secret_value() if settings.api_token else ""
    if not token:
        return None
    if not _TOKEN.fullmatch(token):
        raise InputError(
            f"a bearer token of at least {MIN_TOKEN_CHARS} characters from A-Z a-z 0-9 "
            "- . _ ~ + / (RFC 6750), e.g. `openssl rand -hex 32`",
            field="CRITMIN_API_TOKEN",
        )
    return token
