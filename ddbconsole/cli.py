"""Command line: flags in the AWS CLI's spelling, the TUI by default, scriptable subcommands.

Global flags go before the subcommand, as in the AWS CLI:
    ddbconsole --endpoint-url http://localhost:8000 --read-only get Users '{"UserId": "u1"}'
Imports stay light here: Textual, aiobotocore and moto load only when needed (startup time matters).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Coroutine, Sequence
from typing import TYPE_CHECKING, Any

from ddbconsole import __version__
from ddbconsole.config import Flags, Profile, Settings, load_settings
from ddbconsole.errors import ConfigError, DdbConsoleError

if TYPE_CHECKING:
    from ddbconsole.demo.server import MotoProcess
    from ddbconsole.services import Services


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ddbconsole",
        description="A terminal console for operating Amazon DynamoDB. "
        "Without a subcommand it opens the interactive console.",
    )
    parser.add_argument("--version", action="version", version=f"ddbconsole {__version__}")
    parser.add_argument(
        "--profile", help="ddbconsole profile from the config, or an AWS profile name"
    )
    parser.add_argument("--region", help="AWS region (overrides AWS_REGION and the profile)")
    parser.add_argument(
        "--endpoint-url", help="endpoint for every AWS client (e.g. DynamoDB Local)"
    )
    parser.add_argument("--config", help="config file (default: $DDBCONSOLE_CONFIG, then XDG path)")
    parser.add_argument(
        "--read-only", action="store_true", help="refuse every write at the client; nothing is sent"
    )
    parser.add_argument(
        "--demo", action="store_true", help="start an embedded local AWS (moto) with demo tables"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    tables = sub.add_parser("tables", help="list tables")
    tables.set_defaults(run=_cmd_tables)
    describe = sub.add_parser("describe", help="describe a table as JSON")
    describe.add_argument("table")
    describe.set_defaults(run=_cmd_describe)
    from ddbconsole.cli_items import add_item_commands

    add_item_commands(sub)
    from ddbconsole.cli_transfer import add_transfer_commands

    add_transfer_commands(sub)
    from ddbconsole.cli_backups import add_backup_commands

    add_backup_commands(sub)
    from ddbconsole.cli_streams import add_stream_commands

    add_stream_commands(sub)
    from ddbconsole.cli_diagnose import add_diagnose_commands

    add_diagnose_commands(sub)
    return parser


async def _cmd_tables(services: Services, args: argparse.Namespace) -> int:
    async for page in services.tables.iter_table_names():
        for name in page:
            print(name)
    return 0


async def _cmd_describe(services: Services, args: argparse.Namespace) -> int:
    import json

    raw = await services.tables.describe_raw(args.table)
    print(json.dumps(raw, indent=2, default=str))
    return 0


def _fail(exc: DdbConsoleError) -> int:
    print(f"ddbconsole: {exc}", file=sys.stderr)
    return exc.exit_code


def _demo_settings(settings: Settings, server: MotoProcess) -> Settings:
    from dataclasses import replace

    from ddbconsole.demo.seed import DEMO_BUCKET
    from ddbconsole.demo.server import DEMO_CREDENTIALS, DEMO_REGION

    # Only this process talks to the embedded moto: give botocore the demo's dummy keys.
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(var, None)
    os.environ.update(DEMO_CREDENTIALS)
    profile = Profile(name="demo", region=DEMO_REGION, endpoint_url=server.url)
    # The S3 forms start with the demo's bucket, which a newcomer could not know.
    return replace(settings.with_profile(profile), s3_bucket=settings.s3_bucket or DEMO_BUCKET)


async def _run_command(settings: Settings, args: argparse.Namespace) -> int:
    from ddbconsole.services import Services

    services = Services(settings)
    try:
        code: int = await args.run(services, args)
        return code
    finally:
        await services.close()


# After the first Ctrl-C, how long cancellation may take before the process exits anyway.
CANCEL_GRACE = 5.0


def run_interruptible(coro: Coroutine[Any, Any, int], grace: float = CANCEL_GRACE) -> int:
    """Run a subcommand; Ctrl-C cancels it (its cleanup runs: an import saves its checkpoint).

    Cancellation must always finish, whatever the retry state of a client: if it has not after
    `grace` seconds, or at a second Ctrl-C, the process exits at once with 130. Raises
    KeyboardInterrupt when the command was cancelled (main turns that into exit 130).
    """
    loop = asyncio.new_event_loop()
    task = loop.create_task(coro)
    interrupts = 0

    def force_exit(why: str) -> None:
        print(f"\nddbconsole: {why}; exiting now", file=sys.stderr, flush=True)
        with contextlib.suppress(Exception):
            sys.stdout.flush()
        os._exit(130)

    def still_cancelling() -> None:
        if not task.done():
            print("ddbconsole: cancelling… (Ctrl-C again to exit now)", file=sys.stderr, flush=True)

    def on_sigint() -> None:
        nonlocal interrupts
        interrupts += 1
        if interrupts > 1:
            force_exit("interrupted again")
        task.cancel()
        loop.call_later(0.5, still_cancelling)
        loop.call_later(grace, force_exit, f"cancelling took more than {grace:g} s")

    handled = threading.current_thread() is threading.main_thread()
    if handled:
        loop.add_signal_handler(signal.SIGINT, on_sigint)
    try:
        return loop.run_until_complete(task)
    except asyncio.CancelledError:
        raise KeyboardInterrupt from None
    finally:
        # Tasks the command left behind get the same bounded chance to finish.
        others = asyncio.all_tasks(loop)
        for other in others:
            other.cancel()
        if others:
            loop.run_until_complete(asyncio.wait(others, timeout=grace))
        with contextlib.suppress(Exception):
            loop.run_until_complete(loop.shutdown_asyncgens())
        if handled:
            loop.remove_signal_handler(signal.SIGINT)
        loop.close()


def _quiet_libraries() -> None:
    """botocore logs SSO refresh failures with tracebacks; we report them ourselves, in one line."""
    import logging

    logging.getLogger().addHandler(logging.NullHandler())
    for name in ("botocore", "aiobotocore", "urllib3"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def main(argv: Sequence[str] | None = None) -> int:
    """The console script. Every subcommand ends the same way on a closed stdout (`| head`: quietly,
    exit 141 as if killed by SIGPIPE) and on Ctrl-C (exit 130), without a traceback."""
    try:
        try:
            return _main(argv)
        finally:
            if sys.stdout is not None:
                sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
    except BrokenPipeError:
        # Later flushes (at exit) must not fail again: point stdout at /dev/null.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        return 130


def _main(argv: Sequence[str] | None) -> int:
    _quiet_libraries()
    parser = build_parser()
    args = parser.parse_args(argv)
    flags = Flags(
        config=args.config,
        profile=args.profile,
        region=args.region,
        endpoint_url=args.endpoint_url,
        read_only=args.read_only,
        demo=args.demo,
    )
    try:
        settings = load_settings(flags)
        from ddbconsole.ui.keys import check_keymap

        check_keymap(settings)
    except ConfigError as exc:
        return _fail(exc)

    server: MotoProcess | None = None
    try:
        if settings.demo:
            import importlib.util

            from ddbconsole.demo.server import DemoStartError, MotoProcess

            if importlib.util.find_spec("moto") is None:
                print(
                    "ddbconsole: --demo needs moto: python3 -m pip install -e '.[demo]' "
                    "(or pip install 'ddbconsole[demo]')",
                    file=sys.stderr,
                )
                return 2
            print("Starting the embedded local AWS (moto)…", file=sys.stderr, flush=True)
            try:
                server = MotoProcess(seed=True, traffic=args.command is None).start()
            except DemoStartError as exc:
                print(f"ddbconsole: {exc}", file=sys.stderr)
                return 1
            settings = _demo_settings(settings, server)
        if args.command is not None:
            return run_interruptible(_run_command(settings, args))
        return _run_tui(settings)
    except DdbConsoleError as exc:
        return _fail(exc)
    finally:
        if server is not None:
            server.stop()


def _run_tui(settings: Settings) -> int:
    from ddbconsole.services.prefetch import TablePrefetch

    prefetch = TablePrefetch.start(settings)  # fork first: no thread may exist yet
    from ddbconsole.services import Services

    # Without a prefetch, prepare the AWS session in a thread while the UI loads.
    services = Services(settings, prepare_early=prefetch is None)
    from ddbconsole.ui.app import make_app

    app = make_app(settings, services=services, prefetch=prefetch)
    app.run()
    return int(app.return_code or 0)
