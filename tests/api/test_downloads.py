"""``?format=csv|xlsx``: the file of a table holds exactly the JSON rows, with their sources.

The CSV is parsed back with the stdlib ``csv`` module and each cell decoded against the JSON
value it stands for (numbers compared as numbers, lists split on "; "); the XLSX is opened as
the zip it is and its sheet XML read with ``xml.etree`` (no spreadsheet library needed).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient

from critmin.api.tables import PAGES, TABLES, filename

API = "/api/v1"
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def client(store: Path) -> Iterator[TestClient]:
    from critmin.api import create_app

    with TestClient(create_app()) as c:
        yield c


def parse_csv(text: str) -> tuple[list[str], list[list[str]]]:
    assert text.endswith("\r\n"), "RFC 4180 line ends"
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows[0], rows[1:]


def decode(cell: str, like: Any) -> Any:
    """The JSON value a CSV cell stands for, given the JSON value's type."""
    if like is None:
        assert cell == "", cell
        return None
    if isinstance(like, bool):
        return {"true": True, "false": False}[cell]
    if isinstance(like, int | float):
        return float(cell)
    if isinstance(like, list) and all(isinstance(x, str) for x in like):
        return cell.split("; ") if cell else []
    if isinstance(like, list | dict):
        return json.loads(cell)
    return cell


def json_rows(answer: Any, key: str | None) -> list[dict[str, Any]]:
    rows = answer if key is None else answer[key]
    assert isinstance(rows, list)
    return rows


def assert_csv_equals_json(text: str, rows: list[dict[str, Any]], added: list[str]) -> None:
    header, body = parse_csv(text)
    keys = list(dict.fromkeys(k for r in rows for k in r))
    assert header == keys + added, header
    assert len(body) == len(rows)
    for row, cells in zip(rows, body, strict=True):
        assert len(cells) == len(header)
        for key, cell in zip(keys, cells, strict=False):
            v = row.get(key)
            assert decode(cell, v) == v, (key, cell, v)


# (path, where the rows are, columns added by the file)
CASES = [
    ("/production/cobalt", "rows", []),
    ("/production/gallium?stage=refine", "rows", []),
    ("/concentration?stage=refine", None, []),
    ("/concentration/cobalt?stage=refine", "shares", ["sources"]),
    ("/controls", None, []),
    ("/controls?mineral=gallium", None, []),
    ("/ledger", None, []),
    ("/ledger?history=true&actor=USA", None, []),
    ("/prices/cobalt", "rows", []),
    ("/ledger/summary?by=instrument", "rows", []),
    ("/reserves/lithium", "rows", []),
]


@pytest.mark.parametrize(("path", "key", "added"), CASES)
def test_csv_equals_the_json_rows(
    client: TestClient, path: str, key: str | None, added: list[str]
) -> None:
    answer = client.get(API + path).json()
    rows = json_rows(answer, key)
    assert rows, path
    sep = "&" if "?" in path else "?"
    r = client.get(API + path + sep + "format=csv")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"].startswith('attachment; filename="critmin-')
    assert_csv_equals_json(r.content.decode("utf-8"), rows, added)
    if added == ["sources"]:  # the answer's own sources, on every row
        _, body = parse_csv(r.text)
        assert {row[-1] for row in body} == {"; ".join(answer["sources"])}


def test_csv_cells_keep_the_numbers_and_sources(client: TestClient) -> None:
    """A concrete row: cobalt mine output by country, each row with its source id."""
    answer = client.get(f"{API}/production/cobalt").json()
    r = client.get(f"{API}/production/cobalt?format=csv")
    header, body = parse_csv(r.text)
    by_iso = {c[header.index("iso3")]: c for c in body}
    for row in answer["rows"]:
        cells = by_iso[row["iso3"]]
        assert float(cells[header.index("value")]) == row["value"]
        assert cells[header.index("source_id")] == row["source_id"] != ""
    disposition = r.headers["content-disposition"]
    assert disposition == 'attachment; filename="critmin-production-cobalt.csv"'


def test_filename_names_endpoint_and_parameters(client: TestClient) -> None:
    r = client.get(f"{API}/concentration/cobalt?stage=refine&format=csv")
    assert r.headers["content-disposition"] == (
        'attachment; filename="critmin-concentration-cobalt-stage-refine.csv"'
    )
    r = client.get(f"{API}/ledger/summary?format=xlsx&by=host")
    assert r.headers["content-disposition"] == (
        'attachment; filename="critmin-ledger-summary-by-host.xlsx"'
    )
    # what a client sends never breaks out of the quoted name or names a folder
    name = filename("/api/v1/controls", [("country", '"../x;y\r\n')], "csv")
    assert name == "critmin-controls-country-x_y.csv"
    assert re.fullmatch(r"[A-Za-z0-9._-]+", filename("/api/v1/ledger", [("q", "é" * 400)], "csv"))


def sheet_rows(book: zipfile.ZipFile, n: int) -> list[list[str]]:
    """Cell texts of sheet ``n`` (shared strings resolved), row by row."""
    shared = []
    if "xl/sharedStrings.xml" in book.namelist():
        root = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
        shared = ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")) for si in root]
    root = ElementTree.fromstring(book.read(f"xl/worksheets/sheet{n}.xml"))
    out = []
    for row in root.iterfind(".//m:sheetData/m:row", NS):
        cells = []
        for c in row.iterfind("m:c", NS):
            v = c.find("m:v", NS)
            text = "" if v is None or v.text is None else v.text
            cells.append(shared[int(text)] if c.get("t") == "s" else text)
        out.append(cells)
    return out


def sheet_names(book: zipfile.ZipFile) -> list[str]:
    root = ElementTree.fromstring(book.read("xl/workbook.xml"))
    return [s.get("name", "") for s in root.iterfind(".//m:sheets/m:sheet", NS)]


@pytest.mark.parametrize(("path", "key", "added"), [*CASES[::2], CASES[3], CASES[9]])
def test_xlsx_holds_the_rows_and_their_sources(
    client: TestClient, path: str, key: str | None, added: list[str]
) -> None:
    rows = json_rows(client.get(API + path).json(), key)
    sep = "&" if "?" in path else "?"
    r = client.get(API + path + sep + "format=xlsx")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == XLSX
    assert r.headers["content-disposition"].endswith('.xlsx"')
    book = zipfile.ZipFile(io.BytesIO(r.content))
    assert "xl/worksheets/sheet1.xml" in book.namelist()
    assert sheet_names(book)[1] == "sources"
    table = sheet_rows(book, 1)
    assert len(table) == len(rows) + 1  # header + rows
    keys = list(dict.fromkeys(k for row in rows for k in row))
    assert table[0] == keys + added
    # the sources sheet: one row per source id the table cites, with its publisher
    csv_text = client.get(API + path + sep + "format=csv").text
    header, body = parse_csv(csv_text)
    cited: set[str] = set()
    for col in ("source_id", "sources"):
        if col in header:
            for cells in body:
                cited.update(x for x in cells[header.index(col)].split("; ") if x)
    src = sheet_rows(book, 2)
    assert src[0] == ["source_id", "publisher", "title", "url", "published"]
    assert {s[0] for s in src[1:]} == cited
    known = {s["source_id"]: s for s in client.get(f"{API}/sources").json()}
    for s in src[1:]:
        assert s[1] == known[s[0]]["publisher"]


def test_xlsx_numbers_are_numbers_and_text_is_never_a_formula(client: TestClient) -> None:
    r = client.get(f"{API}/production/cobalt?format=xlsx")
    book = zipfile.ZipFile(io.BytesIO(r.content))
    root = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    header = sheet_rows(book, 1)[0]
    col = "ABCDEFGHIJ"[header.index("value")]
    cells = [c for c in root.iter(f"{{{NS['m']}}}c") if re.fullmatch(col + r"\d+", c.get("r", ""))]
    assert cells and all(c.get("t") is None for c in cells[1:])  # number cells
    assert not list(root.iter(f"{{{NS['m']}}}f"))  # no formula anywhere


@pytest.mark.parametrize("path", ["/concentration", "/ledger", "/charts/hhi"])
@pytest.mark.parametrize("value", ["pdf", "", "csv;", "CSVX"])
def test_unknown_format_is_422_naming_it(client: TestClient, path: str, value: str) -> None:
    r = client.get(API + path, params={"format": value})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["field"] == "format" and body["value"] == value
    assert body["detail"].startswith("format: unknown format")


@pytest.mark.parametrize(
    "path",
    [
        "/charts/hhi",
        "/sources/usgs-critical-minerals-list-2025",
        "/floor/presets",
        "/scenarios/chn-2010-ree-quota-replay",
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_format_on_an_answer_that_is_no_table_is_422(
    client: TestClient, path: str, fmt: str
) -> None:
    assert client.get(API + path).status_code == 200
    r = client.get(API + path, params={"format": fmt})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "format"
    assert f"format: {fmt} is available for table endpoints only" in r.json()["detail"]


def test_format_json_is_the_plain_answer_and_errors_stay_json(client: TestClient) -> None:
    plain = client.get(f"{API}/concentration/cobalt").json()
    assert client.get(f"{API}/concentration/cobalt?format=json").json() == plain
    assert client.get(f"{API}/concentration/cobalt?format=JSON").json() == plain
    # the route's own errors come through as they are
    r = client.get(f"{API}/concentration/unobtainium?format=csv")
    assert r.status_code == 404 and r.headers["content-type"] == "application/json"
    r = client.get(f"{API}/concentration/cobalt?format=csv&yaer=2023")
    assert r.status_code == 422 and r.json()["field"] == "yaer"
    r = client.get(f"{API}/concentration/cobalt?format=csv&format=json")
    assert r.status_code == 422 and r.json()["field"] == "format"
    # a computation takes no format: refused, not ignored
    r = client.post(f"{API}/floor?format=csv", json={"preset": "mp-ndpr", "paths": 1000})
    assert r.status_code == 422 and r.json()["field"] == "format"


def test_cache_keeps_each_format_apart(client: TestClient) -> None:
    for _ in range(2):
        assert client.get(f"{API}/ledger/reconcile").headers["content-type"] == ("application/json")
        assert client.get(f"{API}/ledger/reconcile?format=csv").headers["content-type"] == (
            "text/csv; charset=utf-8"
        )
        assert client.get(f"{API}/ledger/reconcile?format=xlsx").headers["content-type"] == XLSX


# a value for each path parameter of a table endpoint
SAMPLE = {
    "{mineral}": "cobalt",
    "{control_id}": "chn-2023-023-gallium-germanium",
    "{row_id}": "iv-0001",
    "{name}": "mp-ndpr",
}
QUERY = {"/api/v1/control/{mineral}/projects": "?host=COD"}


def test_every_get_endpoint_is_classed_and_documented(client: TestClient) -> None:
    """Every read endpoint is a table (format documented) or not (format refused): a new
    endpoint must be put in critmin.api.tables.TABLES or left out on purpose here."""
    not_tables = {
        "/api/v1/sources/{source_id}",
        "/api/v1/floor/presets",
        "/api/v1/floor/presets/{name}",
        "/api/v1/scenarios/{name}",
        "/api/v1/charts/share-map/{mineral}",
        "/api/v1/charts/hhi",
        "/api/v1/charts/controls-timeline",
        "/api/v1/charts/ledger-summary",
    }
    spec = client.get("/openapi.json").json()["paths"]
    gets = {p for p, ops in spec.items() if p.startswith(API) and "get" in ops}
    assert set(TABLES) | set(PAGES) <= gets
    assert gets == set(TABLES) | set(PAGES) | not_tables
    for path, blocks in PAGES.items():  # a page: format, and block naming one of its tables
        params = {p["name"]: p for p in spec[path]["get"].get("parameters", [])}
        assert "format" in params, path
        assert params["block"]["schema"]["enum"] == list(blocks)
    for path in TABLES:
        params = {p["name"] for p in spec[path]["get"].get("parameters", [])}
        assert "format" in params, path
        assert {"text/csv", XLSX} <= set(spec[path]["get"]["responses"]["200"]["content"])
    for path in not_tables:
        params = {p["name"] for p in spec[path]["get"].get("parameters", [])}
        assert "format" not in params, path


@pytest.mark.parametrize("route", sorted(TABLES))
def test_every_table_endpoint_downloads(client: TestClient, route: str) -> None:
    path = route
    for k, v in SAMPLE.items():
        path = path.replace(k, v)
    path += QUERY.get(route, "")
    answer = client.get(path)
    assert answer.status_code == 200, (path, answer.text)
    rows = json_rows(answer.json(), TABLES[route])
    sep = "&" if "?" in path else "?"
    r = client.get(path + sep + "format=csv")
    assert r.status_code == 200, r.text
    header, body = parse_csv(r.text)
    assert len(body) == len(rows)
    keys = list(dict.fromkeys(k for row in rows for k in row))
    assert header[: len(keys)] == keys
    assert header[len(keys) :] in ([], ["sources"])


def test_busy_store_while_writing_the_sources_sheet_is_503(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from critmin.api import tables
    from critmin.errors import StoreBusyError

    def busy() -> list[dict[str, Any]]:
        raise StoreBusyError("server busy with other requests; retry shortly")

    monkeypatch.setattr(tables, "_sources_table", busy)
    r = client.get(f"{API}/production/cobalt?format=xlsx")
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
    assert r.json()["detail"].startswith("server busy")
    assert client.get(f"{API}/production/cobalt?format=csv").status_code == 200  # no lookup


# -- a page (country profile, mineral sheet): one block per file -----------------------------

PAGE_CASES = [
    ("/countries/COD", "production"),
    ("/countries/COD", "commitments_received"),
    ("/countries/IDN", "controls_imposed"),
    ("/minerals/cobalt/sheet", "production"),
    ("/minerals/cobalt/sheet", "prices"),
    ("/minerals/gallium/sheet", "hhi"),
]


@pytest.mark.parametrize(("path", "block"), PAGE_CASES)
def test_a_page_block_as_csv_equals_its_json_rows(
    client: TestClient, path: str, block: str
) -> None:
    answer = client.get(API + path).json()
    rows = answer[block]["rows"]
    assert rows, (path, block)
    r = client.get(f"{API}{path}?format=csv&block={block}")
    assert r.status_code == 200, r.text
    name = "critmin-" + "-".join(p for p in path.split("/") if p) + f"-block-{block}.csv"
    assert r.headers["content-disposition"] == f'attachment; filename="{name}"'
    own = any("source_id" in row or isinstance(row.get("sources"), list) for row in rows)
    assert_csv_equals_json(r.text, rows, [] if own else ["sources"])


def test_a_page_block_as_xlsx_lists_the_blocks_sources(client: TestClient) -> None:
    answer = client.get(f"{API}/countries/COD").json()["production"]
    r = client.get(f"{API}/countries/COD?format=xlsx&block=production")
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    book = zipfile.ZipFile(io.BytesIO(r.content))
    assert len(sheet_rows(book, 1)) == len(answer["rows"]) + 1
    cited = {row[0] for row in sheet_rows(book, 2)[1:]}
    assert cited and cited <= {s["source_id"] for s in answer["sources"]} | {
        row.get("source_id") for row in answer["rows"]
    }


@pytest.mark.parametrize(
    ("query", "value"),
    [
        ("?format=csv", None),  # a page is several tables: which one?
        ("?format=csv&block=owners", "owners"),
        ("?format=csv&block=production&block=ownership", "ownership"),
        ("?block=production", "production"),  # block without a file format
        ("?format=json&block=production", "production"),
    ],
)
def test_a_page_file_needs_one_known_block(client: TestClient, query: str, value: Any) -> None:
    r = client.get(f"{API}/countries/COD{query}")
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["field"] == "block" and body["value"] == value
    assert "block" in body["detail"] and "\n" not in body["detail"]


def test_block_on_a_single_table_endpoint_is_refused(client: TestClient) -> None:
    r = client.get(f"{API}/production/cobalt?format=csv&block=production")
    assert r.status_code == 422 and r.json()["field"] == "block"


def test_a_page_file_of_an_unknown_country_is_the_routes_422(client: TestClient) -> None:
    r = client.get(f"{API}/countries/XYZ?format=csv&block=production")
    assert r.status_code == 422 and r.json()["field"] != "block"
