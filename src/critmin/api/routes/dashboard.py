"""The dashboard, the docs page and the assets they load, all served from this machine.

- ``/`` the dashboard and ``/docs`` the interactive API docs (static pages in api/static/,
  no inline script, so the Content-Security-Policy can say ``script-src 'self'``);
- ``/static/app/*`` their own scripts and styles;
- ``/static/vendor/plotly.min.js`` the plotly.js the plotly package ships;
- ``/static/topojson/world_110m.json`` the world map plotly.js would otherwise fetch from a
  CDN (the dashboard sets ``topojsonURL`` to ``/static/topojson/``);
- ``/static/docs/swagger-ui*`` Swagger UI from the fastapi-offline package.
"""

from __future__ import annotations

import hashlib
import importlib.util
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from critmin.errors import NotFoundError

STATIC = Path(__file__).resolve().parent.parent / "static"
BRIEF_ASSETS = Path(__file__).resolve().parents[2] / "brief" / "assets"
WORLD = BRIEF_ASSETS / "world_110m.json"
CACHE_LONG = "public, max-age=86400"
CACHE_REVALIDATE = "no-cache"

router = APIRouter(include_in_schema=False)


def _package_dir(name: str) -> Path:
    """A package's folder, found without importing it (plotly's import is slow)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise NotFoundError(f"package {name} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def _etag(path: Path) -> str:
    st = path.stat()
    return (
        '"'
        + hashlib.sha256(f"{path}:{st.st_mtime_ns}:{st.st_size}".encode()).hexdigest()[:32]
        + '"'
    )


def _file(request: Request, path: Path, media_type: str, cache_control: str) -> Response:
    if not path.is_file():
        raise NotFoundError("not found")
    tag = _etag(path)
    headers = {"ETag": tag, "Cache-Control": cache_control}
    wanted = request.headers.get("if-none-match", "")
    if tag in [t.strip().removeprefix("W/") for t in wanted.split(",")]:
        return Response(status_code=304, headers=headers)
    return FileResponse(path, media_type=media_type, headers=headers)


@router.get("/")
def index(request: Request) -> Response:
    return _file(request, STATIC / "index.html", "text/html; charset=utf-8", CACHE_REVALIDATE)


@router.get("/docs")
def docs(request: Request) -> Response:
    return _file(request, STATIC / "docs.html", "text/html; charset=utf-8", CACHE_REVALIDATE)


APP_FILES = {
    "app.js": "text/javascript; charset=utf-8",
    "pages.js": "text/javascript; charset=utf-8",
    "docs.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}


# the chart-fitting script the brief inlines (one copy, so the two draw charts alike)
SHARED_FILES = {"fit.js": BRIEF_ASSETS / "fit.js"}


@router.get("/static/app/{name}")
def app_file(name: str, request: Request) -> Response:
    if name in SHARED_FILES:
        return _file(
            request, SHARED_FILES[name], "text/javascript; charset=utf-8", CACHE_REVALIDATE
        )
    if name not in APP_FILES:
        raise NotFoundError("not found")
    return _file(request, STATIC / name, APP_FILES[name], CACHE_REVALIDATE)


@router.get("/static/vendor/plotly.min.js")
def plotly_js(request: Request) -> Response:
    path = _package_dir("plotly") / "package_data" / "plotly.min.js"
    return _file(request, path, "text/javascript; charset=utf-8", CACHE_LONG)


@router.get("/static/topojson/world_110m.json")
def world_topojson(request: Request) -> Response:
    return _file(request, WORLD, "application/json", CACHE_LONG)


DOCS_FILES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
}


@router.get("/static/docs/{name}")
def docs_asset(name: str, request: Request) -> Response:
    if name not in DOCS_FILES:
        raise NotFoundError("not found")
    path = _package_dir("fastapi_offline") / "static" / name
    return _file(request, path, DOCS_FILES[name], CACHE_LONG)
