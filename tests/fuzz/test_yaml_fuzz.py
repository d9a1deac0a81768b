"""Property tests over every YAML file a user hands the CLI: malformed input is one line.

Each target starts from a valid document (a bundled floor preset, a bundled scenario, a
ledger row, brief options, a bundled sweep example) and hypothesis breaks it: keys deleted,
renamed or added, values replaced by hostile ones (empty, huge, negative, NaN, infinity,
wrong types, 30 February, long and right-to-left text, deep lists), values wrapped in lists;
then, sometimes, the text itself: cut short, a stray character inserted (tab, colon, bracket,
an alias, a NUL), bytes that are not UTF-8, a byte-order mark. The file goes through the real
command (``critmin floor --definition``, ``scenario run``, ``ledger add --file``,
``brief --config`` with the build stubbed, ``sweep --dry-run``) in-process.

Properties: exit 0 (the document was still valid) or 2, never 1, no traceback; exit 2 is one
stderr line that names the field (``field '...'``) or, for text that is not YAML or not a
mapping, the line or the file; a rejected ledger row leaves the store as it was.
"""

from __future__ import annotations

import copy
import math
import os
import shutil
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from fuzzkit import COMMANDS, check, digest, invoke, path_of, stub_brief
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

MAX_EXAMPLES = int(os.environ.get("CRITMIN_FUZZ_EXAMPLES", "30"))

LEDGER_ROW: dict[str, Any] = {
    "date": "2026-03-01",
    "actor_iso3": "USA",
    "agency": "DOE",
    "instrument": "grant",
    "amount": 1000.0,
    "currency": "USD",
    "recipient": "YAML Fuzz",
    "host_iso3": "USA",
    "mineral_ids": ["gallium", "cobalt"],
    "status": "committed",
    "source_id": "usgs-critical-minerals-list-2025",
    "verification": "press",
    "note": "fuzz",
}
BRIEF: dict[str, Any] = {
    "seed": 1,
    "map_minerals": ["cobalt", "lithium"],
    "year": 2024,
    "control_host": "COD",
    "control_minerals": ["cobalt"],
    "floor_preset": "mp-ndpr",
    "floor_paths": 1000,
    "scenario": "chn-2025-ree-april",
    "scenario_draws": 100,
    "stockpile_budget_usd": 1e9,
    "stockpile_draws": 100,
    "pipeline_draws": 100,
}


def _bundled(package: str, *parts: str) -> Any:
    return yaml.safe_load(resources.files(package).joinpath(*parts).read_text(encoding="utf-8"))


TARGETS: dict[str, tuple[Any, list[str]]] = {
    # name: (valid base document, argv with {file} where the file goes)
    "floor definition": (
        _bundled("critmin.sim", "presets", "mp-ndpr.yaml"),
        ["floor", "--paths", "300", "--definition", "{file}"],
    ),
    "scenario": (
        _bundled("critmin.sim", "scenarios", "chn-2025-ree-april.yaml"),
        ["scenario", "run", "{file}", "--draws", "100"],
    ),
    "ledger row": (LEDGER_ROW, ["ledger", "add", "--file", "{file}"]),
    "brief config": (BRIEF, ["brief", "--config", "{file}"]),
}
if ("sweep",) in COMMANDS:
    TARGETS["sweep"] = (
        _bundled("critmin", "sweeps", "examples", "floor-grid.yaml"),
        ["sweep", "{file}", "--dry-run"],
    )

HOSTILE: list[Any] = [
    None,
    "",
    "x" * 3000,
    -1,
    0,
    -0.0,
    1.5,
    1e308,
    -1e308,
    math.nan,
    math.inf,
    -math.inf,
    10**30,
    -(10**30),
    True,
    [],
    {},
    [[[[[1]]]]],
    [None],
    "2026-02-30",
    "NaN",
    "钴\u202e",
    "../../../../etc/passwd",
    {"dist": "lognormal", "median": -1, "sigma": 1e308},
    {"dist": "triangular", "low": 1, "mode": 0, "high": -1},
    {"start": 1, "stop": 1e308, "num": 10**9},
]
STRAY = ["\t", ":", "[", "{", "- ", "*a ", "&a ", "!!python/object ", "\x00", "'", '"', "\n  ", "%"]


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*prefix, i))
    return out


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for p in path[:-1]:
        doc = doc[p]
    return doc


def mutate(doc: Any, kind: str, path: tuple[Any, ...], value: Any) -> Any:
    """``doc`` with one change at ``path`` (the root itself when path is empty)."""
    value = copy.deepcopy(value)  # never share (nor later change) an object of the pool
    if not path:
        return value if kind == "replace" else doc
    parent, key = _parent(doc, path), path[-1]
    if kind == "delete":
        del parent[key]
    elif kind == "replace":
        parent[key] = value
    elif kind == "wrap":
        parent[key] = [parent[key]]
    elif kind == "unknown" and isinstance(parent, dict):
        parent["colour_of_the_sky"] = value
    elif kind == "rename" and isinstance(parent, dict):
        parent[f"{key}s"] = parent.pop(key)
    return doc


@st.composite
def documents(draw: st.DrawFn, base: Any) -> tuple[bytes, bool]:
    """(file bytes, whether the text itself was damaged)."""
    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        path = paths[draw(st.integers(0, len(paths) - 1))]
        kind = draw(st.sampled_from(["delete", "replace", "replace", "wrap", "unknown", "rename"]))
        doc = mutate(doc, kind, path, draw(st.sampled_from(HOSTILE)))
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)
    damage = draw(st.sampled_from(["none"] * 5 + ["cut", "stray", "bom", "tabs", "bytes"]))
    if damage == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    elif damage == "stray":
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(STRAY)) + text[at:]
    elif damage == "bom":
        text = "\ufeff" + text
    elif damage == "tabs":
        text = text.replace("  ", "\t")
    raw = text.encode("utf-8")
    if damage == "bytes":
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80"])) + raw[at:]
    return raw, damage != "none"


@pytest.fixture(scope="module")
def box(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    box = tmp_path_factory.mktemp("yamlfuzz")
    shutil.copy(built_store, box / "critmin.duckdb")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CRITMIN_DB", str(box / "critmin.duckdb"))
        mp.setenv("CRITMIN_LOCK_TIMEOUT_S", "0.5")
        mp.delenv("CRITMIN_DEBUG", raising=False)
        mp.setattr("critmin.brief.builder.build_brief", stub_brief)
        mp.chdir(box)
        yield box


@pytest.mark.parametrize("target", list(TARGETS))
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_malformed_yaml_is_one_line_naming_the_field(
    target: str, box: Path, data: st.DataObject
) -> None:
    base, template = TARGETS[target]
    raw, damaged = data.draw(documents(base), label="document")
    file = box / "doc.yaml"
    file.write_bytes(raw)
    argv = [str(file) if a == "{file}" else a for a in template]
    store = box / "critmin.duckdb"
    before = digest(store) if target == "ledger row" else None
    code, out, err = invoke(argv)
    check(path_of(argv), argv, code, out, err)
    if code == 2:
        line = err.strip()
        named = "field '" in line or 'field "' in line or " line " in line
        mapping = not damaged and isinstance(yaml.safe_load(raw.decode("utf-8")), dict)
        assert named or (not mapping and str(file) in line), f"names no field: {line[:300]}"
    if before is not None and code != 0:
        assert digest(store) == before, "a rejected ledger row changed the store"


def test_the_bases_are_valid(box: Path) -> None:
    """Unbroken, every base document is accepted: the fuzzer starts from valid input."""
    for target, (base, template) in TARGETS.items():
        file = box / "base.yaml"
        file.write_text(yaml.safe_dump(base, allow_unicode=True, sort_keys=False))
        argv = [str(file) if a == "{file}" else a for a in template]
        code, _, err = invoke(argv)
        assert code == 0, (target, err)
