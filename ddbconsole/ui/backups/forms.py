"""The forms of the Backups screen and the S3 jobs screen: restore (a backup, or a point in
time), export to S3, import from S3. Each reads what the user typed (kept on any error), asks the
service for the plan (its rules checked, nothing sent) and closes with the Plan to confirm."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any

from textual.widget import Widget
from textual.widgets import Input, Select, Static

from ddbconsole.errors import UserInputError
from ddbconsole.models import KeySpec, RestoreOptions, TableSpec, Throughput
from ddbconsole.services.backups import parse_time as services_parse_time
from ddbconsole.services.plans import Plan
from ddbconsole.ui.common.plan_form import FieldError, PlanForm, parse_int
from ddbconsole.ui.tables.create_table import FORM_CSS, key_type, row

KEEP = "keep"


def parse_time(raw: str, field: str) -> datetime | None:
    """An ISO 8601 time (UTC when no offset is given); blank gives None."""
    if not raw.strip():
        return None
    try:
        return services_parse_time(raw, "time")
    except UserInputError as exc:
        raise FieldError(field, exc.title, exc.advice) from None


def names(raw: str) -> tuple[str, ...] | None:
    """A comma-separated list of index names; blank keeps them all (None), '-' drops them all."""
    text = raw.strip()
    if not text:
        return None
    if text == "-":
        return ()
    return tuple(n.strip() for n in text.split(",") if n.strip())


class JobForm(PlanForm[Any]):
    DEFAULT_CSS = FORM_CSS.format(name="JobForm")

    def __init__(
        self, title: str, intro: str, build: Callable[[Any], Awaitable[Plan]], **defaults: str
    ) -> None:
        super().__init__(title, build)
        self.intro = intro
        self.defaults = defaults

    def compose_intro(self) -> Iterable[Widget]:
        yield Static(self.intro, classes="intro")

    def select(self, field: str) -> str:
        value = self.query_one(f"#{field}", Select).value
        return "" if value in (Select.BLANK, KEEP) else str(value)


class RestoreForm(JobForm):
    """A restore into a new table; with `pitr`, also the time to restore to (blank: latest)."""

    def __init__(
        self,
        title: str,
        intro: str,
        build: Callable[[Any], Awaitable[Plan]],
        *,
        pitr: bool = False,
        **defaults: str,
    ) -> None:
        super().__init__(title, intro, build, **defaults)
        self.pitr = pitr

    def compose_fields(self) -> Iterable[Widget]:
        yield row("New table", Input(self.defaults.get("target", ""), id="target", classes="wide"))
        if self.pitr:
            yield row(
                "Restore to (UTC)",
                Input(placeholder="blank: the latest restorable time", id="when", classes="wide"),
                hint="ISO 8601",
            )
        billing = [
            ("as the source", KEEP),
            ("on-demand", "PAY_PER_REQUEST"),
            ("provisioned", "PROVISIONED"),
        ]
        yield row(
            "Billing mode",
            Select(billing, value=KEEP, allow_blank=False, id="billing"),
            Input(placeholder="RCU", id="read", classes="narrow"),
            Input(placeholder="WCU", id="write", classes="narrow"),
            hint="units: provisioned only",
        )
        yield row("GSIs to keep", Input(id="gsis"), hint="comma list; blank all, - none")
        yield row("LSIs to keep", Input(id="lsis"), hint="comma list; blank all, - none")
        sse = [("as the source", KEEP), ("AWS owned key", "DEFAULT"), ("KMS key", "KMS")]
        yield row(
            "Encryption",
            Select(sse, value=KEEP, allow_blank=False, id="sse"),
            Input(placeholder="KMS key (blank: AWS managed)", id="kms", classes="wide"),
        )

    def read_values(self) -> tuple[str, datetime | None, RestoreOptions]:
        target = self.value("target").strip()
        if not target:
            raise FieldError("target", "The new table's name is required", "type a name")
        when = parse_time(self.value("when"), "when") if self.pitr else None
        billing = self.select("billing") or None
        provisioned = None
        if billing == "PROVISIONED":
            read = parse_int(self.value("read"), "read", "read capacity units")
            write = parse_int(self.value("write"), "write", "write capacity units")
            provisioned = Throughput(read, write)
        sse = self.select("sse") or None
        options = RestoreOptions(
            billing_mode=billing,
            provisioned=provisioned,
            gsis=names(self.value("gsis")),
            lsis=names(self.value("lsis")),
            sse=sse,
            kms_key=self.value("kms").strip() if sse == "KMS" else "",
        )
        return target, when, options


class ExportForm(JobForm):
    def compose_fields(self) -> Iterable[Widget]:
        yield row("Bucket", Input(self.defaults.get("bucket", ""), id="bucket", classes="wide"))
        yield row("Prefix", Input(self.defaults.get("prefix", ""), id="prefix", classes="wide"))
        yield row(
            "Bucket owner", Input(placeholder="account id (another account's bucket)", id="owner")
        )
        formats = [("DynamoDB JSON", "DYNAMODB_JSON"), ("Amazon Ion", "ION")]
        yield row("Format", Select(formats, value="DYNAMODB_JSON", allow_blank=False, id="format"))
        sse = [("bucket default", KEEP), ("SSE-S3 (AES256)", "AES256"), ("SSE-KMS", "KMS")]
        yield row(
            "Encryption",
            Select(sse, value=KEEP, allow_blank=False, id="sse"),
            Input(placeholder="KMS key id", id="kms", classes="wide"),
        )
        yield row("As of (UTC)", Input(placeholder="blank: now", id="at"), hint="full export")
        yield row(
            "Incremental",
            Input(placeholder="from (UTC)", id="from"),
            Input(placeholder="to (UTC)", id="to"),
            hint="15 min .. 24 h; blank: full",
        )

    def read_values(self) -> dict[str, Any]:
        bucket = self.value("bucket").strip()
        if not bucket:
            raise FieldError("bucket", "The bucket is required", "type its name")
        start, end = parse_time(self.value("from"), "from"), parse_time(self.value("to"), "to")
        if (start is None) != (end is None):
            raise FieldError("to", "An incremental export needs both times", "or neither")
        sse = self.select("sse") or None
        return {
            "bucket": bucket,
            "prefix": self.value("prefix").strip(),
            "owner": self.value("owner").strip() or None,
            "sse": sse,
            "kms_key": self.value("kms").strip(),
            "export_format": self.select("format"),
            "export_time": parse_time(self.value("at"), "at"),
            "incremental": (start, end) if start and end else None,
        }


class ImportForm(JobForm):
    def compose_fields(self) -> Iterable[Widget]:
        yield row("Bucket", Input(self.defaults.get("bucket", ""), id="bucket", classes="wide"))
        yield row("Key prefix", Input(id="prefix", classes="wide"))
        formats = [("DynamoDB JSON", "DYNAMODB_JSON"), ("CSV", "CSV"), ("Amazon Ion", "ION")]
        compressions = [("none", "NONE"), ("gzip", "GZIP"), ("zstd", "ZSTD")]
        yield row(
            "Format",
            Select(formats, value="DYNAMODB_JSON", allow_blank=False, id="format"),
            Select(compressions, value="NONE", allow_blank=False, id="compression"),
        )
        delimiters = [(",", ","), (";", ";"), ("tab", "\t"), (":", ":"), ("|", "|"), ("space", " ")]
        yield row(
            "CSV header",
            Input(placeholder="blank: each file's first line", id="header"),
            Select(delimiters, value=",", allow_blank=False, id="delimiter", classes="type"),
            hint="CSV only: header, delimiter",
        )
        yield row("New table", Input(id="table", classes="wide"))
        types = [("S", "S"), ("N", "N"), ("B", "B")]
        yield row(
            "Partition key",
            Input(id="pk"),
            Select(types, value="S", allow_blank=False, id="pk-type", classes="type"),
        )
        yield row(
            "Sort key",
            Input(placeholder="none", id="sk"),
            Select(types, value="S", allow_blank=False, id="sk-type", classes="type"),
        )
        billing = [("on-demand", "PAY_PER_REQUEST"), ("provisioned", "PROVISIONED")]
        yield row(
            "Billing mode",
            Select(billing, value="PAY_PER_REQUEST", allow_blank=False, id="billing"),
            Input(placeholder="RCU", id="read", classes="narrow"),
            Input(placeholder="WCU", id="write", classes="narrow"),
        )

    def read_values(self) -> dict[str, Any]:
        bucket, table, pk = (self.value(f).strip() for f in ("bucket", "table", "pk"))
        for field, value, what in (("bucket", bucket, "bucket"), ("table", table, "table name"),
                                   ("pk", pk, "partition key")):  # fmt: skip
            if not value:
                raise FieldError(field, f"The {what} is required", "type it")
        sk = self.value("sk").strip()
        billing = self.select("billing")
        provisioned = None
        if billing == "PROVISIONED":
            read = parse_int(self.value("read"), "read", "read capacity units")
            write = parse_int(self.value("write"), "write", "write capacity units")
            provisioned = Throughput(read, write)
        spec = TableSpec(
            table,
            KeySpec(pk, key_type(self.select("pk-type"))),
            KeySpec(sk, key_type(self.select("sk-type"))) if sk else None,
            billing_mode="PROVISIONED" if billing == "PROVISIONED" else "PAY_PER_REQUEST",
            provisioned=provisioned,
        )
        header = tuple(h.strip() for h in self.value("header").split(",") if h.strip())
        return {
            "bucket": bucket,
            "prefix": self.value("prefix").strip(),
            "spec": spec,
            "input_format": self.select("format"),
            "compression": self.select("compression"),
            "csv_header": header,
            "csv_delimiter": None if self.select("delimiter") == "," else self.select("delimiter"),
        }
