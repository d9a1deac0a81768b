"""The one validation-error formatter (critmin.errors.from_validation / first_problem): the
field path as written in the input, the message on one line, the value unless secret."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from critmin.errors import InputError, all_problems, first_problem, from_validation


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Uniform(_M):
    dist: Literal["uniform"]
    low: float
    high: float


class Fixed(_M):
    dist: Literal["fixed"]
    value: float


Share = Annotated[float, Field(ge=0, le=1)]
Param = Share | Annotated[Uniform | Fixed, Field(discriminator="dist")]


class Inner(_M):
    share: Param
    rate: float = Field(default=0.0, ge=0)


class Outer(_M):
    name: str
    inner: Inner
    items: list[int] = []
    token: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Outer:
        if self.name == "bad":
            raise ValueError("name must not be 'bad'")
        if self.name == "worse":
            raise ValueError("the whole thing is off")
        return self


def _error(data: Any, **kw: Any) -> InputError:
    try:
        Outer.model_validate(data)
    except ValidationError as exc:
        return from_validation(exc, data, **kw)
    raise AssertionError("no error")


def _ok(**inner: Any) -> dict[str, Any]:
    return {"name": "x", "inner": {"share": 0.5, **inner}}


def test_the_path_is_the_one_written_in_the_input() -> None:
    # a union's branch tags (constrained-float, tagged-union[...], the tag value) are left out
    err = _error({"name": "x", "inner": {"share": {"dist": "uniform", "low": 0.1}}})
    assert str(err) == "field 'inner.share.high': Field required"
    assert (err.field, err.value) == ("inner.share.high", None)


def test_value_and_message_of_a_bad_number() -> None:
    err = _error(_ok(rate=-2))
    assert str(err) == "field 'inner.rate': Input should be greater than or equal to 0 (got -2)"
    assert err.value == -2


def test_a_number_out_of_range_beats_the_other_branch() -> None:
    err = _error({"name": "x", "inner": {"share": 1.5}})
    assert err.field == "inner.share"
    assert err.message == "Input should be less than or equal to 1"


def test_no_branch_fits_gives_what_the_union_accepts() -> None:
    data = {"name": "x", "inner": {"share": "most"}}
    err = _error(data, union="give a number or {dist: ...}")
    assert str(err) == "field 'inner.share': give a number or {dist: ...} (got 'most')"
    # without it, the first branch's complaint
    assert _error(data).field == "inner.share"


def test_a_misspelt_key_is_reported_before_a_missing_one() -> None:
    err = _error({"nme": "x", "inner": {"share": 0.5}})
    assert (err.field, err.message, err.value) == ("nme", "Extra inputs are not permitted", "x")


def test_a_list_index_is_part_of_the_path() -> None:
    err = _error({**_ok(), "items": [1, "two"]})
    assert err.field == "items.1"
    assert err.value == "two"


def test_a_whole_mapping_is_not_echoed() -> None:
    err = _error({"name": "x", "inner": [1]})
    assert err.field == "inner"
    assert err.value == [1]
    err = _error({"name": {"a": 1}, "inner": {"share": 0.5}})
    assert (err.field, err.value) == ("name", None)


def test_a_check_across_fields_names_the_field_it_starts_with() -> None:
    assert str(_error({**_ok(), "name": "bad"}, model=Outer)) == (
        "field 'name': name must not be 'bad'"
    )
    # otherwise the default, and without a model the message is not read for a field
    assert _error({**_ok(), "name": "worse"}, model=Outer, default="thing").field == "thing"
    assert _error({**_ok(), "name": "bad"}, default="thing").field == "thing"


def test_prefix_file_and_column() -> None:
    err = _error(_ok(rate=-1), prefix_field="base", file="s.yaml")
    assert str(err).startswith("s.yaml, field 'base.inner.rate': ")
    err = _error(_ok(rate=-1), file="t.csv", line=4, as_column=True)
    assert str(err).startswith("t.csv, line 4, column 'inner.rate': ")


def test_a_secret_is_never_echoed() -> None:
    data = {**_ok(), "token": 12345}
    try:
        Outer.model_validate(data)
    except ValidationError as exc:
        p = first_problem(exc, data, secret=("token",))
    assert (p.field, p.value) == ("token", None)


def test_a_key_that_would_break_the_line_is_quoted() -> None:
    err = _error({**_ok(), "a\nb": 1})
    assert err.field == "'a\\nb'"
    assert "\n" not in str(err)


class _RequestError(Exception):
    """What FastAPI's RequestValidationError offers: errors() and the body."""

    def __init__(self, errors: list[dict[str, Any]], body: Any = None) -> None:
        self._errors, self.body = errors, body

    def errors(self) -> list[dict[str, Any]]:
        return self._errors


@pytest.mark.parametrize(
    ("errors", "body", "field", "value"),
    [
        # a repeated query parameter: its name, not name.0
        ([{"type": "string_type", "loc": ("query", "mineral", 0), "msg": "m", "input": 3}],
         None, "mineral", 3),
        ([{"type": "missing", "loc": ("body", "contract", "floor"), "msg": "Field required",
           "input": {}}], {"contract": {}}, "contract.floor", None),
        ([{"type": "json_invalid", "loc": ("body", 7), "msg": "JSON decode error",
           "input": {}}], "{", "body", None),
        ([{"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}],
         None, "body", None),
    ],
)  # fmt: skip
def test_request_locations(errors: list[dict[str, Any]], body: Any, field: str, value: Any) -> None:
    p = first_problem(_RequestError(errors, body), request=True)
    assert (p.field, p.value) == (field, value)


def test_no_errors_at_all() -> None:
    assert first_problem(_RequestError([]), default="x").message == "invalid input"


class _Row(_M):
    year: int
    ids: Annotated[tuple[Annotated[str, Field(pattern=r"^[a-z]+$")], ...], Field()] = ()

    @model_validator(mode="before")
    @classmethod
    def _split(cls, data: Any) -> Any:
        return {**data, "ids": tuple(str(data.get("ids", "")).split("|"))}


def test_every_bad_cell_of_a_row_names_its_column() -> None:
    rec = {"year": "20x5", "ids": "ok|B4D"}
    try:
        _Row.model_validate(rec)
    except ValidationError as exc:
        found = all_problems(exc, rec)
    # the index into the split cell is not a column: the column is named
    assert [(p.field, p.message.split(",")[0]) for p in found] == [
        ("year", "Input should be a valid integer"),
        ("ids", "String should match pattern '^[a-z]+$'"),
    ]


def test_a_missing_key_is_named_even_when_a_value_spells_it() -> None:
    # a location part the input lacks but states as a value is a union's tag (``uniform`` of
    # ``{dist: uniform}``): dropped, except as the key a "missing" error names
    data = {"inner": {"dist": "uniform", "note": "high"}}
    missing = {"type": "missing", "loc": ("inner", "uniform", "high"), "msg": "Field required"}
    assert first_problem(_RequestError([missing]), data).field == "inner.high"
