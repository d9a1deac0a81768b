"""Property tests over every CLI command: hostile argv never gives a traceback.

The command tree is read from the typer app itself (``typer.main.get_command``), so a new
command or option is fuzzed without editing this file. For each command, hypothesis draws
argv lists from the command's real option names and arguments, mixed with hostile values:
empty strings, huge and negative numbers, NaN and infinity, unicode and undecodable bytes (as
Linux hands them to Python: lone surrogates), path traversal, very long strings, non-UTF-8 and
deeply nested files, missing values, unknown options and extra arguments. Each argv runs
in-process through ``critmin.cli.run`` against a private copy of the store, with a stdout that
encodes strictly as UTF-8 (as a terminal's does) and the working folder in a sandbox.

Properties:
- the exit code is 0 or 2 (never 1: no internal error), and no output holds a traceback;
- exit 2 is exactly one stderr line, ``error: ...``, naming the field (an option, a
  parameter, a column, a file or the value refused); the two report commands (``db check``,
  ``data validate``) may instead list what they found;
- a rejected write (ledger add or import, data import, db restore) leaves every table's rows
  as they were (a digest of all tables in key order, read apart from critmin).

Expensive runs get tiny defaults that a drawn value overrides (``--paths 300``,
``--draws 100``); ``brief`` builds nothing (a stub checks the options it would build with);
``serve`` binds nothing (uvicorn.run is a stub; host names are resolved only when numeric, so
no DNS query leaves the machine); ``sweep`` always runs with ``--dry-run``.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fuzzkit import COMMANDS, check, digest, invoke, path_of, show, stub_brief
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# commands that write to the store: a rejection must leave it as it was
WRITES = {
    ("ledger", "add"),
    ("ledger", "import"),
    ("data", "import"),
    ("data", "import-usgs"),
    ("db", "restore"),
}
# tiny run sizes placed before the drawn tokens: a drawn value of the same option wins
SMALL = {
    ("floor",): ["--paths", "300"],
    ("scenario", "run"): ["--draws", "100"],
    ("stockpile", "plan"): ["--draws", "60"],
    ("pipeline", "run"): ["--draws", "100"],
}
ALWAYS = {("sweep",): ["--dry-run"]}
# commands that take most of a second a run whatever the input: fewer examples
SLOW = {("dominance",), ("exposure",), ("country",), ("mineral",)}  # pages: every block
MAX_EXAMPLES = int(os.environ.get("CRITMIN_FUZZ_EXAMPLES", "20"))

# -- value pools -----------------------------------------------------------------------------

HOSTILE = [
    "",
    " ",
    "-",
    "x" * 5000,
    "钴",
    "\udcff\udcfe",  # bytes 0xff 0xfe in a file name or argument, as Python decodes them
    "é\u202e",
    "a\nb",
    "'; DROP TABLE interventions; --",
    "%s%n{0}${HOME}",
    "../../../../../../../../../etc/passwd",
    "null",
    "\x1b[31m",
]
INTS = [
    "0",
    "1",
    "2",
    "7",
    "-1",
    "99999999999999999999999999999",
    "-99999999999999999999",
    "1.5",
    "nan",
    "inf",
    "1e3",
    "",
    "0x10",
    "\uff11\uff12",  # fullwidth digits: int() accepts them
]
FLOATS = [
    "0",
    "1",
    "0.5",
    "110",
    "-1",
    "-0",
    "nan",
    "-nan",
    "inf",
    "-inf",
    "1e308",
    "-1e308",
    "5e-324",
    "1e999",
    "",
    "1,5",
    "\uff11.\uff15",  # fullwidth: float() accepts them
]
DATES = ["2025-06-01", "2025-02-30", "0001-01-01", "9999-12-31", "2025-6-1", "20250601"]
ISO3 = ["COD", "usa", "CHN", "XXX", "US", "ÄÖÜ"]
MINERALS = ["cobalt", "Rare Earths", "rare_earths", "neodymium", "gallium", "unobtainium"]
BY_NAME: dict[str, list[str]] = {
    "mineral": MINERALS,
    "minerals": MINERALS,
    "stage": ["mine", "refine", "smelter"],
    "year": ["2024", "2023", "1900", "3000", "-5", "99999999999999999999"],
    "host": ["127.0.0.1", "::1", "localhost", "0.0.0.0", "256.1.1.1", "[::1]", *ISO3],
    "country": ISO3,
    "actor": ISO3,
    "as_of": DATES,
    "active_on": DATES,
    "on": DATES,
    "since": DATES,
    "sector": ["defense", "all", "batteries"],
    "preset": ["mp-ndpr", "MP-NDPR", "mp-ndpr.yaml"],
    "settlement": ["monthly", "quarterly", "annual", "weekly"],
    "model": ["gbm", "ou", "bs"],
    "volume": ["1000", "1,2,3", "1000,", ",,", "1e308,1", "-5", "nan"],
    "jumps": ["none", "off", "1,0,0.1", "1,2", "1e308,0,0", "1,1e9,1", "nan,0,0"],
    "table": ["production", "interventions", "fx_rates", "meta", "sqlite_master"],
    "fmt": ["csv", "parquet", "json"],
    "by": ["agency", "actor", "project", "mineral", "month", "status"],
    "status": ["committed", "letter_of_interest", "cancelled", "maybe"],
    "agency": ["DOE", "doe", "EXIM"],
    "instrument": ["loan", "grant", "bond"],
    "row_id": ["iv-0001", "iv-9999", "IV-0001"],
    "log_level": ["info", "debug", "INFO", "trace"],
    "weight": ["value", "tonnes", "kg"],
    "scenario": ["chn-2025-ree-april", "cod-2025-cobalt-halt", "nope"],
    "name": ["chn-2025-ree-april", "chn-2023-graphite"],
    "dask": ["tcp://", "tcp://127.0.0.1:1", "udp://x", "x"],
}
OUT_NAMES = {"out"}  # options that name a file or folder to write
IN_NAMES = {
    "file",
    "definition",
    "config",
    "projects",
    "stage_model",
    "folder",
    "path",
    "source",
    "name",
}


def _input_paths(box: Path) -> list[str]:
    inp = box / "in"
    return [
        str(inp / "row.yaml"),
        str(inp / "empty.txt"),
        str(inp / "binary.bin"),
        str(inp / "bad.yaml"),
        str(inp / "list.yaml"),
        str(inp / "deep.yaml"),
        str(inp / "laughs.yaml"),
        str(inp / "baddate.yaml"),
        str(inp / "bom.csv"),
        str(inp / "folder"),
        str(inp / "loop"),
        str(inp / "export"),
        str(inp / "export" / "interventions.csv"),
        str(inp / "export" / "production.csv"),
        str(inp / "\udcffparquet"),
        str(inp / "badparquet"),
        str(inp / "badcsv"),
        "missing.yaml",
        "",
        ".",
        "..",
        "-",
        "/etc/passwd",
        "/dev/null",
        "/proc/self/status",
        "x" * 5000,
        "\udcff.yaml",
    ]


OUTPUTS = [
    "out.csv",
    "",
    ".",
    "new/dir/out",
    "../outside.txt",
    "/dev/full",
    "/dev/null",
    "/proc/nope/out",
    "y" * 5000,
    "\udcff.out",
    "existing.txt",
]
STDIN_DOCS = ["row", "bad", "deep", "binary"]


def _values(param: Any, box: Path) -> st.SearchStrategy[str]:
    name = param.name
    kind = param.bare_type() if callable(getattr(param, "bare_type", None)) else str
    if name in OUT_NAMES:
        return st.sampled_from(OUTPUTS)
    pool: list[str] = list(BY_NAME.get(name, []))
    if name in IN_NAMES:
        pool += _input_paths(box)
    if kind is int:
        pool += INTS
    elif kind is float:
        pool += FLOATS
    else:
        pool += HOSTILE
    return st.sampled_from(pool)


@st.composite
def _argv(draw: st.DrawFn, path: tuple[str, ...], cmd: Any, box: Path) -> tuple[list[str], str]:
    groups: list[list[str]] = []
    params = [p for p in cmd.params if p.name != "help"]
    chosen = draw(st.lists(st.sampled_from(params), unique_by=lambda p: p.name)) if params else []
    for p in chosen:
        if p.param_type_name == "argument":
            groups.append([draw(_values(p, box))])
        elif getattr(p, "is_flag", False):
            groups.append([p.opts[0]])
        else:
            for _ in range(draw(st.integers(1, 2)) if p.multiple else 1):
                groups.append([p.opts[0], draw(_values(p, box))])
    twist = draw(
        st.sampled_from(["none"] * 6 + ["missing value", "unknown option", "extra", "dashdash"])
    )
    tail: list[str] = []
    valued = [p for p in params if p.param_type_name == "option" and not p.is_flag]
    if twist == "missing value" and valued:
        tail = [draw(st.sampled_from(valued)).opts[0]]
    elif twist == "unknown option":
        groups.append(["--no-such-option"])
    elif twist == "extra":
        groups.append([draw(st.sampled_from(HOSTILE))])
    elif twist == "dashdash":
        groups.append(["--", draw(st.sampled_from(HOSTILE))])
    order = draw(st.permutations(groups)) if groups else []
    argv = [*path, *SMALL.get(path, []), *ALWAYS.get(path, [])]
    argv += [t for g in order for t in g] + tail
    return argv, draw(st.sampled_from(STDIN_DOCS))


# -- the sandbox -----------------------------------------------------------------------------


def _write_inputs(box: Path, store: Path) -> None:
    inp = box / "in"
    inp.mkdir(parents=True)
    (inp / "row.yaml").write_text(
        "date: 2026-03-01\nactor_iso3: USA\nagency: DOE\ninstrument: grant\namount: 1000\n"
        "currency: USD\nrecipient: Fuzz Row\nstatus: committed\n"
        "source_id: usgs-critical-minerals-list-2025\nverification: press\n",
        encoding="utf-8",
    )
    (inp / "empty.txt").write_text("")
    (inp / "binary.bin").write_bytes(bytes(range(256)) * 4 + b"\xff\xfe\xc3\x28")
    (inp / "bad.yaml").write_text("a: [1\nb: {\n")
    (inp / "list.yaml").write_text("- 1\n- 2\n")
    (inp / "deep.yaml").write_text("a: " + "[" * 3000 + "]" * 3000 + "\n")
    laughs = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    for i in range(1, 9):
        prev, cur = chr(96 + i), chr(97 + i)
        laughs += f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]\n"
    (inp / "laughs.yaml").write_text(laughs + "note: *i\n")
    (inp / "baddate.yaml").write_text(
        (inp / "row.yaml").read_text().replace("2026-03-01", "2026-02-30")
    )
    (inp / "bom.csv").write_text("\ufeffid,x\n1,2\n", encoding="utf-8")
    (inp / "folder").mkdir()
    (inp / "loop").symlink_to(inp / "loop")
    from critmin.backup import export_db

    export_db(inp / "export", "csv", store)
    export_db(inp / "\udcffparquet", "parquet", store)  # a folder name that is not UTF-8
    shutil.copytree(inp / "\udcffparquet", inp / "badparquet")
    (inp / "badparquet" / "sources.parquet").write_bytes(b"PAR1" + bytes(range(200)))
    shutil.copytree(inp / "export", inp / "badcsv")
    (inp / "badcsv" / "countries.csv").write_bytes(b'garbage\x00,"unterminated\n')
    (box / "work").mkdir()
    (box / "work" / "existing.txt").write_text("keep\n")


def _stdin(doc: str, box: Path) -> io.TextIOBase:
    inp = box / "in"
    if doc == "row":
        return io.StringIO((inp / "row.yaml").read_text())
    if doc == "bad":
        return io.StringIO("date: [\n")
    if doc == "deep":
        return io.StringIO((inp / "deep.yaml").read_text())
    raw = io.BytesIO((inp / "binary.bin").read_bytes())
    return io.TextIOWrapper(raw, encoding="utf-8", errors="strict")


@pytest.fixture(scope="module")
def box(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A sandbox: private store, input files, a working folder for outputs; stubs for serve."""
    import uvicorn

    box = tmp_path_factory.mktemp("fuzz")
    store = box / "critmin.duckdb"
    shutil.copy(built_store, store)
    _write_inputs(box, store)
    real_gai = socket.getaddrinfo

    def numeric_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host in (None, "localhost"):
            return real_gai(host, *args, **kwargs)
        flags = kwargs.pop("flags", 0) | socket.AI_NUMERICHOST  # never a DNS query
        return real_gai(host, *args, **kwargs, flags=flags)

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CRITMIN_DB", str(store))
        mp.setenv("CRITMIN_LOCK_TIMEOUT_S", "0.5")
        mp.delenv("CRITMIN_DEBUG", raising=False)
        mp.setattr(uvicorn, "run", lambda *a, **k: None)
        mp.setattr(socket, "getaddrinfo", numeric_only)
        mp.setattr("critmin.brief.builder.build_brief", stub_brief)
        mp.chdir(box / "work")
        yield box


FUZZED = list(COMMANDS)


@pytest.mark.parametrize("path", FUZZED, ids=[" ".join(p) for p in FUZZED])
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_no_traceback_and_one_line_errors(
    path: tuple[str, ...], box: Path, data: st.DataObject
) -> None:
    if path in SLOW and data.draw(st.integers(0, 5), label="thin out"):
        return  # a sixth of the examples: each run takes most of a second
    argv, doc = data.draw(_argv(path, COMMANDS[path], box), label="argv")
    store = box / "critmin.duckdb"
    before = digest(store) if path in WRITES else None
    code, out, err = invoke(argv, _stdin(doc, box))
    check(path, argv, code, out, err)
    if before is not None and code != 0:
        assert digest(store) == before, f"argv={show(argv)}: a rejected write changed the store"


def test_the_tree_is_fuzzed_whole() -> None:
    """Every command the app has is in the list above (the tree is read, not written)."""
    assert ("ledger", "add") in COMMANDS and ("floor",) in COMMANDS
    assert len(COMMANDS) >= 35
    assert set(COMMANDS) >= WRITES


# -- regressions the fuzzer found (each was exit 1, an internal error, before its fix) --------

FOUND = [
    ["floor", "--preset", "mp-ndpr", "--paths", "999999999999999999999999999999"],
    ["floor", "--preset", "mp-ndpr", "--paths", "300", "--jumps", "1e308,1e308,1e308"],
    ["floor", "--preset", "mp-ndpr", "--paths", "300", "--floor", "1e308"],
    ["floor", "--preset", "mp-ndpr", "--paths", "300", "--model", "gbm", "--spot", "5e-324"],
    ["floor", "--preset", "mp-ndpr", "--paths", "300", "--model", "gbm", "--mu", "1e20"],
    ["floor", "--preset", "mp-ndpr", "--paths", "300", "--model", "ou", "--theta", "1e-308"],
    ["floor", "--preset", "mp-ndpr", "--paths", "300", "--volume", "1e308"],
    ["scenario", "run", "chn-2025-ree-april", "--draws", "10", "--seed", "-1"],
    ["stockpile", "plan", "--draws", "10", "--seed", "-1"],
    ["scenario", "run", "z" * 5000],
    ["serve", "--host", "z" * 300, "--port", "8123"],
    ["serve", "--host", "\udcff", "--port", "8123"],
    ["brief", "--seed", "-1"],
]


@pytest.mark.parametrize("argv", FOUND, ids=range(len(FOUND)))
def test_found_inputs_are_refused_in_one_line(argv: list[str], box: Path) -> None:
    code, out, err = invoke(argv)
    check(path_of(argv), argv, code, out, err)
    assert code == 2


@pytest.mark.parametrize(
    "name", ["binary.bin", "deep.yaml", "laughs.yaml", "baddate.yaml", "bad.yaml"]
)
@pytest.mark.parametrize(
    "argv",
    [
        ["floor", "--paths", "300", "--definition"],
        ["scenario", "run"],
        ["ledger", "add", "--file"],
        ["pipeline", "run", "--draws", "100", "--stage-model"],
        ["ledger", "gap", "--projects"],
        ["brief", "--config"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_hostile_files_are_refused_in_one_line(argv: list[str], name: str, box: Path) -> None:
    """Non-UTF-8 bytes, 3 000 nested brackets, a billion laughs, 30 February, broken YAML."""
    full = [*argv, str(box / "in" / name)]
    store = box / "critmin.duckdb"
    before = digest(store)
    code, out, err = invoke(full)
    check(path_of(full), full, code, out, err)
    assert code == 2
    assert digest(store) == before


def test_version_alone_prints_it() -> None:
    from critmin import __version__

    code, out, err = invoke(["--version"])
    assert (code, out.strip(), err) == (0, __version__, "")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CRITMIN_LOCK_TIMEOUT_S", "abc"),
        ("CRITMIN_LOCK_TIMEOUT_S", "-1"),
        ("CRITMIN_LOCK_TIMEOUT_S", "nan"),
        ("CRITMIN_LOCK_TIMEOUT_S", "1e9"),
        ("CRITMIN_DB", ""),
        ("CRITMIN_DB", "/"),
        ("CRITMIN_DB", "/proc/self/status"),
        ("CRITMIN_DB", "z" * 5000),
        ("CRITMIN_DB", "/tmp/\udcff/critmin.duckdb"),
    ],
    ids=lambda v: v if len(v) < 30 else f"{v[:10]}...",
)
def test_bad_settings_are_one_line_naming_them(
    name: str, value: str, box: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bad environment variable is a user's error too: exit 2, one line, naming it or its
    value (it was an internal error, exit 1, for the lock timeout)."""
    monkeypatch.setenv(name, value)
    code, _, err = invoke(["minerals", "--json"])
    assert "Traceback" not in err
    assert code == 2 and len(err.splitlines()) == 1 and err.startswith("error: "), err[:300]
    assert name in err or value[:40] in err or "CRITMIN_DB" in err or " / " in err, err[:300]
