"""Backup, restore and S3 export/import subcommands (services: backups.py, s3jobs.py).

    ddbconsole backup create Users [--name NAME]          # prints the backup ARN
    ddbconsole backup list [Users] [--type USER]
    ddbconsole backup delete ARN
    ddbconsole backup restore ARN --to-table Users-copy [--wait]
    ddbconsole restore-pitr Users --to-table Users-then --time 2026-03-04T05:06:07Z [--wait]
    ddbconsole s3-export start Users --bucket B [--prefix P] [--wait]
    ddbconsole s3-export status|list|download ...
    ddbconsole s3-import start --bucket B --prefix P --table New --pk id[:S] [--wait]
    ddbconsole s3-import status|list ...

Every write is the same Plan the console shows (its requests are what is sent); in read-only mode
writes exit 3 before anything is sent. `--output json` prints the result as JSON. `--wait` follows
the job to its end: a status line on a terminal's stderr, nothing extra when piped; a failed
export or import exits 1.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ddbconsole.errors import UserInputError

if TYPE_CHECKING:
    from ddbconsole.models import RestoreOptions
    from ddbconsole.services import Services


class _Status:
    """One status line on stderr, rewritten, only when stderr is a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.started = time.monotonic()

    def __call__(self, text: str) -> None:
        if self.enabled:
            elapsed = time.monotonic() - self.started
            sys.stderr.write(f"\r\x1b[K{text} ({elapsed:.0f} s)")
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\x1b[K")


def _json(value: Any) -> str:
    def default(o: Any) -> Any:
        if isinstance(o, datetime):
            return o.isoformat()
        raise TypeError(type(o).__name__)

    data = asdict(value) if hasattr(value, "__dataclass_fields__") else value
    if isinstance(data, dict):
        data.pop("raw", None)
    return json.dumps(data, indent=2, default=default)


def _time(text: str | None, flag: str) -> datetime | None:
    if not text:
        return None
    from ddbconsole.services.backups import parse_time

    return parse_time(text, flag)


def _options(args: argparse.Namespace) -> RestoreOptions:
    from ddbconsole.models import RestoreOptions, Throughput

    def names(raw: str | None) -> tuple[str, ...] | None:
        if raw is None:
            return None
        return () if raw.strip() == "-" else tuple(n for n in raw.split(",") if n.strip())

    provisioned = None
    if args.read is not None or args.write is not None:
        provisioned = Throughput(args.read, args.write)
    return RestoreOptions(
        billing_mode=args.billing_mode,
        provisioned=provisioned,
        gsis=names(args.gsis),
        lsis=names(args.lsis),
        sse=args.sse,
        kms_key=args.kms_key or "",
    )


async def _execute(services: Services, plan: Any) -> Any:
    print(plan.title.rstrip("?"), file=sys.stderr)
    return await services.execute(plan)


# --- backups --------------------------------------------------------------------------------------


async def cmd_backup_create(services: Services, args: argparse.Namespace) -> int:
    made = await _execute(
        services, await services.backups.plan_create_backup(args.table, args.name)
    )
    print(_json(made) if args.output == "json" else made.arn)
    return 0


async def cmd_backup_list(services: Services, args: argparse.Namespace) -> int:
    backups = await services.backups.all_backups(args.table) if args.type == "ALL" else []
    if args.type != "ALL":
        start = None
        while True:
            page = await services.backups.list_backups(
                args.table, backup_type=args.type, start=start, limit=100
            )
            backups.extend(page.backups)
            if not page.next_start:
                break
            start = page.next_start
    if args.output == "json":
        print(json.dumps([json.loads(_json(b)) for b in backups], indent=2))
        return 0
    for b in backups:
        made = f"{b.created:%Y-%m-%dT%H:%M:%SZ}" if b.created else "?"
        size = "?" if b.size_bytes is None else str(b.size_bytes)
        print("\t".join((b.table, b.name, b.type, b.status, made, size, b.arn)))
    return 0


async def cmd_backup_delete(services: Services, args: argparse.Namespace) -> int:
    plan = await services.backups.plan_delete_backup(args.arn)
    await _execute(services, plan)
    print(_json({"BackupArn": args.arn, "deleted": True}) if args.output == "json" else plan.done)
    return 0


async def _follow_restore(services: Services, args: argparse.Namespace, plan: Any) -> int:
    await _execute(services, plan)
    target = str(plan.requests[0].params["TargetTableName"])
    result: dict[str, Any] = {"TargetTableName": target, "status": "CREATING"}
    if args.wait:
        status = _Status()
        done = await services.backups.wait_active(
            target, lambda p: status(f"{target}: {p.status}, {p.polls} polls")
        )
        status.done()
        result.update(status=done.status, elapsed=round(done.elapsed, 1))
    if args.output == "json":
        print(_json(result))
    else:
        print(f"{target}\t{result['status']}")
    return 0


async def cmd_backup_restore(services: Services, args: argparse.Namespace) -> int:
    plan = await services.backups.plan_restore(args.arn, args.to_table, _options(args))
    return await _follow_restore(services, args, plan)


async def cmd_restore_pitr(services: Services, args: argparse.Namespace) -> int:
    if args.time and args.latest:
        raise UserInputError("--time and --latest exclude each other", "give one (or neither)")
    when = _time(args.time, "--time")
    plan = await services.backups.plan_restore_pitr(
        args.table, args.to_table, when=when, options=_options(args)
    )
    return await _follow_restore(services, args, plan)


# --- S3 export and import -------------------------------------------------------------------------


def _job_line(job: Any) -> str:
    count = getattr(job, "item_count", None)
    if count is None:
        count = getattr(job, "imported", None)
    parts = [job.table, job.status, "" if count is None else str(count), job.failure, job.arn]
    return "\t".join(parts)


async def _finish_job(services: Services, args: argparse.Namespace, job: Any, kind: str) -> int:
    s3jobs = services.s3jobs
    if args.wait:
        status = _Status()
        follow = s3jobs.wait_export if kind == "export" else s3jobs.wait_import
        job = await follow(job.arn, lambda j: status(f"{kind} {j.status}"))
        status.done()
    print(_json(job) if args.output == "json" else _job_line(job))
    return 1 if job.status == "FAILED" else 0


async def cmd_export_start(services: Services, args: argparse.Namespace) -> int:
    incremental = None
    if args.from_time or args.to_time:
        start, end = _time(args.from_time, "--from"), _time(args.to_time, "--to")
        if start is None or end is None:
            raise UserInputError("An incremental export needs --from and --to", "give both")
        incremental = (start, end)
    plan = await services.s3jobs.plan_export(
        args.table,
        args.bucket,
        args.prefix or "",
        owner=args.owner,
        sse=args.sse,
        kms_key=args.kms_key or "",
        export_format=args.export_format,
        export_time=_time(args.export_time, "--export-time"),
        incremental=incremental,
        view_type=args.view_type,
    )
    return await _finish_job(services, args, await _execute(services, plan), "export")


async def cmd_export_status(services: Services, args: argparse.Namespace) -> int:
    return await _finish_job(
        services, args, await services.s3jobs.describe_export(args.arn), "export"
    )


async def _all_jobs(lister: Any, table_arn: str | None) -> list[Any]:
    jobs: list[Any] = []
    token = None
    while True:
        page, token = await lister(table_arn, token=token)
        jobs.extend(page)
        if not token:
            return jobs


async def _table_arn(services: Services, table: str | None) -> str | None:
    return (await services.tables.describe(table)).arn if table else None


async def cmd_export_list(services: Services, args: argparse.Namespace) -> int:
    jobs = await _all_jobs(services.s3jobs.list_exports, await _table_arn(services, args.table))
    return _print_jobs(jobs, args)


async def cmd_import_list(services: Services, args: argparse.Namespace) -> int:
    jobs = await _all_jobs(services.s3jobs.list_imports, await _table_arn(services, args.table))
    return _print_jobs(jobs, args)


def _print_jobs(jobs: list[Any], args: argparse.Namespace) -> int:
    if args.output == "json":
        print(json.dumps([json.loads(_json(j)) for j in jobs], indent=2))
    else:
        for job in jobs:
            print(_job_line(job))
    return 0


async def cmd_export_download(services: Services, args: argparse.Namespace) -> int:
    from ddbconsole.cli_transfer import _Progress

    progress = _Progress()
    result = await services.s3jobs.download(
        args.export, args.output_file, fmt=args.format, bucket=args.bucket, progress=progress
    )
    progress.done()
    print(
        f"downloaded {result.items:,} items from {result.files} data files "
        f"({result.compressed_bytes:,} bytes from S3) to {result.path} in {result.elapsed:.1f} s"
        + (f"; {result.deleted:,} deletes not written" if result.deleted else ""),
        file=sys.stderr,
    )
    return 0


def _key(text: str, flag: str) -> Any:
    from ddbconsole.models import KeySpec

    name, _, kind = text.partition(":")
    kind = kind or "S"
    if not name or kind not in ("S", "N", "B"):
        raise UserInputError(
            f"Invalid {flag} {text!r}", "give NAME or NAME:TYPE with TYPE S, N or B"
        )
    return KeySpec(name, kind)  # type: ignore[arg-type]


async def cmd_import_start(services: Services, args: argparse.Namespace) -> int:
    from ddbconsole.models import TableSpec, Throughput

    provisioned = None
    if args.billing_mode == "PROVISIONED":
        if args.read is None or args.write is None:
            raise UserInputError("Provisioned billing needs --read and --write", "give both")
        provisioned = Throughput(args.read, args.write)
    spec = TableSpec(
        args.table,
        _key(args.pk, "--pk"),
        _key(args.sk, "--sk") if args.sk else None,
        billing_mode=args.billing_mode,
        provisioned=provisioned,
    )
    header = tuple(h for h in (args.csv_header or "").split(",") if h.strip())
    plan = await services.s3jobs.plan_import(
        args.bucket,
        args.prefix or "",
        spec,
        input_format=args.input_format,
        compression=args.compression,
        owner=args.owner,
        csv_delimiter=args.csv_delimiter,
        csv_header=header,
    )
    return await _finish_job(services, args, await _execute(services, plan), "import")


async def cmd_import_status(services: Services, args: argparse.Namespace) -> int:
    return await _finish_job(
        services, args, await services.s3jobs.describe_import(args.arn), "import"
    )


# --- the parser -----------------------------------------------------------------------------------


def _common(parser: argparse.ArgumentParser, *, wait: bool = False) -> None:
    parser.add_argument("--output", choices=("text", "json"), default="text")
    if wait:
        parser.add_argument("--wait", action="store_true", help="follow until it ends")


def _restore_flags(parser: argparse.ArgumentParser) -> None:
    from ddbconsole.cli_items import _positive

    parser.add_argument("--to-table", required=True, metavar="NAME", help="the new table")
    parser.add_argument("--billing-mode", choices=("PAY_PER_REQUEST", "PROVISIONED"))
    parser.add_argument("--read", type=_positive, help="read capacity units (provisioned)")
    parser.add_argument("--write", type=_positive, help="write capacity units (provisioned)")
    parser.add_argument("--gsis", metavar="A,B", help="GSIs to keep (default all; - for none)")
    parser.add_argument("--lsis", metavar="A,B", help="LSIs to keep (default all; - for none)")
    parser.add_argument("--sse", choices=("DEFAULT", "KMS"), help="encryption of the new table")
    parser.add_argument("--kms-key", help="KMS key for --sse KMS (default: AWS managed)")
    _common(parser, wait=True)


def add_backup_commands(subparsers: Any) -> None:
    """Register backup, restore-pitr, s3-export and s3-import."""
    from ddbconsole.cli_items import _positive
    from ddbconsole.cli_transfer import FORMAT_CHOICES

    backup = subparsers.add_parser(
        "backup", help="on-demand backups: create, list, delete, restore"
    )
    bsub = backup.add_subparsers(dest="backup_command", metavar="ACTION", required=True)
    create = bsub.add_parser("create", help="back up a table; prints the backup ARN")
    create.add_argument("table")
    create.add_argument("--name", help="backup name (default: TABLE-<UTC timestamp>)")
    _common(create)
    create.set_defaults(run=cmd_backup_create)
    listing = bsub.add_parser("list", help="list backups (of one table, or all)")
    listing.add_argument("table", nargs="?")
    listing.add_argument("--type", choices=("ALL", "USER", "SYSTEM", "AWS_BACKUP"), default="ALL")
    _common(listing)
    listing.set_defaults(run=cmd_backup_list)
    delete = bsub.add_parser("delete", help="delete a backup")
    delete.add_argument("arn")
    _common(delete)
    delete.set_defaults(run=cmd_backup_delete)
    restore = bsub.add_parser("restore", help="restore a backup into a new table")
    restore.add_argument("arn")
    _restore_flags(restore)
    restore.set_defaults(run=cmd_backup_restore)

    pitr = subparsers.add_parser("restore-pitr", help="restore a table to a point in time")
    pitr.add_argument("table")
    pitr.add_argument("--time", metavar="ISO8601", help="the time to restore to (UTC if no offset)")
    pitr.add_argument("--latest", action="store_true", help="the latest restorable time (default)")
    _restore_flags(pitr)
    pitr.set_defaults(run=cmd_restore_pitr)

    export = subparsers.add_parser("s3-export", help="DynamoDB's export to S3 (needs PITR)")
    esub = export.add_subparsers(dest="export_command", metavar="ACTION", required=True)
    start = esub.add_parser("start", help="start an export of a table to S3")
    start.add_argument("table")
    start.add_argument("--bucket", required=True)
    start.add_argument("--prefix")
    start.add_argument("--owner", metavar="ACCOUNT", help="the bucket owner's account id")
    start.add_argument("--sse", choices=("AES256", "KMS"))
    start.add_argument("--kms-key")
    start.add_argument("--export-format", choices=("DYNAMODB_JSON", "ION"), default="DYNAMODB_JSON")
    start.add_argument("--export-time", metavar="ISO8601", help="a full export as of this time")
    start.add_argument("--from", dest="from_time", metavar="ISO8601", help="incremental: from")
    start.add_argument("--to", dest="to_time", metavar="ISO8601", help="incremental: to")
    start.add_argument(
        "--view-type", choices=("NEW_AND_OLD_IMAGES", "NEW_IMAGE"), default="NEW_AND_OLD_IMAGES"
    )
    _common(start, wait=True)
    start.set_defaults(run=cmd_export_start)
    status = esub.add_parser("status", help="describe an export")
    status.add_argument("arn")
    _common(status, wait=True)
    status.set_defaults(run=cmd_export_status)
    elist = esub.add_parser("list", help="list exports (of one table, or all)")
    elist.add_argument("table", nargs="?")
    _common(elist)
    elist.set_defaults(run=cmd_export_list)
    download = esub.add_parser("download", help="read a finished export into a local file")
    download.add_argument(
        "export", help="the export ARN (or, with --bucket, its manifest-summary.json key)"
    )
    download.add_argument("-o", "--output", dest="output_file", required=True, metavar="FILE")
    download.add_argument("--format", choices=FORMAT_CHOICES, default="jsonl")
    download.add_argument("--bucket", help="read the manifest at this bucket and key directly")
    download.set_defaults(run=cmd_export_download)

    imp = subparsers.add_parser("s3-import", help="DynamoDB's import from S3 into a new table")
    isub = imp.add_subparsers(dest="import_command", metavar="ACTION", required=True)
    istart = isub.add_parser("start", help="start an import into a new table")
    istart.add_argument("--bucket", required=True)
    istart.add_argument("--prefix", help="key prefix of the objects to import")
    istart.add_argument("--owner", metavar="ACCOUNT", help="the bucket owner's account id")
    istart.add_argument("--table", required=True, help="the new table's name")
    istart.add_argument("--pk", required=True, metavar="NAME[:TYPE]", help="partition key")
    istart.add_argument("--sk", metavar="NAME[:TYPE]", help="sort key")
    istart.add_argument(
        "--input-format", choices=("DYNAMODB_JSON", "CSV", "ION"), default="DYNAMODB_JSON"
    )
    istart.add_argument("--compression", choices=("NONE", "GZIP", "ZSTD"), default="NONE")
    istart.add_argument("--csv-delimiter")
    istart.add_argument("--csv-header", metavar="A,B", help="CSV column names (no header row)")
    istart.add_argument(
        "--billing-mode", choices=("PAY_PER_REQUEST", "PROVISIONED"), default="PAY_PER_REQUEST"
    )
    istart.add_argument("--read", type=_positive)
    istart.add_argument("--write", type=_positive)
    _common(istart, wait=True)
    istart.set_defaults(run=cmd_import_start)
    istatus = isub.add_parser("status", help="describe an import")
    istatus.add_argument("arn")
    _common(istatus, wait=True)
    istatus.set_defaults(run=cmd_import_status)
    ilist = isub.add_parser("list", help="list imports (into one table, or all)")
    ilist.add_argument("table", nargs="?")
    _common(ilist)
    ilist.set_defaults(run=cmd_import_list)
