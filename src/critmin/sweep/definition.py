"""Sweep definitions: the pydantic models (:class:`SweepDefinition`, :class:`Range`), the
axes, the grid (the parameters of cell ``i``) and the cells' seeds; loading a definition from
YAML or a bundled example. The rules are in the package docstring (:mod:`critmin.sweep`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from critmin.defaults import DRAWS, SEED
from critmin.errors import InputError, from_validation

CELL_CAP = 100_000
MAX_DRAWS = 10_000_000
EXAMPLES = Path(__file__).parent.parent / "sweeps" / "examples"
# base keys (and axes) that pick what a cell starts from: a name or a file, never a number
SELECTORS = {
    "floor": ("preset", "definition", "model_kind"),
    "scenario": ("scenario",),
    "pipeline": ("projects", "stage_model"),
}
FILE_SELECTORS = ("definition", "projects", "stage_model", "scenario")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Range(_Strict):
    """``num`` points from ``start`` to ``stop`` inclusive, evenly (linear) or geometrically."""

    start: Annotated[float, Field(allow_inf_nan=False)]
    stop: Annotated[float, Field(allow_inf_nan=False)]
    num: Annotated[int, Field(ge=1, le=CELL_CAP)]
    scale: Literal["linear", "log"] = "linear"

    @model_validator(mode="after")
    def _log_positive(self) -> Range:
        if self.scale == "log" and min(self.start, self.stop) <= 0:
            raise ValueError("a log range needs start and stop > 0")
        return self

    def values(self) -> list[float]:
        space = np.geomspace if self.scale == "log" else np.linspace
        pts = space(self.start, self.stop, self.num)
        return [float(f"{v:.12g}") for v in pts]  # 0.30000000000000004 -> 0.3


Axis = list[Any] | Range | Literal["bundled"]


class SweepDefinition(_Strict):
    """A sweep: engine, base definition, axes, seed and draws per cell (module docstring)."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$")]
    title: str = ""
    description: str = ""
    engine: Literal["floor", "scenario", "pipeline"]
    seed: Annotated[int, Field(ge=0)] = SEED
    seeding: Literal["per_cell", "common"] = "per_cell"
    draws: Annotated[int, Field(ge=1, le=MAX_DRAWS)] = DRAWS
    base: dict[str, Any] = Field(default_factory=dict)
    axes: dict[str, Axis] = Field(default_factory=dict)
    _root: Path | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _scalar_axes(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("axes"), dict):
            axes = {
                k: v if isinstance(v, list | dict | Range) or v == "bundled" else [v]
                for k, v in data["axes"].items()
            }
            data = {**data, "axes": axes}
        return data

    @model_validator(mode="after")
    def _check(self) -> SweepDefinition:
        for name, axis in self.axes.items():
            if not name or any(not part for part in name.split(".")):
                raise ValueError(f"axis name {name!r} is not a dotted path")
            if axis == "bundled" and (self.engine, name) != ("scenario", "scenario"):
                raise ValueError(f"axis {name}: 'bundled' is for the scenario engine's scenario")
            if isinstance(axis, list) and not axis:
                raise ValueError(f"axis {name} has no values")
        if self.engine == "pipeline":
            from critmin.sim.pipeline import MAX_DRAWS as PIPELINE_MAX

            if self.draws > PIPELINE_MAX:
                raise ValueError(f"the pipeline engine takes at most {PIPELINE_MAX:,} draws")
        n = math.prod(len(v) for _, v in self.axis_values())
        if n > CELL_CAP:
            raise ValueError(f"the grid has {n:,} cells, more than {CELL_CAP:,}")
        return self

    def axis_values(self) -> list[tuple[str, list[Any]]]:
        """(axis name, its values) in order."""
        out = []
        for name, axis in self.axes.items():
            if isinstance(axis, Range):
                out.append((name, axis.values()))
            elif axis == "bundled":
                from critmin.sim.disruption import bundled_names

                out.append((name, list[Any](bundled_names())))
            else:
                out.append((name, list(axis)))
        return out

    @property
    def n_cells(self) -> int:
        return math.prod(len(v) for _, v in self.axis_values())

    def canonical(self) -> str:
        """Canonical JSON of what determines the results (axes as an ordered list)."""
        data = self.model_dump(mode="json", exclude={"name", "title", "description"})
        data["axes"] = [[k, v] for k, v in data["axes"].items()]
        return json.dumps(data, sort_keys=True, separators=(",", ":"))


def parse_sweep(data: object, file: str | None = None) -> SweepDefinition:
    """Validate a mapping as a sweep definition; a problem is one InputError naming the field."""
    if not isinstance(data, dict):
        raise InputError("a sweep definition must be a YAML mapping", file=file)
    try:
        out = SweepDefinition.model_validate(data)
    except ValidationError as exc:
        union = "give a list of values, a range {start, stop, num} or 'bundled'"
        raise from_validation(
            exc, data, default="sweep", model=SweepDefinition, union=union, file=file
        ) from None
    for key in SELECTORS[out.engine]:
        value = out.base.get(key)
        if value is not None and not isinstance(value, str):
            raise InputError("must be a name or a file", file=file, field=f"base.{key}")
        axis = out.axes.get(key)
        if isinstance(axis, list) and any(not isinstance(v, str) for v in axis):
            raise InputError("takes names or files only", file=file, field=f"axes.{key}")
    if file is not None:
        out._root = Path(file).resolve().parent
    return out


def example_names() -> list[str]:
    """Names of the bundled example sweeps (critmin/sweeps/examples/*.yaml)."""
    return sorted(p.stem for p in EXAMPLES.glob("*.yaml"))


def load_sweep(name_or_file: str | Path) -> SweepDefinition:
    """A sweep from a YAML file, or a bundled example by name; relative paths in it are read
    from the file's folder."""

    path = Path(name_or_file)
    if not _exists(path) and (EXAMPLES / f"{name_or_file}.yaml").is_file():
        path = EXAMPLES / f"{name_or_file}.yaml"
    if not _exists(path):
        known = ", ".join(example_names())
        raise InputError(f"no such file (bundled examples: {known})", field="file", value=str(path))
    from critmin.yaml_input import read_yaml

    return parse_sweep(read_yaml(path, field="file"), str(path))


def _exists(path: Path) -> bool:
    """Whether anything (a file, a folder, a FIFO...) is at ``path``; read_yaml says what is
    wrong with one that is not a regular file."""
    try:
        return path.exists()
    except OSError:  # a name the OS refuses (too long, say)
        return False


def cell_seed(sweep_seed: int, cell: int) -> int:
    """The seed of cell ``cell``: the first 64-bit word of SeedSequence(sweep_seed,
    spawn_key=(cell,)).generate_state(1, uint64), shifted right one bit (0 <= seed < 2^63)."""
    state = np.random.SeedSequence(sweep_seed, spawn_key=(cell,)).generate_state(1, np.uint64)
    return int(state[0]) >> 1


def cell_params(axes: Sequence[tuple[str, Sequence[Any]]], cell: int) -> dict[str, Any]:
    """The axis values of cell ``cell`` (mixed radix, the last axis varying fastest)."""
    picks: list[tuple[str, Any]] = []
    for name, values in reversed(axes):
        cell, r = divmod(cell, len(values))
        picks.append((name, values[r]))
    return dict(reversed(picks))
