"""Export files: the rows of each dataset, composed in SQL, and writers that never hold
them all.

Each dataset is a queryset of the rows to export (hidden and pending content is never
among them) and its columns as SQL expressions: status labels, local times
(Europe/London), and names as the member chose to show them (`User.name_for`: the
real name only in admins' files, where email addresses are too; an erased member's
name is already "A former member"). The same expressions serve both writers:

* CSV is `COPY (SELECT …) TO STDOUT WITH (FORMAT csv)` streamed straight into the file
  (or the response), a range of ids at a time so progress can be shown between
  ranges; PostgreSQL quotes the cells as Python's csv module does, the text cells are
  guarded against spreadsheet formulas in the SELECT (as `csv_cell`), and record ends
  are written as CRLF, so the file is byte for byte what the csv module wrote.
* XLSX reads the same columns through a server-side cursor (or, behind a transaction
  pooler, DATABASE_POOLED, a page of ids at a time) and writes them with xlsxwriter's
  constant-memory mode, one row at a time.

Raw SQL (`# nosec B608` below): the COPY wraps the SQL Django compiled for the queryset
(values bound by the driver's own quoting) in fixed fragments.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.db.models import (
    Case,
    DateTimeField,
    F,
    Func,
    Max,
    Min,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, NullIf
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kernel.replica import read_alias, reads_from_replica
from reports.models import Export

CHUNK_SIZE = 2000
PROGRESS_EVERY = 1000
# CSV is copied this many ids of the dataset's table at a time, progress between ranges.
COPY_IDS_PER_RANGE = 250_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ExportSpec:
    dataset: str
    community: object | None = None
    campaign: object | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    personal: bool = False  # admins: real names and email addresses
    # The language of the file's headings and labels: the asker's when they asked.
    language: str = ""

    @classmethod
    def of(cls, export: Export) -> ExportSpec:
        return cls(
            dataset=export.dataset,
            community=export.community,
            campaign=export.campaign,
            date_from=export.date_from,
            date_to=export.date_to,
            personal=export.include_personal,
            language=export.language,
        )


# --- Columns as SQL ----------------------------------------------------------------------------


def _local(name: str) -> Func:
    """A moment as local time, "2025-03-30 09:15" (as `timezone.localtime` shows it)."""
    zone = Value(timezone.get_current_timezone_name())
    local = Func(zone, F(name), function="timezone", output_field=DateTimeField())
    return Func(local, Value("YYYY-MM-DD HH24:MI"), function="to_char", output_field=TextField())


def _date(name: str) -> Func:
    return Func(F(name), Value("YYYY-MM-DD"), function="to_char", output_field=TextField())


def _or(name: str, fallback: str):
    """The text, or `fallback` when it is empty (Python's `text or fallback`)."""
    return Coalesce(NullIf(F(name), Value("")), Value(fallback), output_field=TextField())


def _hidden(member: str) -> dict:
    """The condition (for When) of a member who hides their name."""
    return {f"{member}name_visibility": "hidden"}


def _name(spec: ExportSpec, member: str):
    """As an organiser sees it (the member's choice), or the real name for admins."""
    name = _or(f"{member}display_name", _("A member"))
    if spec.personal:
        return name
    return Case(
        When(**_hidden(member), then=Value(_("Anonymous supporter"))),
        default=name,
        output_field=TextField(),
    )


def _unless_hidden(spec: ExportSpec, member: str, name: str):
    """A detail of the member (organisation, job role), blank when their name is hidden."""
    if spec.personal:
        return F(name)
    return Case(When(**_hidden(member), then=Value("")), default=F(name))


def _label(name: str, choices) -> Case:
    return Case(
        *[When(**{name: value}, then=Value(str(label))) for value, label in choices],
        default=F(name),
        output_field=TextField(),
    )


def _yes_no(name: str) -> Case:
    return Case(When(**{name: True}, then=Value(_("yes"))), default=Value(_("no")))


def _text(name: str):
    return F(name)


@dataclass
class Column:
    header: str
    expression: object
    # Text that may come from people (titles, names, notes) is guarded against formulas
    # and written blank when empty; numbers, dates and our own labels need neither.
    text: bool = True


def _ours(header: str, expression) -> Column:
    return Column(header, expression, text=False)


def _number(header: str, name: str) -> Column:
    return Column(header, F(name), text=False)


@dataclass
class Dataset:
    rows: QuerySet  # the rows to export, in order, with every filter applied
    columns: list[Column]
    # The raw values each row is made from (the benchmark's COPY reference reads them).
    fields: list[str] = field(default_factory=list)

    @property
    def header(self) -> list[str]:
        return [column.header for column in self.columns]

    @property
    def queryset(self) -> QuerySet:
        return self.rows.values_list(*self.fields)

    def cells(self, queryset: QuerySet | None = None, *, key: bool = False) -> QuerySet:
        """Each row's cells, composed by the database (and with `key`, the row's id last)."""
        queryset = self.rows if queryset is None else queryset
        names = {f"export_{n}": column.expression for n, column in enumerate(self.columns)}
        if key:
            names["export_key"] = F("pk")
        return queryset.annotate(**names).values_list(*names)


def _dated(queryset: QuerySet, field: str, spec: ExportSpec) -> QuerySet:
    zone = timezone.get_current_timezone()
    if spec.date_from:
        start = datetime.datetime.combine(spec.date_from, datetime.time.min, tzinfo=zone)
        queryset = queryset.filter(**{f"{field}__gte": start})
    if spec.date_to:
        end = datetime.datetime.combine(
            spec.date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
        )
        queryset = queryset.filter(**{f"{field}__lt": end})
    return queryset


def _email(spec: ExportSpec, header: str, name: str) -> list[Column]:
    return [Column(header, _text(name))] if spec.personal else []


def _pledges(spec: ExportSpec) -> Dataset:
    from pledges.models import Pledge, Theme

    queryset = Pledge.objects.filter(moderation_status="published")
    if spec.community:
        queryset = queryset.filter(community=spec.community)
    if spec.campaign:
        queryset = queryset.filter(campaign=spec.campaign)
    queryset = _dated(queryset, "created_at", spec).order_by("id")
    fields = [
        "id", "created_at", "title", "status", "theme__name", "campaign__name",
        "community__name", "due_date", "signer_count", "done_count", "total_quantity",
        "campaign__unit", "author__display_name", "author__name_visibility",
        "author__organisation__name", "author__email",
    ]  # fmt: skip
    columns = [
        _number(_("Pledge ID"), "id"),
        _ours(_("Made on"), _local("created_at")),
        Column(_("I will"), _text("title")),
        _ours(_("Status"), _label("status", Pledge.Status.choices)),
        Column(_("Theme"), Theme.local_name_sql("theme__")),
        Column(_("Campaign"), _text("campaign__name")),
        Column(_("Community"), _text("community__name")),
        _ours(_("Due by"), _date("due_date")),
        _number(_("Signers"), "signer_count"),
        _number(_("Done"), "done_count"),
        _number(_("Measured outcome"), "total_quantity"),
        Column(_("Unit"), _text("campaign__unit")),
        Column(_("Author"), _name(spec, "author__")),
        Column(_("Organisation"), _unless_hidden(spec, "author__", "author__organisation__name")),
        *_email(spec, _("Author email"), "author__email"),
    ]
    return Dataset(queryset, columns, fields)


def _signatures(spec: ExportSpec) -> Dataset:
    from pledges.models import Signature

    queryset = Signature.objects.filter(pledge__moderation_status="published")
    if spec.community:
        queryset = queryset.filter(pledge__community=spec.community)
    if spec.campaign:
        queryset = queryset.filter(pledge__campaign=spec.campaign)
    queryset = _dated(queryset, "signed_at", spec).order_by("id")
    fields = [
        "pledge_id", "pledge__title", "signed_at", "is_author", "done_at", "outcome",
        "member__display_name", "member__name_visibility", "member__organisation__name",
        "member__email",
    ]  # fmt: skip
    columns = [
        _number(_("Pledge ID"), "pledge_id"),
        Column(_("I will"), _text("pledge__title")),
        _ours(_("Signed on"), _local("signed_at")),
        _ours(_("Their own pledge"), _yes_no("is_author")),
        _ours(_("Done on"), _local("done_at")),
        Column(_("What happened"), _text("outcome")),
        Column(_("Signer"), _name(spec, "member__")),
        Column(_("Organisation"), _unless_hidden(spec, "member__", "member__organisation__name")),
        *_email(spec, _("Signer email"), "member__email"),
    ]
    return Dataset(queryset, columns, fields)


def _check_ins(spec: ExportSpec) -> Dataset:
    from pledges.models import CheckIn

    queryset = CheckIn.objects.filter(
        moderation_status="published", pledge__moderation_status="published"
    )
    if spec.community:
        queryset = queryset.filter(pledge__community=spec.community)
    if spec.campaign:
        queryset = queryset.filter(pledge__campaign=spec.campaign)
    queryset = _dated(queryset, "created_at", spec).order_by("id")
    fields = [
        "id", "pledge_id", "pledge__title", "created_at", "note", "quantity",
        "pledge__campaign__unit", "author__display_name", "author__name_visibility",
        "author__email",
    ]  # fmt: skip
    columns = [
        _number(_("Check-in ID"), "id"),
        _number(_("Pledge ID"), "pledge_id"),
        Column(_("I will"), _text("pledge__title")),
        _ours(_("Posted on"), _local("created_at")),
        Column(_("Note"), _text("note")),
        _number(_("Quantity"), "quantity"),
        Column(_("Unit"), _text("pledge__campaign__unit")),
        Column(_("Author"), _name(spec, "author__")),
        *_email(spec, _("Author email"), "author__email"),
    ]
    return Dataset(queryset, columns, fields)


def _story_address() -> Concat:
    from django.urls import reverse

    marker = "radicals-export-slug"
    before, after = reverse("stories:detail", args=[marker]).split(marker)
    return Concat(
        Value(settings.SITE_URL + before), F("slug"), Value(after), output_field=TextField()
    )


def _stories(spec: ExportSpec) -> Dataset:
    from stories.models import Story

    queryset = Story.objects.filter(status="published", moderation_status="published")
    if spec.community:
        queryset = queryset.filter(community=spec.community)
    if spec.campaign:
        queryset = queryset.filter(campaign=spec.campaign)
    queryset = _dated(queryset, "published_at", spec).order_by("id")
    fields = [
        "id", "published_at", "title", "summary", "outcome", "campaign__name",
        "community__name", "is_featured", "slug", "author__display_name",
        "author__name_visibility", "author__email",
    ]  # fmt: skip
    columns = [
        _number(_("Story ID"), "id"),
        _ours(_("Published on"), _local("published_at")),
        Column(_("Title"), _text("title")),
        Column(_("Summary"), _text("summary")),
        Column(_("Measured outcome"), _text("outcome")),
        Column(_("Campaign"), _text("campaign__name")),
        Column(_("Community"), _text("community__name")),
        _ours(_("Featured"), _yes_no("is_featured")),
        Column(_("Address"), _story_address()),
        Column(_("Author"), _name(spec, "author__")),
        *_email(spec, _("Author email"), "author__email"),
    ]
    return Dataset(queryset, columns, fields)


def _members(spec: ExportSpec) -> Dataset:
    if spec.community is not None:
        from communities.models import Membership

        queryset = Membership.objects.filter(
            community=spec.community, status="active", member__is_active=True
        )
        queryset = _dated(queryset, "joined_at", spec).order_by("id")
        fields = [
            "member_id", "member__display_name", "member__name_visibility", "role",
            "joined_at", "member__organisation__name", "member__job_role", "member__email",
        ]  # fmt: skip
        columns = [
            _number(_("Member ID"), "member_id"),
            Column(_("Name"), _name(spec, "member__")),
            _ours(_("Role"), _label("role", Membership.Role.choices)),
            _ours(_("Joined the community on"), _local("joined_at")),
            Column(
                _("Organisation"), _unless_hidden(spec, "member__", "member__organisation__name")
            ),
            Column(_("Job role"), _unless_hidden(spec, "member__", "member__job_role")),
            *_email(spec, _("Email"), "member__email"),
        ]
        return Dataset(queryset, columns, fields)

    from members.models import User

    queryset = _dated(User.objects.filter(is_active=True), "date_joined", spec).order_by("id")
    fields = [
        "id", "display_name", "name_visibility", "date_joined", "organisation__name",
        "job_role", "region__name", "organisation__region__name", "email",
    ]  # fmt: skip
    region = Coalesce(
        NullIf(F("region__name"), Value("")),
        NullIf(F("organisation__region__name"), Value("")),
        output_field=TextField(),
    )
    columns = [
        _number(_("Member ID"), "id"),
        Column(_("Name"), _name(spec, "")),
        _ours(_("Joined on"), _local("date_joined")),
        Column(_("Organisation"), _text("organisation__name")),
        Column(_("Job role"), _text("job_role")),
        Column(_("Region"), region),
        *_email(spec, _("Email"), "email"),
    ]
    return Dataset(queryset, columns, fields)


DATASETS = {
    Export.Dataset.PLEDGES: _pledges,
    Export.Dataset.SIGNATURES: _signatures,
    Export.Dataset.CHECK_INS: _check_ins,
    Export.Dataset.STORIES: _stories,
    Export.Dataset.MEMBERS: _members,
}


def dataset(spec: ExportSpec) -> Dataset:
    """The rows and columns, with headings and labels in the spec's language (the
    columns are built here, so a background worker writes the asker's language)."""
    with translation.override(spec.language or settings.LANGUAGE_CODE):
        return DATASETS[spec.dataset](spec)


def count(spec: ExportSpec) -> int:
    return dataset(spec).rows.count()


def rows(spec: ExportSpec) -> Iterator[list]:
    """The header, then every row's cells (an empty cell as ""), read through a server-side
    cursor (or a page of ids at a time, behind a pooler). Text is as the members wrote
    it: the CSV writers guard it against formulas."""
    data = dataset(spec)
    yield data.header
    if connections[read_alias()].settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
        # Behind a transaction pooler a cursor cannot outlive its transaction: the rows
        # come a page of ids at a time instead, in the CSV's order.
        yield from _pages(data)
        return
    for values in data.cells().iterator(chunk_size=CHUNK_SIZE):
        yield ["" if value is None else value for value in values]


def _pages(data: Dataset) -> Iterator[list]:
    after = None
    while True:
        queryset = data.rows.order_by("pk")
        if after is not None:
            queryset = queryset.filter(pk__gt=after)
        page = list(data.cells(queryset, key=True)[:CHUNK_SIZE])
        for *values, key in page:
            yield ["" if value is None else value for value in values]
            after = key
        if len(page) < CHUNK_SIZE:
            return


# --- CSV ---------------------------------------------------------------------------------------


def csv_cell(value) -> str | int | Decimal:
    """Text a spreadsheet would run as a formula is written with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _guarded(column: str) -> str:
    """`csv_cell` in SQL, and an empty text as NULL: COPY writes NULL as nothing and an
    empty string as "", where the csv module writes nothing for both."""
    starts = ", ".join("'" + start.replace("'", "''") + "'" for start in FORMULA_STARTS)
    return (
        f"NULLIF(CASE WHEN left({column}, 1) IN ({starts}) THEN '''' || {column}"
        f" ELSE {column} END, '')"
    )


def _copy_sql(data: Dataset, queryset: QuerySet, cursor) -> str:
    names = [f"export_{n}" for n in range(len(data.columns))]
    sql, params = data.cells(queryset.order_by(), key=True).query.sql_with_params()
    inner = cursor.mogrify(sql, params).decode()
    outer = ", ".join(
        _guarded(name) if column.text else name
        for name, column in zip(names, data.columns, strict=True)
    )
    return (
        f"COPY (SELECT {outer} FROM ({inner}) AS export_rows ORDER BY export_key)"  # noqa: S608  # nosec B608
        " TO STDOUT WITH (FORMAT csv)"
    )


def _id_ranges(data: Dataset) -> Iterator[tuple[int, int]]:
    """The dataset's table's ids in ranges (lo, hi], lowest first."""
    bounds = data.rows.model._default_manager.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return
    low = bounds["low"] - 1
    while low < bounds["high"]:
        yield low, low + COPY_IDS_PER_RANGE
        low += COPY_IDS_PER_RANGE


class _CsvLines:
    """Where COPY writes: its record ends become CRLF, as the csv module writes them
    (a newline inside a quoted cell stays as it is), and the records are counted.

    COPY hands over one record per call; they are gathered and converted a block at a
    time, so the per-record cost in Python is one append. `flush` after each COPY."""

    BLOCK = 4096  # records

    def __init__(self, handle):
        self.handle = handle
        self.records = 0
        self.quoted = False  # inside a quoted cell at the end of the last block
        self.pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.pending.append(data)
        if len(self.pending) >= self.BLOCK:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        data = b"".join(self.pending)
        self.pending.clear()
        if not self.quoted and b'"' not in data:
            self.records += data.count(b"\n")
            self.handle.write(data.replace(b"\n", b"\r\n"))
            return
        parts = data.split(b'"')
        for n, part in enumerate(parts):
            if n:
                self.quoted = not self.quoted
            if not self.quoted and b"\n" in part:
                self.records += part.count(b"\n")
                parts[n] = part.replace(b"\n", b"\r\n")
        self.handle.write(b'"'.join(parts))


def _header_line(data: Dataset) -> bytes:
    line = io.StringIO()
    csv.writer(line).writerow([csv_cell(cell) for cell in data.header])
    return ("\ufeff" + line.getvalue()).encode()  # a byte order mark: spreadsheets read UTF-8


def _copy_ranges(spec: ExportSpec, target: _CsvLines) -> Iterator[int]:
    """COPY the rows into `target` a range of ids at a time; yields the rows so far."""
    data = dataset(spec)
    with connections[read_alias()].cursor() as cursor:
        for low, high in _id_ranges(data):
            sql = _copy_sql(data, data.rows.filter(pk__gt=low, pk__lte=high), cursor)
            cursor.cursor.copy_expert(sql, target)
            target.flush()
            yield target.records


def csv_stream(spec: ExportSpec) -> Iterator[bytes]:
    buffer = io.BytesIO()
    target = _CsvLines(buffer)
    yield _header_line(dataset(spec))
    for _written in _copy_ranges(spec, target):
        if buffer.tell():
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()


@reads_from_replica()
def write_csv(spec: ExportSpec, path: Path, progress: Callable[[int], None]) -> int:
    with path.open("wb") as handle:
        handle.write(_header_line(dataset(spec)))
        target = _CsvLines(handle)
        for written in _copy_ranges(spec, target):
            if written:
                progress(written)
    return target.records


# --- XLSX --------------------------------------------------------------------------------------
@reads_from_replica()
def write_xlsx(spec: ExportSpec, target, progress: Callable[[int], None]) -> int:
    """Write to a path or a binary file object, one row at a time (constant memory)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        str(target) if isinstance(target, Path) else target,
        {
            "constant_memory": True,
            # Members' words are text, never formulas or links.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    with translation.override(spec.language or settings.LANGUAGE_CODE):
        sheet_name = str(Export.Dataset(spec.dataset).label)
    sheet = workbook.add_worksheet(sheet_name[:31])
    bold = workbook.add_format({"bold": True})
    written = 0
    for number, cells in enumerate(rows(spec)):
        if number == 0:
            sheet.write_row(0, 0, cells, bold)
            sheet.freeze_panes(1, 0)
            continue
        sheet.write_row(number, 0, [float(c) if isinstance(c, Decimal) else c for c in cells])
        written = number
        if number % PROGRESS_EVERY == 0:
            progress(number)
    workbook.close()
    return written


def exports_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path
