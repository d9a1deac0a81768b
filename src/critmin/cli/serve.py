"""`critmin serve`: the HTTP API and the dashboard (FastAPI under uvicorn, one worker)."""

from __future__ import annotations

import typer


def _port_free(host: str, port: int) -> str | None:
    """None when (host, port) can be bound, else the reason."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return f"unknown host ({exc.strerror})"
    except UnicodeError:  # the IDNA encoding refuses it (a label over 63 characters, say)
        return "not a valid host name"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            return exc.strerror or str(exc)
    return None


def serve_cmd(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    log_level: str = typer.Option(
        "info", "--log-level", help="critical, error, warning, info or debug."
    ),
) -> None:
    """Serve the HTTP API (/api/v1, docs at /docs) and the dashboard (/) until Ctrl-C.

    One worker: DuckDB admits one writing process per file. Reads are open; ledger writes
    need CRITMIN_API_TOKEN (unset: writes are refused). The store is CRITMIN_DB's.
    """
    from critmin.errors import InputError

    if not 1 <= port <= 65535:
        raise InputError("must be from 1 to 65535", field="--port", value=port)
    levels = ("critical", "error", "warning", "info", "debug")
    if log_level not in levels:
        raise InputError(f"choose one of {', '.join(levels)}", field="--log-level", value=log_level)
    busy = _port_free(host, port)
    if busy is not None:
        raise InputError(f"cannot listen there: {busy}", field="--port", value=f"{host}:{port}")

    import uvicorn

    from critmin.api import create_app
    from critmin.api.app import LOOPBACK_HOSTS, host_of
    from critmin.capabilities.store import open_store
    from critmin.settings import get_settings

    settings = get_settings()
    open_store()  # build the store before the first request, not during it
    # on a loopback address, only loopback Host names: no DNS rebinding from a web page
    local = host_of(host) in LOOPBACK_HOSTS or host.startswith("127.")
    allowed = (LOOPBACK_HOSTS | {host_of(host)}) if local else None
    app = create_app(settings, allowed_hosts=allowed, warm=True)
    shown = f"[{host}]" if ":" in host else host
    writes = "on (bearer token)" if app.state.api_token else "refused (no CRITMIN_API_TOKEN)"
    typer.echo(
        f"critmin dashboard http://{shown}:{port}/  API docs http://{shown}:{port}/docs  "
        f"store {settings.db}  writes {writes}",
        err=True,
    )
    from critmin.api.server import options

    # header and body deadlines, a cap on open connections: see critmin.api.server
    uvicorn.run(app, host=host, port=port, **options(settings, log_level))


def register(app: typer.Typer) -> None:
    """Add `serve` to the root app."""
    app.command("serve")(serve_cmd)
