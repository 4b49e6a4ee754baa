"""Bulk export and import: parallel scan to a file, concurrent BatchWriteItem from a file.

- formats.py: the file formats (JSON lines, DynamoDB JSON lines, CSV), reading and writing, and
  where an export writes (``FILE.partial`` renamed when complete; pipes and ``-`` directly).
- export.py: segment readers feeding one writer through a bounded queue (flat memory).
- importer.py: the validation pass, concurrent batch writes, the failure file, resuming.
- checkpoints.py: the records an import knows are written, tied to the file and the table.
- service.py: TransferService, what the console and the CLI call.
- progress.py: TransferProgress, shared by both directions.

Every request is retried by services/retry.py with botocore's retries off, so attempts are never
multiplied (docs/ARCHITECTURE.md, "Retries").
"""

from ddbconsole.services.transfer.checkpoints import CHECKPOINT_SUFFIX, Ranges, checkpoint_path
from ddbconsole.services.transfer.export import (
    GIB,
    MAX_EXPLICIT_SEGMENTS,
    MAX_SEGMENTS,
    ExportResult,
    default_segments,
)
from ddbconsole.services.transfer.formats import (
    FORMATS,
    STDOUT,
    Format,
    parse_csv_header,
    partial_path,
)
from ddbconsole.services.transfer.importer import ImportResult, TokenBucket, write_units
from ddbconsole.services.transfer.progress import ProgressFn, TransferProgress
from ddbconsole.services.transfer.service import (
    MAX_CONCURRENCY,
    MAX_IMPORT_SECONDS,
    TransferService,
)

__all__ = [
    "CHECKPOINT_SUFFIX",
    "FORMATS",
    "GIB",
    "MAX_CONCURRENCY",
    "MAX_EXPLICIT_SEGMENTS",
    "MAX_IMPORT_SECONDS",
    "MAX_SEGMENTS",
    "STDOUT",
    "ExportResult",
    "Format",
    "ImportResult",
    "ProgressFn",
    "Ranges",
    "TokenBucket",
    "TransferProgress",
    "TransferService",
    "checkpoint_path",
    "default_segments",
    "parse_csv_header",
    "partial_path",
    "write_units",
]
