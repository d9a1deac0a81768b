"""The FastAPI application: routes under /api/v1, the dashboard at /, errors as one line.

Error contract: every error body is ``{"detail": "...", "field": ..., "value": ...}``:
422 for bad input (critmin's InputError or request validation, naming the field), 404 for
what does not exist, 401/403 for writes without the token, 413 for bodies over 64 KiB,
503 with Retry-After when the store or the server is busy, and 500 with a generic message
(the traceback goes to the server log, never to the client).

Every response carries security headers (nosniff, DENY framing, no referrer, a
Content-Security-Policy of 'self' only); there is no CORS: browsers on other origins cannot
read the API.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException

from critmin import __version__
from critmin.api.models import MAX_BODY_BYTES, ErrorBody, Health
from critmin.errors import (
    CritminError,
    InputError,
    NotFoundError,
    StoreBusyError,
    StoreError,
    first_problem,
)

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from critmin.settings import Settings

log = logging.getLogger("critmin.api")

RETRY_AFTER_S = 5
# plotly.js injects <style> rules and sets inline styles, hence style-src 'unsafe-inline';
# scripts come only from this server ('self'), never inline, never eval'd.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": CSP,
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def encodable(text: str) -> str:
    """``text`` with what UTF-8 cannot encode (a lone surrogate such as ``\\ud800``, which
    JSON's ``\\ud800`` escape decodes to) written as a backslash escape, so that an error body
    that echoes it can be sent."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _short(value: Any) -> Any:
    """A value fit to echo in an error body: JSON scalars and short strings, else None."""
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, str):
        value = encodable(value)
        return value if len(value) <= 200 else value[:200] + "..."
    text = encodable(str(value))
    return text if len(text) <= 200 else None


def error(
    status: int,
    detail: str,
    field: str | None = None,
    value: Any = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = ErrorBody(
        detail=encodable(detail),
        field=None if field is None else encodable(field),
        value=_short(value),
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else "error"


async def _critmin_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, InputError):
        return error(422, _first_line(str(exc)), exc.field or exc.column, exc.value)
    if isinstance(exc, NotFoundError):
        return error(404, _first_line(str(exc)))
    if isinstance(exc, StoreBusyError):
        return error(503, _first_line(str(exc)), headers={"Retry-After": str(RETRY_AFTER_S)})
    if isinstance(exc, StoreError):
        log.error("store error on %s: %s", request.url.path, exc)
        return error(503, "the data store is unavailable; the server log has the details")
    return error(422, _first_line(str(exc)))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    p = first_problem(exc, request=True)
    return error(422, f"{p.field}: {p.message}" if p.field else p.message, p.field, p.value)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and "parsing the body" in str(exc.detail):
        # FastAPI's 400 for a body it cannot decode (not UTF-8): bad input like any other
        return error(422, "body: not valid JSON (UTF-8 text expected)", "body")
    return error(exc.status_code, str(exc.detail), headers=dict(exc.headers or {}))


def _cache_control(path: str) -> str | None:
    if path.startswith("/api/"):
        return "no-store"
    if path == "/openapi.json":
        return "no-cache"
    return None


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def host_of(header: str) -> str:
    """The host name of a Host header, without port or IPv6 brackets, lower case."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class Guard:
    """Outermost middleware: host check, body limit, security headers, no traceback sent.

    - ``allowed_hosts``: when given, a request whose Host header names another host is
      refused (400). ``critmin serve`` on a loopback address allows only loopback names,
      which keeps a web page from reading the API through DNS rebinding.
    - Bodies are read here in full, up to ``max_body`` bytes (413 beyond, whether announced
      by Content-Length or streamed), then replayed to the app. A body not received whole
      within ``body_timeout_s`` is a 408, and the connection is closed.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_body: int = MAX_BODY_BYTES,
        allowed_hosts: frozenset[str] | None = None,
        body_timeout_s: float = 30.0,
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.allowed_hosts = allowed_hosts
        self.body_timeout_s = body_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        path = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for key, value in SECURITY_HEADERS.items():
                    headers[key] = value
                cache = _cache_control(path)
                if cache and "cache-control" not in headers:
                    headers["Cache-Control"] = cache
            await send(message)

        async def reply(response: JSONResponse) -> None:
            await response(scope, receive, send_with_headers)

        headers = dict(scope.get("headers") or [])
        if self.allowed_hosts is not None:
            host = host_of(headers.get(b"host", b"").decode("latin-1"))
            if host not in self.allowed_hosts:
                await reply(error(400, "host not allowed", "Host", host))
                return
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                await reply(error(400, "invalid Content-Length header"))
                return
            if size > self.max_body:
                await reply(error(413, f"request body over {self.max_body} bytes"))
                return
        if scope.get("method") in ("POST", "PUT", "PATCH"):
            chunks: list[bytes] = []
            total = 0
            more = True
            deadline = asyncio.get_running_loop().time() + self.body_timeout_s
            while more:
                try:
                    async with asyncio.timeout_at(deadline):
                        message = await receive()
                except TimeoutError:
                    msg = f"request body not received within {self.body_timeout_s:g} s"
                    await reply(error(408, msg, headers={"Connection": "close"}))
                    return
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                total += len(chunk)
                if total > self.max_body:
                    await reply(error(413, f"request body over {self.max_body} bytes"))
                    return
                chunks.append(chunk)
                more = message.get("more_body", False)
            body = b"".join(chunks)
            replayed = False

            async def replay() -> Message:
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            inner_receive: Receive = replay
        else:
            inner_receive = receive
        try:
            await self.app(scope, inner_receive, send_with_headers)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), path)
            if not started:
                await reply(error(500, "internal error; the server log has the details"))


def create_app(
    settings: Settings | None = None,
    allowed_hosts: frozenset[str] | None = None,
    warm: bool = False,
) -> FastAPI:
    """The API, the dashboard and the docs page. ``settings`` default: the environment.

    The bearer token is read once, here. The store is the one CRITMIN_DB names, as for the
    CLI (every call goes through the same Python API functions). ``allowed_hosts``: the
    Host header names accepted (None: any; see :class:`Guard`). Read answers are kept in
    ``app.state.response_cache`` (:mod:`critmin.api.cache`); ``warm``: ask the dashboard's
    usual reads once in the background at start-up (``critmin serve`` does).
    """
    from collections.abc import AsyncIterator
    from contextlib import asynccontextmanager

    from critmin.api import tables
    from critmin.api.cache import CacheMiddleware, ResponseCache
    from critmin.api.cache import warm as warm_cache
    from critmin.api.routes import (
        charts,
        dashboard,
        floor,
        ledger,
        pages,
        pipeline,
        reference,
        scenarios,
        stockpile,
        supply,
    )
    from critmin.settings import get_settings, write_token

    settings = settings or get_settings()
    token = write_token(settings)  # a weak token stops the server here, not on the first write

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(warm_cache(app)) if warm else None
        yield
        if task is not None and not task.done():
            task.cancel()

    app = FastAPI(
        lifespan=lifespan,
        title="critmin HTTP API",
        version=__version__,
        summary="Critical-minerals supply security as sourced numbers.",
        description=(
            "Reads are open. The one write, `POST /api/v1/ledger`, needs "
            "`Authorization: Bearer <CRITMIN_API_TOKEN>`; without a configured token every "
            "write is refused. Numbers equal `critmin ... --json` for the same inputs. "
            "Errors: `{detail, field, value}`."
        ),
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.api_token = token
    app.add_exception_handler(CritminError, _critmin_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)

    @app.get("/healthz", response_model=Health, tags=["health"], summary="Liveness")
    async def healthz() -> Any:
        """``{"status": "ok"}`` while the server answers (does not open the store)."""
        # async: answered on the event loop, not behind reads queued for the thread pool
        return {"status": "ok", "version": __version__}

    for module in (
        reference,
        pages,
        supply,
        charts,
        ledger,
        floor,
        scenarios,
        stockpile,
        pipeline,
        dashboard,
    ):
        app.include_router(module.router)
    tables.document(app)  # before the query-name check reads the OpenAPI document
    _checks_before_route(app)
    app.add_middleware(tables.TableDownloads, api=app)  # ?format=csv|xlsx, inside gzip
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    cache = ResponseCache()
    app.state.response_cache = cache
    writes = [rx for _, rx, _, secured in _operations(app) if secured]
    app.add_middleware(CacheMiddleware, cache=cache, writes=writes)
    app.add_middleware(
        Guard,
        max_body=MAX_BODY_BYTES,
        allowed_hosts=allowed_hosts,
        body_timeout_s=settings.body_timeout_s,
    )
    return app


def _operations(app: FastAPI) -> list[tuple[str, re.Pattern[str], frozenset[str], bool]]:
    """(method, path pattern, query parameter names, needs a token) of every operation in the
    app's OpenAPI document, which the checks run before a route use."""
    out = []
    for path, ops in app.openapi()["paths"].items():
        rx = re.compile(re.sub(r"\\\{[^/]+\\\}", "[^/]+", re.escape(path)) + "$")
        for method, op in ops.items():
            names = frozenset(p["name"] for p in op.get("parameters", ()) if p["in"] == "query")
            out.append((method.upper(), rx, names, bool(op.get("security"))))
    return out


def _checks_before_route(app: FastAPI) -> None:
    """Checks made before FastAPI parses a request: the token, the query's names, then
    keys repeated in a JSON body (json.loads would keep the last one silently).

    FastAPI decodes a JSON body before it runs a route's dependencies, so without this a
    caller with no token would learn "JSON decode error" (422) rather than 401/403. The
    write routes are the operations the OpenAPI document marks with a security requirement.
    A query parameter the operation does not take (``?yaer=2023``) is a 422 naming it: FastAPI
    would ignore it and answer another question than the one asked.
    """
    from critmin.api.bodies import duplicate_key
    from critmin.api.routes import bearer, require_token

    operations = _operations(app)

    @app.middleware("http")
    async def before_route(request: Request, call_next: Any) -> Any:
        path = request.url.path
        op = next((o for o in operations if o[0] == request.method and o[1].match(path)), None)
        if op is None:
            return await call_next(request)
        if op[3]:
            try:
                require_token(request, await bearer(request))
            except StarletteHTTPException as exc:
                return await _http_error(request, exc)
        for name, value in request.query_params.multi_items():
            if name not in op[2]:
                takes = ", ".join(sorted(op[2])) or "none"
                shown = name if name and name.isprintable() else repr(name)
                msg = f"{shown}: unknown query parameter (this operation takes: {takes})"
                return error(422, msg, shown, value)
        if request.method in ("POST", "PUT", "PATCH"):
            # the Guard has read the body already (capped): this replays it
            repeated = duplicate_key(await request.body())
            if repeated is not None:
                shown = repeated if repeated.isprintable() else repr(repeated)
                msg = f"{shown}: key given more than once in the JSON body"
                return error(422, msg, shown)
        return await call_next(request)
