"""The command line: ``exo-bench-tui [SOURCE]``, ``summary`` and ``demo``.

Parsing only builds a :class:`Settings`; the heavy modules (boto3, Textual)
are imported inside the commands so ``--help`` stays fast. :func:`main` is
the one place that turns errors into a message and an exit code: 0 fine,
1 some documents or the source failed, 2 bad usage, 130 interrupted.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from exo_benchtui import __version__
from exo_benchtui.core.errors import BenchTuiError, FailureKind
from exo_benchtui.settings import (
    APP_NAME,
    DEFAULT_SOURCE,
    ENV_PREFIX,
    Settings,
    default_config_file,
    default_log_file,
    load_settings,
)

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

log = logging.getLogger(__name__)
# Until --log-file is set up, records go nowhere (not to stderr).
logging.getLogger("exo_benchtui").addHandler(logging.NullHandler())


def _epilog() -> str:
    # \b keeps click from re-wrapping the example block.
    return f"""\b
Examples:
  {APP_NAME}                          the default: {DEFAULT_SOURCE}
  {APP_NAME} s3://my-bucket/bench/    another bucket and prefix
  {APP_NAME} --profile exo s3://exo-benchmark-results/bench/
  {APP_NAME} ./results                documents in a local directory
  {APP_NAME} --kiosk --ascii s3://exo-benchmark-results/bench/
  {APP_NAME} summary ./results --format json
  {APP_NAME} demo                     a live demo on a local S3 server
  {APP_NAME} demo --summary

\b
Configuration file: {default_config_file()}
  (keys as the long options: refresh = 30, kiosk = true, ...; see the README)
Environment: {ENV_PREFIX}REFRESH=30, {ENV_PREFIX}KIOSK=true, ...
Precedence: flags > environment > configuration file > defaults.
Log file: {default_log_file()}
"""


# -- option groups shared by the commands -------------------------------------

_SOURCE_OPTIONS = (
    click.option(
        "--profile", metavar="NAME", help="AWS profile (SSO works: see README)."
    ),
    click.option("--region", metavar="REGION", help="AWS region of the bucket."),
    click.option(
        "--endpoint-url",
        metavar="URL",
        help="S3-compatible endpoint (MinIO, R2, Ceph, LocalStack).",
    ),
    click.option(
        "--no-sign-request",
        is_flag=True,
        default=None,
        help="Read a public bucket without credentials.",
    ),
    click.option(
        "--workers", type=int, metavar="N", help="Concurrent reads per sync (1-64)."
    ),
)
_DISPLAY_OPTIONS = (
    # Numbers as text: the settings check them and quote what the user typed
    # ("got '1'"), where click's float would turn 1 into 1.0 first.
    click.option(
        "--refresh",
        metavar="SECONDS",
        help="Seconds between syncs, at least 5 [default: 60].",
    ),
    click.option(
        "--kiosk/--no-kiosk",
        default=None,
        help="Full-screen wall display; quit with q twice.",
    ),
    click.option(
        "--cycle",
        metavar="SECONDS",
        help="Kiosk: seconds per series [default: 20].",
    ),
    click.option(
        "--ascii/--no-ascii",
        default=None,
        help="Only ASCII and line-drawing characters [default: from TERM].",
    ),
)
_COMMON_OPTIONS = (
    click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False, path_type=Path),
        metavar="FILE",
        help="Configuration file (TOML) instead of the default one.",
    ),
    click.option(
        "--log-file",
        type=click.Path(dir_okay=False, path_type=Path),
        metavar="FILE",
        help="Where to write the log.",
    ),
    click.option(
        "--log-level",
        type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
        help="How much to log [default: INFO].",
    ),
)


def _apply(options: tuple[Callable, ...]) -> Callable:
    def decorate(function: Callable) -> Callable:
        for option in reversed(options):
            function = option(function)
        return function

    return decorate


def _flag_values(params: dict[str, Any]) -> dict[str, Any]:
    """Command-line values by configuration key name (None = not given)."""
    names = {
        "profile",
        "region",
        "endpoint_url",
        "no_sign_request",
        "workers",
        "refresh",
        "kiosk",
        "cycle",
        "ascii",
        "log_file",
        "log_level",
        "source",
    }
    return {name: value for name, value in params.items() if name in names}


def _settings(
    ctx: click.Context, params: dict[str, Any], *, reads_source: bool = True
) -> Settings:
    """Settings from the group's flags, overridden by the command's own.

    ``reads_source`` False (the demo brings its own) skips the check that a
    configured source directory exists.
    """
    flags: dict[str, Any] = dict(ctx.obj.get("flags", {})) if ctx.obj else {}
    flags.update({k: v for k, v in _flag_values(params).items() if v is not None})
    config_file = params.get("config_file") or (ctx.obj or {}).get("config_file")
    return load_settings(flags, config_file=config_file, source_must_exist=reads_source)


def _start_logging(settings: Settings, command: str) -> None:
    from exo_benchtui.logs import setup_logging

    setup_logging(settings.log_file, settings.log_level)
    log.info("%s %s: %s on %s", APP_NAME, __version__, command, settings.source)


# -- the group: a SOURCE argument or a command --------------------------------


class _SourceOrCommand(click.Group):
    """A group whose first word is a command name, or else the SOURCE.

    click groups take positional words as command names; here an unknown first
    word is the dashboard's SOURCE, so ``exo-bench-tui s3://b/p`` and
    ``exo-bench-tui summary DIR`` both work, with options before or after.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        index = self._first_word(ctx, args)
        source = None
        if index is not None and args[index] not in self.commands:
            source = args[index]
            args = args[:index] + args[index + 1 :]
            if args[index:] and args[index] == "--":
                args = args[:index] + args[index + 1 :]
        rest = super().parse_args(ctx, args)
        ctx.params["source"] = source
        return rest

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Built when shown: the paths depend on the environment at that moment.
        self.epilog = _epilog()
        super().format_epilog(ctx, formatter)

    def _first_word(self, ctx: click.Context, args: list[str]) -> int | None:
        """The index of the first argument that is not an option or its value."""
        takes_value = set()
        for param in self.get_params(ctx):
            if isinstance(param, click.Option) and not (param.is_flag or param.count):
                takes_value.update(param.opts)
        index = 0
        while index < len(args):
            word = args[index]
            if word == "--":
                return index + 1 if index + 1 < len(args) else None
            if word.startswith("-") and word != "-":
                if word in takes_value:
                    index += 1  # skip the option's value
                index += 1
                continue
            return index
        return None


@click.group(
    cls=_SourceOrCommand,
    invoke_without_command=True,
    subcommand_metavar="[SOURCE] | COMMAND [ARGS]...",
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 88},
)
@click.version_option(__version__, "-V", "--version", prog_name=APP_NAME)
@_apply(_SOURCE_OPTIONS)
@_apply(_DISPLAY_OPTIONS)
@_apply(_COMMON_OPTIONS)
@click.pass_context
def cli(ctx: click.Context, **params: Any) -> int:
    """A terminal dashboard for EXO's benchmark results.

    Opens the dashboard on SOURCE: s3://BUCKET/PREFIX (default
    s3://exo-benchmark-results/bench/) or a local directory of result
    documents. Credentials come from the standard AWS chain (environment,
    profiles, SSO, instance roles); they are never read from the command line.
    """
    source = params.pop("source", None)
    ctx.obj = {
        "flags": {k: v for k, v in _flag_values(params).items() if v is not None},
        "config_file": params.get("config_file"),
    }
    if ctx.invoked_subcommand is not None:
        return EXIT_OK
    settings = _settings(ctx, {**params, "source": source})
    _start_logging(settings, "dashboard")
    return _run_dashboard(settings)


def _run_dashboard(settings: Settings) -> int:
    # Textual is imported only now: --help and summary never load it.
    from exo_benchtui.ui.app import make_app

    app = make_app(settings)
    app.run()
    code = getattr(app, "return_code", None)
    return code if isinstance(code, int) else EXIT_OK


# -- summary ------------------------------------------------------------------


def _format_option(help_text: str) -> Callable[[Callable[..., Any]], Any]:
    """``--format table|json|markdown``, shared by ``summary`` and ``demo``."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["table", "json", "markdown"]),
        default="table",
        show_default=True,
        help=help_text,
    )


@cli.command(
    short_help="Print the results as a table, JSON or Markdown.",
    epilog="Exit codes: 0 all documents read, 1 some problems, 2 bad usage.",
)
@click.argument("source", required=False)
@_format_option("table for people, json for scripts, markdown for pull requests.")
@_apply(_SOURCE_OPTIONS)
@_apply(_COMMON_OPTIONS)
@click.pass_context
def summary(ctx: click.Context, output_format: str, **params: Any) -> int:
    """Print the results under SOURCE (s3://BUCKET/PREFIX or a directory).

    Without SOURCE: the configured source, else
    s3://exo-benchmark-results/bench/.

    \b
    Examples:
      exo-bench-tui summary
      exo-bench-tui summary ./results
      exo-bench-tui summary s3://exo-benchmark-results/bench/ --format json
      exo-bench-tui summary s3://bucket/bench/ --format markdown > summary.md
    """
    settings = _settings(ctx, params)
    _start_logging(settings, "summary")
    return print_summary(settings, output_format)


def print_summary(settings: Settings, output_format: str) -> int:
    """Sync ``settings.source`` once into a store and print it; the exit code."""
    from exo_benchtui.core import report
    from exo_benchtui.core.sources import open_source
    from exo_benchtui.core.store import ResultStore
    from exo_benchtui.core.sync import SyncEngine
    from exo_benchtui.core.text import counted

    source = open_source(settings.source, settings.source_options())
    store = ResultStore()
    engine = SyncEngine(source, store, workers=settings.workers)
    # sync_complete: a big bucket may need more than one sync's deadline, and a
    # summary must not print a half-read bucket. The engine logs each sync.
    sync_report = engine.sync_complete()
    sync = sync_report if settings.is_s3 else None
    if output_format == "json":
        click.echo(report.render_json(store, sync=sync))
    elif output_format == "markdown":
        click.echo(report.render_markdown(store))
    else:
        from rich import box
        from rich.console import Console

        from exo_benchtui.terminal import detect_profile

        # Piped, Rich would assume 80 columns and hide columns a file has room for.
        wide = None if sys.stdout.isatty() or "COLUMNS" in os.environ else 200
        console = Console(width=wide)
        # The Linux console's font has single lines but no heavy ones.
        profile = detect_profile(ascii_flag=settings.ascii)
        lines = box.SQUARE if profile.ascii_only else box.HEAVY_HEAD
        table = report.render_table(
            store, width_cells=console.width, box=lines, shown=profile.text
        )
        console.print(table)
        problems = report.render_problems(store, shown=profile.text)
        if problems is not None:
            console.print(problems)
    if sync_report.remaining:
        left = counted(sync_report.remaining, "document")
        _error(f"{left} not read in time")
    incomplete = sync_report.problems or sync_report.remaining
    return EXIT_PROBLEMS if store.problems() or incomplete else EXIT_OK


# -- demo ---------------------------------------------------------------------


@cli.command()
@click.option(
    "--summary",
    "show_summary",
    is_flag=True,
    help="Print the demo's summary instead of opening the dashboard.",
)
@_format_option("The summary's format; giving it implies --summary.")
@_apply(_DISPLAY_OPTIONS[1:])
@_apply(_COMMON_OPTIONS)
@click.pass_context
def demo(
    ctx: click.Context, show_summary: bool, output_format: str, **params: Any
) -> int:
    """A live demo: a local S3 server with 60 days of made-up results.

    The server listens on 127.0.0.1 only and needs no network or credentials;
    a new result arrives about every 20 seconds and the dashboard syncs every
    10 seconds, through the same S3 code as a real bucket.

    \b
    Examples:
      exo-bench-tui demo
      exo-bench-tui demo --kiosk
      exo-bench-tui demo --summary
      exo-bench-tui demo --format markdown    (--format implies --summary)
    """
    # `demo --format json` asks for output, not a dashboard: it means --summary.
    if ctx.get_parameter_source("output_format") is ParameterSource.COMMANDLINE:
        show_summary = True
    settings = _settings(ctx, params, reads_source=False)
    _start_logging(settings, "demo")
    from exo_benchtui.demo import DemoServer

    # Writing the history takes a few seconds; say what is happening.
    click.echo(
        f"{APP_NAME} demo: starting a local S3 server with 60 days of results...",
        err=True,
    )
    with DemoServer(feed_interval_s=None if show_summary else 20.0) as server:
        settings = replace(
            settings,
            source=server.location,
            endpoint_url=server.endpoint_url,
            region=server.region,
            profile=None,
            no_sign_request=False,
            refresh_s=10.0,
        )
        log.info("demo server at %s", server.endpoint_url)
        if show_summary:
            return print_summary(settings, output_format)
        return _run_dashboard(settings)


# -- the one place errors become messages -------------------------------------


def _error(message: str) -> None:
    from exo_benchtui.core.text import printable

    # Messages quote what the user or a document gave (a SOURCE, a config
    # value, a key): no control character of theirs reaches the terminal.
    click.echo(f"{APP_NAME}: {printable(message, one_line=True)}", err=True)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    try:
        result = cli.main(args=argv, prog_name=APP_NAME, standalone_mode=False)
    except click.exceptions.Abort:
        _error("interrupted")
        return EXIT_INTERRUPTED
    except click.ClickException as error:
        message = error.format_message().rstrip(".")
        if not message.endswith(("?", "!")):
            message += "."
        command = error.ctx.command_path if getattr(error, "ctx", None) else APP_NAME
        _error(f"{message} See '{command} --help'.")
        return EXIT_USAGE if isinstance(error, click.UsageError) else error.exit_code
    except BenchTuiError as error:
        from exo_benchtui.logs import log_failure

        log_failure(error)
        _error(str(error))
        return EXIT_USAGE if error.kind is FailureKind.USAGE else EXIT_PROBLEMS
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `exo-bench-tui summary … | head`: the reader left; not an error.
        sys.stderr.close()
        return EXIT_OK
    return result if isinstance(result, int) else EXIT_OK
