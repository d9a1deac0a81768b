"""What every HTTP API model shares: the caps on one request, the field types, and the base
classes of answers (``Out``: extra fields pass) and requests (``Request``: strict)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from critmin.columns import MAX_NOTE, MAX_SLUG, MAX_TEXT, no_controls
from critmin.schema import INSTRUMENTS, STATUSES, VERIFICATION

# -- caps: one request must not starve the server (DESIGN.md section 7) -------------------------

MAX_FLOOR_PATHS = 200_000
MAX_FLOOR_PATH_STEPS = 30_000_000  # paths x settlement dates: about a second on one core
MAX_SCENARIO_DRAWS = 20_000
MAX_STOCKPILE_DRAWS = 20_000
MAX_PIPELINE_DRAWS = 20_000
MAX_BODY_BYTES = 64 * 1024
MAX_SEED = 2**63 - 1

Instrument = Literal[INSTRUMENTS]  # type: ignore[valid-type]
Status = Literal[STATUSES]  # type: ignore[valid-type]
Verification = Literal[VERIFICATION]  # type: ignore[valid-type]
Iso3 = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["USA"])]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$", max_length=MAX_SLUG)]
# free text of a request: the limits and the control-character rule of the table contract
Text = Annotated[
    Annotated[str, Field(min_length=1, max_length=MAX_TEXT)], BeforeValidator(no_controls)
]
OptText = Annotated[Annotated[str, Field(max_length=MAX_TEXT)], BeforeValidator(no_controls)]
Note = Annotated[Annotated[str, Field(max_length=MAX_NOTE)], BeforeValidator(no_controls)]
Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]


class Out(BaseModel):
    """Base of every response: documented fields, and any further field passed through."""

    model_config = ConfigDict(extra="allow")


class Request(BaseModel):
    """Base of every request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


# -- errors and health ---------------------------------------------------------------------------


class ErrorBody(BaseModel):
    """Every error: one line, the field it concerns (when one does) and the offending value."""

    detail: str = Field(description="What is wrong, in one line.")
    field: str | None = Field(None, description="The request field at fault, dotted.")
    value: Any = Field(None, description="The offending value, when short.")


class Health(BaseModel):
    status: Literal["ok"]
    version: str
