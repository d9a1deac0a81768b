"""The `critmin` commands (typer + rich): the app, and ``run`` that never raises.

Heavy libraries (polars, duckdb, numpy) are imported inside commands so `critmin --help`
imports neither. Every failure the user can fix is one line on stderr and exit code 2. The
console entry point is :func:`critmin.cli.main`, which answers a repeated read-only command
from the render cache (:mod:`critmin.cli.render_cache`) before this module is imported.
"""

from __future__ import annotations

import errno
import inspect
import io
import os
import sys

import typer

from critmin.cli import brief as brief_cmd
from critmin.cli import data as data_cmd
from critmin.cli import db as db_cmd
from critmin.cli import floor as floor_cmd
from critmin.cli import ledger as ledger_cmd
from critmin.cli import lookups as lookups_cmd
from critmin.cli import pages as pages_cmd
from critmin.cli import pipeline as pipeline_cmd
from critmin.cli import reference as reference_cmd
from critmin.cli import scenario as scenario_cmd
from critmin.cli import serve as serve_cmd
from critmin.cli import stockpile as stockpile_cmd
from critmin.cli import supply as supply_cmd
from critmin.cli import sweep as sweep_cmd

app = typer.Typer(
    name="critmin",
    help="Critical-minerals supply security: sourced numbers on who controls supply, "
    "what states committed, and what an export cut does.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(db_cmd.app, name="db")
app.add_typer(data_cmd.app, name="data")
app.add_typer(ledger_cmd.app, name="ledger")
reference_cmd.register(app)
supply_cmd.register(app)
lookups_cmd.register(app)
pages_cmd.register(app)
pipeline_cmd.register(app)
floor_cmd.register(app)
scenario_cmd.register(app)
stockpile_cmd.register(app)
serve_cmd.register(app)
sweep_cmd.register(app)
app.command("brief")(brief_cmd.brief_cmd)


def _first_paragraph(text: str | None) -> str | None:
    if not text:
        return None
    para = inspect.cleandoc(text).split("\n\n")[0]
    return " ".join(para.split())


def _uncut_help(group: typer.Typer) -> None:
    """Every command list shows each command's first paragraph whole (click would cut it to
    about 45 characters): each command and group gets it as its short help."""
    from typer.models import DefaultPlaceholder

    def given(value: object) -> str | None:
        return None if isinstance(value, DefaultPlaceholder) else value  # type: ignore[return-value]

    for cmd in group.registered_commands:
        if given(cmd.short_help) is None:
            cmd.short_help = _first_paragraph(given(cmd.help) or inspect.getdoc(cmd.callback))
    for sub in group.registered_groups:
        inst = sub.typer_instance
        if inst is None:
            continue
        if given(sub.short_help) is None:
            text = given(sub.help) or given(inst.info.help)
            if text is None and inst.registered_callback is not None:
                text = inspect.getdoc(inst.registered_callback.callback)
            sub.short_help = _first_paragraph(text)
        _uncut_help(inst)


_uncut_help(app)


def _print_version(value: bool) -> None:
    # eager, so that `critmin --version` alone prints it (no "Missing command")
    if value:
        from critmin import __version__

        typer.echo(__version__)
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        help="Print the version and exit.",
        is_eager=True,
        callback=_print_version,
    ),
) -> None:
    pass


def _fail(message: str, code: int = 2) -> int:
    from critmin.cli.output import printable

    first = message.strip().splitlines()[0] if message.strip() else "failed"
    # a file name or a value in the message never drives the terminal (ANSI escapes)
    print(f"error: {printable(first)}", file=sys.stderr)
    return code


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (never raises, never prints a traceback)."""
    from critmin.errors import CritminError

    # a file name that is not UTF-8 reaches Python as lone surrogates: echo its bytes back
    # as they came instead of failing to print them
    if isinstance(sys.stdout, io.TextIOWrapper) and sys.stdout.errors == "strict":
        sys.stdout.reconfigure(errors="surrogateescape")
    try:
        result = app(args=argv, standalone_mode=False, prog_name="critmin")
        return int(result) if isinstance(result, int) else 0
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        return _fail("aborted", 130)
    except typer.TyperException as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":
            print(exc.format_message())  # the help text
            return 0
        ctx = getattr(exc, "ctx", None)
        hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
        return _fail(exc.format_message() + hint, int(getattr(exc, "exit_code", 2)) or 2)
    except CritminError as exc:
        return _fail(str(_as_typed(exc, sys.argv[1:] if argv is None else argv)))
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except BrokenPipeError:
        return 0
    except OSError as exc:
        if exc.errno == errno.ENOSPC:  # a full disk is named, never an internal error
            where = f"{exc.filename}: " if exc.filename else ""
            return _fail(f"{where}no space left on device; nothing was written")
        if exc.filename is None or os.environ.get("CRITMIN_DEBUG"):
            return _internal(exc)
        # the file system refused a path the user gave (name too long, permission denied)
        return _fail(f"{exc.filename}: {exc.strerror}")
    except Exception as exc:  # the promise: never a traceback
        return _internal(exc)


def _as_typed(exc: Exception, argv: list[str]) -> Exception:
    """An error naming a Python API keyword (``draws``, ``by``) names the option the user
    typed (``--draws``, ``--by``) when the command line holds it; otherwise unchanged."""
    from critmin.errors import InputError

    field = getattr(exc, "field", None)
    if not isinstance(exc, InputError) or exc.column is not None or not field:
        return exc
    if not field.replace("_", "").isalpha() or not field.islower():
        return exc
    opt = "--" + field.replace("_", "-")
    if not any(a == opt or a.startswith(opt + "=") for a in argv):
        return exc
    return InputError(exc.message, field=opt, value=exc.value, file=exc.file, line=exc.line)


def _internal(exc: Exception) -> int:
    if os.environ.get("CRITMIN_DEBUG"):
        raise exc
    return _fail(
        f"internal error ({type(exc).__name__}): {exc}; set CRITMIN_DEBUG=1 for details", 1
    )
