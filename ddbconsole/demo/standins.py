"""Stand-ins for what moto 5.2 lacks or does differently from AWS in backups, exports and imports.

Installed in the embedded moto's child process only (never in the console). Each one is computed
from the data moto really holds, never a canned reply (see docs/ARCHITECTURE.md, "How to add"):

- ExportTableToPointInTime: moto writes one gzip data file of `{"Item": ...}` lines and no
  manifests, under a folder unrelated to the export's ARN (itself malformed). The stand-in writes
  the layout AWS documents: `<prefix>/AWSDynamoDB/<export id>/` with `_started`,
  `data/<name>.json.gz` (`.ion.gz` for ION; at most DATA_FILE_ITEMS items each),
  `manifest-files.json`, `manifest-summary.json` and their `.checksum` files (MD5, base64), from
  the table's real items (DynamoDB JSON, or Ion text as DynamoDB maps the types); the ARN is
  `table/<name>/export/<id>`; StartTime, EndTime, ExportTime and ExportManifest are answered.
  moto keeps no item history; the stand-in records it (demo/history.py) while a table's PITR is
  on, so a full export holds the items of its ExportTime, and an incremental export (DYNAMODB_JSON;
  ION ends FAILED saying so) writes, per item changed in the window, its Keys, NewImage and
  OldImage as AWS documents them.
- ListExports: moto requires TableArn (a 500 without); the stand-in lists every export, paged.
  ExportTableToPointInTime without S3Prefix (optional in AWS) is a 500 in moto: it gets none.
- ListImports: not in moto; answered from the imports moto ran, paged. DescribeImport gets the
  source, format, compression, times and log group of the request it served.
- ImportTable: moto parses the objects with a JSON reader that drops an item holding an empty map
  (and the item after it); the stand-in reads DYNAMODB_JSON one line at a time with the standard
  JSON parser, as the format is defined; CSV (with the request's delimiter and header list) and
  ION are read as AWS documents them (demo/import_formats.py). ZSTD compression ends FAILED,
  saying it is not simulated.
- DescribeBackup: `SourceTableFeatureDetails` (the indexes a restore may keep) and the source's
  billing mode, from the backed-up table moto holds.
- RestoreTableFromBackup / RestoreTableToPointInTime: moto ignores the overrides; the stand-in
  applies the billing mode and capacity, the GSIs and LSIs to keep, and the encryption asked for
  to the restored table, and keeps the source's billing mode when none is asked for (moto
  drops it); a restore to a point in time holds the items of that time, from the
  history the stand-in keeps (demo/history.py). DescribeContinuousBackups: moto's
  LatestRestorableDateTime stays at the moment PITR was turned on; the stand-in's is now (its
  history is complete up to now), and its earliest moves on if old history was dropped.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import threading
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from ddbconsole.demo import history, import_formats

DATA_FILE_ITEMS = 1000  # items per data file (AWS splits exports into many files, too)
PAGE = 25


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _epoch(value: Any) -> float | None:
    """A request's time (moto parses some into datetime, others stay numbers) in epoch seconds."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    return float(value)


def _md5(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode("ascii")


def install() -> None:
    """Patch moto (in this process) with the stand-ins above."""
    history.install()
    _install_exports()
    _install_lists()
    _install_backups()


# --- exports ---------------------------------------------------------------------------------------


export_lock = threading.RLock()
export_request: dict[str, Any] = {}


def _install_exports() -> None:
    from moto.dynamodb.models import table_export

    cls: Any = table_export.TableExport
    original_init = cls.__init__
    original_response = cls.response

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        now = datetime.now(UTC)
        millis = int(now.timestamp() * 1000)
        self.export_id = f"{millis:014d}-{uuid.uuid4().hex[:8]}"
        self.arn = f"{self.table.table_arn}/export/{self.export_id}"
        self.start_time = now
        self.end_time = None
        self.manifest = ""
        body = export_request.pop("body", {})
        self.export_time = _epoch(body.get("ExportTime")) or now.timestamp()
        self.incremental = body.get("IncrementalExportSpecification") or {}

    def _backup_to_s3_file(self: Any, s3_backend: Any) -> None:
        ion = self.export_format == "ION"
        incremental = self.export_type == "INCREMENTAL_EXPORT"
        if incremental and ion:
            self.status = "FAILED"
            self.failure_code = "UnsupportedOperation"
            self.failure_message = "the local stand-in writes incremental exports in DYNAMODB_JSON"
            self.end_time = datetime.now(UTC)
            return
        prefix = (self.s3_prefix or "").strip("/")
        base = (
            f"{prefix}/AWSDynamoDB/{self.export_id}" if prefix else f"AWSDynamoDB/{self.export_id}"
        )

        def put(key: str, data: bytes) -> Any:
            return s3_backend.put_object(bucket_name=self.s3_bucket, key_name=key, value=data)

        put(f"{base}/_started", b"")
        if incremental:
            rows_all = _incremental_rows(self.table, self.incremental)
        else:  # the items at the export time, from the stand-in's history (demo/history.py)
            rows_all = [{"Item": i} for i in history.items_at(self.table, self.export_time)]
        items = rows_all
        files = []
        for start in range(0, max(len(items), 1), DATA_FILE_ITEMS):
            chunk = items[start : start + DATA_FILE_ITEMS]
            if not chunk and items:
                break
            rows = [json.dumps(i, separators=(",", ":")) for i in chunk]
            if ion:
                rows = [
                    "$ion_1_0 {Item:" + _ion_struct(json.loads(row)["Item"]) + "}" for row in rows
                ]
            text = "".join(row + "\n" for row in rows)
            self.processed_bytes += len(text)
            data = gzip.compress(text.encode("utf-8"))
            key = f"{base}/data/{uuid.uuid4().hex[:26]}.{'ion' if ion else 'json'}.gz"
            stored = put(key, data)
            files.append(
                {
                    "itemCount": len(chunk),
                    "md5Checksum": _md5(data),
                    "etag": str(getattr(stored, "etag", "")).strip('"'),
                    "dataFileS3Key": key,
                }
            )
        self.item_count = len(items)
        files_body = "".join(json.dumps(f, separators=(",", ":")) + "\n" for f in files).encode()
        put(f"{base}/manifest-files.json", files_body)
        put(f"{base}/manifest-files.checksum", _md5(files_body).encode())
        self.end_time = datetime.now(UTC)
        summary = {
            "version": "2020-06-30",
            "exportArn": self.arn,
            "startTime": _iso(self.start_time),
            "endTime": _iso(self.end_time),
            "tableArn": self.table.table_arn,
            "tableId": getattr(self.table, "table_id", ""),
            "exportTime": _iso(datetime.fromtimestamp(self.export_time, UTC)),
            "s3Bucket": self.s3_bucket,
            "s3Prefix": self.s3_prefix or None,
            "s3SseAlgorithm": "AES256",
            "s3SseKmsKeyId": None,
            "manifestFilesS3Key": f"{base}/manifest-files.json",
            "billedSizeBytes": self.processed_bytes,
            "itemCount": self.item_count,
            "outputFormat": "ION" if ion else "DYNAMODB_JSON",
            "exportType": self.export_type or "FULL_EXPORT",
        }
        summary_body = json.dumps(summary, separators=(",", ":")).encode()
        put(f"{base}/manifest-summary.json", summary_body)
        put(f"{base}/manifest-summary.checksum", _md5(summary_body).encode())
        self.manifest = f"{base}/manifest-summary.json"
        self.status = "COMPLETED"

    def response(self: Any) -> dict[str, Any]:
        out: dict[str, Any] = original_response(self)
        out["ExportArn"] = self.arn
        out["StartTime"] = self.start_time.timestamp()
        out["ExportTime"] = self.export_time
        if self.end_time is not None:
            out["EndTime"] = self.end_time.timestamp()
        if self.manifest:
            out["ExportManifest"] = self.manifest
        return {k: v for k, v in out.items() if v is not None}

    cls.__init__ = __init__
    cls._backup_to_s3_file = _backup_to_s3_file
    cls.response = response


def _incremental_rows(table: Any, spec: dict[str, Any]) -> list[dict[str, Any]]:
    """An incremental export's lines, as AWS documents them: per item changed in the window, its
    keys, the time of its last write, NewImage (absent: deleted) and, with NEW_AND_OLD_IMAGES (the
    default), OldImage (absent: created in the window)."""
    start = _epoch(spec.get("ExportFromTime")) or 0.0
    end = _epoch(spec.get("ExportToTime")) or datetime.now(UTC).timestamp()
    both = (spec.get("ExportViewType") or "NEW_AND_OLD_IMAGES") == "NEW_AND_OLD_IMAGES"
    names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    rows = []
    for moment, old, new in history.changes(table, start, end):
        image = new if new is not None else old
        assert image is not None
        row: dict[str, Any] = {
            "Metadata": {"WriteTimestampMicros": {"N": str(int(moment * 1_000_000))}},
            "Keys": {n: image[n] for n in names if n in image},
        }
        if new is not None:
            row["NewImage"] = new
        if both and old is not None:
            row["OldImage"] = old
        rows.append(row)
    return rows


_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")


def _ion_field(name: str) -> str:
    if _IDENT.fullmatch(name):
        return name
    return "'" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _ion_number(n: str) -> str:
    """A DynamoDB number as an Ion decimal (never an int or a float): 103 -> 103., 1E+2 -> 1d+2."""
    mantissa, _, exponent = n.upper().partition("E")
    if "." not in mantissa:
        mantissa += "."
    return mantissa + (f"d{exponent}" if exponent else "")


def _ion_value(value: dict[str, Any]) -> str:
    """DynamoDB JSON -> Ion text, as DynamoDB's ION export maps the types."""
    ((kind, raw),) = value.items()
    if kind == "S":
        return json.dumps(str(raw), ensure_ascii=False)
    if kind == "N":
        return _ion_number(str(raw))
    if kind == "BOOL":
        return "true" if raw else "false"
    if kind == "NULL":
        return "null"
    if kind == "B":
        return "{{" + str(raw) + "}}"
    if kind == "SS":
        return "$dynamodb_SS::[" + ",".join(json.dumps(x, ensure_ascii=False) for x in raw) + "]"
    if kind == "NS":
        return "$dynamodb_NS::[" + ",".join(_ion_number(x) for x in raw) + "]"
    if kind == "BS":
        return "$dynamodb_BS::[" + ",".join("{{" + x + "}}" for x in raw) + "]"
    if kind == "L":
        return "[" + ",".join(_ion_value(x) for x in raw) + "]"
    return _ion_struct(raw)  # M


def _ion_struct(members: dict[str, Any]) -> str:
    return "{" + ",".join(f"{_ion_field(k)}:{_ion_value(v)}" for k, v in members.items()) + "}"


# --- ListExports, ListImports, DescribeImport ------------------------------------------------------


def _page(entries: list[dict[str, Any]], body: dict[str, Any]) -> tuple[list[Any], str | None]:
    start = int(body.get("NextToken") or 0)
    size = int(body.get("MaxResults") or PAGE)
    chunk = entries[start : start + size]
    more = start + size < len(entries)
    return chunk, (str(start + size) if more else None)


def _install_lists() -> None:
    from moto.core.responses import ActionResult
    from moto.dynamodb import models, responses
    from moto.dynamodb.models import table_import

    DynamoDBBackend: Any = models.DynamoDBBackend
    TableImport: Any = table_import.TableImport
    DynamoHandler: Any = responses.DynamoHandler

    def list_exports(self: Any) -> Any:
        body = self.body
        arn = body.get("TableArn")
        exports = [
            e
            for e in self.dynamodb_backend.table_exports.values()
            if not arn or e.table.table_arn == arn
        ]
        chunk, token = _page(exports, body)
        summaries = [
            {"ExportArn": e.arn, "ExportStatus": e.status, "ExportType": e.export_type}
            for e in chunk
        ]
        out: dict[str, Any] = {"ExportSummaries": summaries}
        if token:
            out["NextToken"] = token
        return ActionResult(out)

    original_import = DynamoDBBackend.import_table
    original_import_response = TableImport.response

    # moto's backend starts the import's thread inside import_table, without the input format:
    # hand it to the new TableImport through `pending` (under the lock) before the thread starts.
    lock = threading.RLock()
    pending: dict[str, Any] = {}
    original_import_init = TableImport.__init__
    original_import_request = DynamoHandler.import_table

    def import_request(self: Any) -> Any:
        with lock:  # the CSV options, which moto's handler does not pass on
            pending["options"] = self.body.get("InputFormatOptions") or {}
            return original_import_request(self)

    def import_table(self: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            pending["format"] = kwargs.get("input_format") or "DYNAMODB_JSON"
            return original_import(self, *args, **kwargs)

    def import_init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_import_init(self, *args, **kwargs)
        self.input_format = pending.get("format", "DYNAMODB_JSON")
        self.format_options = pending.pop("options", {})
        self.start_time = datetime.now(UTC)
        self.end_time = None

    def import_response(self: Any) -> dict[str, Any]:
        out: dict[str, Any] = original_import_response(self)
        out["S3BucketSource"] = self.s3_source
        out["InputFormat"] = getattr(self, "input_format", "DYNAMODB_JSON")
        out["InputCompressionType"] = self.compression_type or "NONE"
        out["CloudWatchLogGroupArn"] = (
            f"arn:aws:logs:{self.region_name}:{self.account_id}:log-group:/aws-dynamodb/imports:*"
        )
        if getattr(self, "start_time", None) is not None:
            out["StartTime"] = self.start_time.timestamp()
            if self.status != "IN_PROGRESS":
                if getattr(self, "end_time", None) is None:
                    self.end_time = datetime.now(UTC)
                out["EndTime"] = self.end_time.timestamp()
        return {k: v for k, v in out.items() if v is not None}

    def list_imports(self: Any) -> Any:
        body = self.body
        arn = body.get("TableArn")
        imports = [
            i for i in self.dynamodb_backend.table_imports.values() if not arn or i.table_arn == arn
        ]
        body = {"NextToken": body.get("NextToken"), "MaxResults": body.get("PageSize")}
        chunk, token = _page(imports, body)
        keys = ("ImportArn", "ImportStatus", "TableArn", "S3BucketSource", "CloudWatchLogGroupArn")
        summaries = []
        for one in chunk:
            described = one.response()
            summaries.append(
                {
                    k: described[k]
                    for k in (*keys, "InputFormat", "StartTime", "EndTime")
                    if k in described
                }
            )
        out: dict[str, Any] = {"ImportSummaryList": summaries}
        if token:
            out["NextToken"] = token
        return ActionResult(out)

    def _process_s3_files(self: Any, s3_backend: Any, bucket: Any) -> None:
        from moto.dynamodb.models import dynamodb_backends

        if self.compression_type not in (None, "NONE", "GZIP"):
            self.status = "FAILED"
            self.failure_code = "UnsupportedOperation"
            self.failure_message = import_formats.NOT_SIMULATED
            return
        dynamo = dynamodb_backends[self.account_id][self.region_name]
        self.table = dynamo.create_table(
            name=self.table_name,
            billing_mode=self.billing_mode,
            throughput=self.throughput,
            schema=self.key_schema,
            global_indexes=self.global_indexes,
            indexes=None,
            attr=self.attrs,
            sse_specification=None,
            streams=None,
            tags=[],
            deletion_protection_enabled=False,
            warm_throughput=None,
        )
        keys, _, _, _ = s3_backend.list_objects(
            bucket,
            prefix=self.s3_source.get("S3KeyPrefix"),
            delimiter=None,
            marker=None,
            max_keys=None,
        )
        fmt = getattr(self, "input_format", "DYNAMODB_JSON")
        options = getattr(self, "format_options", {})
        for key in keys:
            raw = import_formats.decompress(key.value, self.compression_type)
            for size, row in import_formats.rows(raw, fmt, options, self.attrs):
                self.processed_count += 1
                self.processed_bytes += size
                try:
                    if isinstance(row, Exception):
                        raise row
                    self.table.put_item(item_attrs=row)
                    self.imported_count += 1
                except Exception as exc:  # counted, as DynamoDB counts rows it cannot read
                    self.failure_message = str(exc)
                    self.error_count += 1
        self.status = "COMPLETED" if self.error_count == 0 else "FAILED"

    original_export = DynamoHandler.export_table_to_point_in_time

    def export_table_to_point_in_time(self: Any) -> Any:
        self.body.setdefault("S3Prefix", None)  # optional in AWS; moto requires it (a 500)
        with export_lock:  # what moto's handler does not pass on, for the new TableExport
            export_request["body"] = dict(self.body)
            return original_export(self)

    DynamoHandler.export_table_to_point_in_time = export_table_to_point_in_time
    TableImport._process_s3_files = _process_s3_files
    TableImport.__init__ = import_init
    DynamoHandler.list_exports = list_exports
    DynamoHandler.list_imports = list_imports
    DynamoHandler.import_table = import_request
    DynamoDBBackend.import_table = import_table
    TableImport.response = import_response


# --- DescribeBackup ---------------------------------------------------------------------------------


def _apply_overrides(table: Any, body: dict[str, Any]) -> None:
    """The restore request's overrides, applied to the table moto restored."""
    mode = body.get("BillingModeOverride")
    if mode:
        table.billing_mode = mode
        if mode == "PAY_PER_REQUEST":
            table.throughput = {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0}
    if body.get("ProvisionedThroughputOverride"):
        table.throughput = dict(body["ProvisionedThroughputOverride"])
    if "GlobalSecondaryIndexOverride" in body:
        wanted = {g["IndexName"]: g for g in body["GlobalSecondaryIndexOverride"]}
        table.global_indexes = [g for g in table.global_indexes if g.name in wanted]
        for index in table.global_indexes:
            capacity = wanted[index.name].get("ProvisionedThroughput")
            if capacity:
                index.throughput = dict(capacity)
    if "LocalSecondaryIndexOverride" in body:
        local = {i["IndexName"] for i in body["LocalSecondaryIndexOverride"]}
        table.indexes = [i for i in table.indexes if i.name in local]
    sse = body.get("SSESpecificationOverride")
    if sse is not None:
        table.sse_specification = dict(sse) if sse.get("Enabled") else None
        if table.sse_specification and "KMSMasterKeyId" not in table.sse_specification:
            table.sse_specification["KMSMasterKeyId"] = "alias/aws/dynamodb"


def _install_backups() -> None:
    from moto.dynamodb import responses
    from moto.dynamodb.models import table

    Backup: Any = table.Backup
    DynamoHandler: Any = responses.DynamoHandler

    def restoring(original: Any) -> Any:
        def restore(self: Any) -> Any:
            original(self)
            backend = self.dynamodb_backend
            restored = backend.get_table(self.body["TargetTableName"])
            arn = self.body.get("BackupArn")
            origin = backend.get_backup(arn).table if arn else None
            if origin is None:
                name = self.body.get("SourceTableName") or self.body["SourceTableArn"]
                origin = backend.get_table(name.split("/")[-1])
            if not restored.billing_mode:  # moto drops it: the source's, as AWS keeps it
                restored.billing_mode = origin.billing_mode
                restored.throughput = dict(origin.throughput)
            at = self.body.get("RestoreDateTime")
            if at is not None and not self.body.get("UseLatestRestorableTime"):
                # moto copied today's items: put back the items of that time (demo/history.py)
                restored.items = defaultdict(dict)
                for attrs in history.items_at(origin, _epoch(at) or 0.0):
                    restored.put_item(attrs, overwrite=True)
            _apply_overrides(restored, self.body)
            return responses.DynamoResult(restored.describe())

        return restore

    DynamoHandler.restore_table_from_backup = restoring(DynamoHandler.restore_table_from_backup)
    DynamoHandler.restore_table_to_point_in_time = restoring(
        DynamoHandler.restore_table_to_point_in_time
    )

    original = Backup.description.fget

    def description(self: Any) -> dict[str, Any]:
        out: dict[str, Any] = original(self)
        source = out.get("SourceTableDetails") or {}
        billing = (source.get("BillingModeSummary") or {}).get("BillingMode") or "PROVISIONED"
        source["BillingMode"] = billing
        features: dict[str, Any] = {}
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if source.get(key):
                features[key] = [
                    {
                        k: i[k]
                        for k in ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput")
                        if k in i
                    }
                    for i in source[key]
                ]
        out["SourceTableFeatureDetails"] = features
        return out

    Backup.description = property(description)
    _install_pitr_window()


def _install_pitr_window() -> None:
    """moto freezes LatestRestorableDateTime at the moment PITR was turned on, so no later time
    could be chosen. AWS's latest is a few minutes behind the present; the stand-in's history is
    complete up to now, so its window ends now."""
    import time

    from moto.dynamodb import models

    DynamoDBBackend: Any = models.DynamoDBBackend
    original = DynamoDBBackend.describe_continuous_backups

    def describe_continuous_backups(self: Any, table_name: str) -> dict[str, Any]:
        out: dict[str, Any] = original(self, table_name)
        pitr = out.get("PointInTimeRecoveryDescription") or {}
        if pitr.get("PointInTimeRecoveryStatus") != "ENABLED":
            return out
        window = {"LatestRestorableDateTime": time.time()}
        dropped = history.earliest(self.get_table(table_name))  # history kept starts later
        if dropped is not None and dropped > float(pitr.get("EarliestRestorableDateTime") or 0):
            window["EarliestRestorableDateTime"] = dropped
        return {**out, "PointInTimeRecoveryDescription": {**pitr, **window}}

    DynamoDBBackend.describe_continuous_backups = describe_continuous_backups
