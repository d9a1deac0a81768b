"""``?format=csv|xlsx``: every table the API answers, as a file, with the sources it cites.

:data:`TABLES` names the read endpoints whose answer is a table, and where its rows are: the
answer itself (a JSON list of objects) or one list inside the answer object (``rows``,
``shares``, ``events``...). :class:`TableDownloads`, a middleware, answers such a request as
the route would, then writes the same rows as a file (critmin.export: one cell rule for the
API and the brief):

- ``format=csv``: ``text/csv; charset=utf-8``, RFC 4180, a header row. A row's ``source_id``
  or ``sources`` stays in its column; rows that name no source of their own get a ``sources``
  column with the answer's source ids (a concentration's shares, a ledger summary has none).
- ``format=xlsx``: the table on the first sheet, and a second sheet ``sources`` with the
  publisher, title, URL and publication date of each source id the table cites.
- ``format=json`` (the default): the JSON answer, unchanged.

A page (a country profile, a mineral sheet: :data:`PAGES`) is several tables: a file of one
needs ``block=`` naming it (``/api/v1/countries/COD?format=csv&block=production``), and
``block`` without a file format, or on another endpoint, is a 422.

Either file is sent as an attachment named ``critmin-<endpoint>-<parameters>.<ext>``
(``critmin-concentration-cobalt-stage-refine.csv``). Another format value is a 422 naming
``format`` and the value; ``format=csv`` on an endpoint whose answer is not a table (a chart,
one source, a preset, a simulation) is a 422 too, never ignored. An error of the route itself
(404, 422, 503) is sent as the route sent it, in JSON.

The ``format`` parameter never reaches the route: the middleware takes it off the query, so
the route answers exactly the question ``format=json`` would ask.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from critmin import export
from critmin.api.app import RETRY_AFTER_S, error
from critmin.capabilities.profiles import COUNTRY_BLOCKS, SHEET_BLOCKS
from critmin.errors import CritminError, StoreBusyError

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREFIX = "/api/v1/"
FORMATS = ("json", "csv", "xlsx")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MAX_FILENAME = 150

# route path -> the key of the answer's rows (None: the answer is the list of rows)
TABLES: dict[str, str | None] = {
    "/api/v1/minerals": None,
    "/api/v1/sources": None,
    "/api/v1/countries": None,
    "/api/v1/agencies": None,
    "/api/v1/coverage": None,
    "/api/v1/concentration": None,
    "/api/v1/concentration/{mineral}": "shares",
    "/api/v1/production/{mineral}": "rows",
    "/api/v1/us-supply/{mineral}": "rows",
    "/api/v1/prices/{mineral}": "rows",
    "/api/v1/reserves/{mineral}": "rows",
    "/api/v1/imports/{mineral}": "shares",
    "/api/v1/dominance": None,
    "/api/v1/control/{mineral}": "by_owner_iso3",
    "/api/v1/control/{mineral}/projects": "by_project",
    "/api/v1/controls": None,
    "/api/v1/controls/{control_id}": "events",
    "/api/v1/exposure": None,
    "/api/v1/ledger": None,
    "/api/v1/ledger/{row_id}/history": None,
    "/api/v1/ledger/summary": "rows",
    "/api/v1/ledger/gap": "rows",
    "/api/v1/ledger/reconcile": None,
    "/api/v1/floor/presets/{name}/band": "rows",
    "/api/v1/scenarios": None,
    "/api/v1/scenarios/backtest": "cases",
    "/api/v1/pipeline/projects": None,
}

# page endpoints (critmin.capabilities.profiles): several tables, one chosen with ``block=``
# for a file
PAGES: dict[str, tuple[str, ...]] = {
    "/api/v1/countries/{country}": COUNTRY_BLOCKS,
    "/api/v1/minerals/{mineral}/sheet": SHEET_BLOCKS,
}

FORMAT_PARAMETER: dict[str, Any] = {
    "name": "format",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "enum": list(FORMATS), "default": "json"},
    "description": (
        "json (default), or the table as a file: csv (RFC 4180, UTF-8, header row, each "
        "row's sources) or xlsx (the table and a `sources` sheet)."
    ),
}


def filename(path: str, params: list[tuple[str, str]], fmt: str) -> str:
    """``critmin-<endpoint>-<parameters>.<fmt>``: the path after /api/v1/ and each query
    name and value, characters other than letters, digits, ``.``, ``_`` and ``-`` as ``_``."""
    parts = [p for p in path.removeprefix(PREFIX).split("/") if p]
    for name, value in params:
        parts += [name, value]
    safe = [re.sub(r"[^A-Za-z0-9._-]+", "_", p).strip("._") or "_" for p in parts]
    stem = "-".join(["critmin", *safe])[:MAX_FILENAME].rstrip("-.")
    return f"{stem}.{fmt}"


def table_of(answer: Any, key: str | None) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows of ``answer`` (TABLES' ``key``) and the source ids the answer itself names;
    when no row names a source of its own, each row gets a ``sources`` column with those."""
    found = answer if key is None else (answer.get(key) if isinstance(answer, dict) else None)
    rows = [r if isinstance(r, dict) else {"value": r} for r in (found or [])]
    top = answer.get("sources") if key is not None and isinstance(answer, dict) else None
    answer_ids = export.cited_ids([], top if isinstance(top, list) else [])
    own = any("source_id" in r or isinstance(r.get("sources"), list) for r in rows)
    if answer_ids and not own:
        rows = [{**r, "sources": answer_ids} for r in rows]
    return rows, answer_ids


def _sources_table() -> list[dict[str, Any]]:
    from critmin.capabilities.reference import sources

    rows: list[dict[str, Any]] = sources().to_dict()
    return rows


def render(
    answer: Any, key: str | None, path: str, params: list[tuple[str, str]], fmt: str
) -> tuple[bytes, str]:
    """The file of ``answer``'s table in ``fmt`` (csv or xlsx) and its file name."""
    from critmin.api.routes import call

    rows, answer_ids = table_of(answer, key)
    name = filename(path, params, fmt)
    if fmt == "csv":
        return export.to_csv(rows).encode("utf-8"), name
    ids = export.cited_ids(rows, answer_ids)
    cited = export.source_rows(ids, call(_sources_table) if ids else [])
    title = "-".join(p for p in path.removeprefix(PREFIX).split("/") if p)
    sheets = [(title, rows, None), ("sources", cited, list(export.SOURCE_COLUMNS))]
    return export.to_xlsx(sheets), name


def block_parameter(blocks: tuple[str, ...]) -> dict[str, Any]:
    """The OpenAPI description of ``block``: which table of a page a file holds."""
    return {
        "name": "block",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": list(blocks)},
        "description": "with format=csv or xlsx: the page's table to write (required then).",
    }


def document(app: FastAPI) -> None:
    """Add ``format`` (and ``block`` on a page) to the OpenAPI document of every table
    endpoint, with the CSV and XLSX media types of its 200 answer (the check of query names
    reads the same document)."""
    base = app.openapi

    def openapi() -> dict[str, Any]:
        schema = base()
        for path, ops in schema.get("paths", {}).items():
            op = ops.get("get")
            if (path not in TABLES and path not in PAGES) or op is None:
                continue
            params = op.setdefault("parameters", [])
            if not any(p.get("name") == "format" and p.get("in") == "query" for p in params):
                params.append(dict(FORMAT_PARAMETER))
            if path in PAGES and not any(p.get("name") == "block" for p in params):
                params.append(block_parameter(PAGES[path]))
            content = op.get("responses", {}).get("200", {}).setdefault("content", {})
            for media in MEDIA_TYPES.values():
                content.setdefault(media.split(";")[0], {"schema": {"type": "string"}})
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


class TableDownloads:
    """ASGI middleware for ``format`` on ``GET /api/v1/...`` (module docstring). ``api``: the
    FastAPI app whose routes say which endpoint a path is."""

    def __init__(self, app: ASGIApp, api: FastAPI) -> None:
        self.app = app
        self.api = api
        self._paths: list[tuple[str, re.Pattern[str]]] | None = None

    def _route(self, path: str) -> str | None:
        """The path template of the GET operation ``path`` names (the OpenAPI document's
        paths, in the order the app tries its routes), or None."""
        if self._paths is None:
            self._paths = [
                (p, re.compile(re.sub(r"\\\{[^/]+\\\}", "[^/]+", re.escape(p)) + "$"))
                for p, ops in self.api.openapi()["paths"].items()
                if "get" in ops
            ]
        return next((p for p, rx in self._paths if rx.match(path)), None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not scope["path"].startswith(PREFIX)
        ):
            await self.app(scope, receive, send)
            return
        pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        asked = [v for k, v in pairs if k == "format"]
        blocks = [v for k, v in pairs if k == "block"]

        async def reply(response: Response) -> None:
            await response(scope, receive, send)

        if blocks and not asked:  # documented on pages, so the route's name check lets it by
            msg = "block: names the table of a page for format=csv or xlsx; ask with format"
            await reply(error(422, msg, "block", blocks[0]))
            return
        if not asked:
            await self.app(scope, receive, send)
            return

        if len(asked) > 1:
            await reply(error(422, "format: given more than once", "format", asked[1]))
            return
        fmt = asked[0].strip().lower()
        if fmt not in FORMATS:
            msg = f"format: unknown format {asked[0]!r}; use json, csv or xlsx"
            await reply(error(422, msg, "format", asked[0]))
            return
        rest = [(k, v) for k, v in pairs if k not in ("format", "block")]
        inner = {**scope, "query_string": urlencode(rest).encode("ascii")}
        route = self._route(scope["path"])
        if blocks and (fmt == "json" or route not in PAGES):
            msg = "block: names the table of a page (countries, mineral sheets) for csv or xlsx"
            await reply(error(422, msg, "block", blocks[0]))
            return
        if fmt == "json" or route is None:  # route None: no such endpoint, the app's own 404
            await self.app(inner, receive, send)
            return
        if route in PAGES:
            block = blocks[0].strip().lower() if len(blocks) == 1 else None
            if block not in PAGES[route]:
                shown = "given more than once" if len(blocks) > 1 else "missing or unknown"
                msg = f"block: {shown}; a page is several tables, name one of " + ", ".join(
                    PAGES[route]
                )
                await reply(error(422, msg, "block", blocks[-1] if blocks else None))
                return
            await self._file(inner, receive, send, route, [*rest, ("block", block)], fmt, block)
            return
        if route not in TABLES:
            msg = (
                f"format: {fmt} is available for table endpoints only; this answer is not a "
                "table (ask without format for its JSON)"
            )
            await reply(error(422, msg, "format", asked[0]))
            return
        await self._file(inner, receive, send, route, rest, fmt)

    async def _file(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        route: str,
        params: list[tuple[str, str]],
        fmt: str,
        block: str | None = None,
    ) -> None:
        """Run the route, then answer its table (a page's ``block``) as a ``fmt`` file."""
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))

        await self.app(scope, receive, capture)
        if start is None:
            return
        body = b"".join(chunks)
        if start["status"] != 200:  # the route's own error, as it sent it
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        response: Response
        answer = json.loads(body)
        key = TABLES.get(route)
        if block is not None:  # a page's block: {title, columns, rows, note, sources}
            answer, key = answer[block], "rows"
        try:
            content, name = await run_in_threadpool(render, answer, key, scope["path"], params, fmt)
        except StoreBusyError as exc:
            response = error(503, str(exc), headers={"Retry-After": str(RETRY_AFTER_S)})
        except CritminError as exc:
            response = error(503, str(exc).splitlines()[0] if str(exc) else "error")
        else:
            response = Response(
                content,
                media_type=MEDIA_TYPES[fmt],
                headers={"Content-Disposition": f'attachment; filename="{name}"'},
            )
        await response(scope, receive, send)
