"""Export files: the rows of each dataset, and writers that never hold them all.

Rows are read with a server-side cursor (`values_list(...).iterator(chunk_size=…)`),
so a million rows stream through in chunks. CSV is written as it is read
(StreamingHttpResponse, or a file for a background job); XLSX with xlsxwriter's
constant-memory mode, which writes each row to disk as it goes.

Hidden and pending content is never exported. Names follow the member's own choice
(`User.name_for`) except for admins, and email addresses are only in admins' files.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from reports.models import Export

CHUNK_SIZE = 2000
PROGRESS_EVERY = 1000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ExportSpec:
    dataset: str
    community: object | None = None
    campaign: object | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    personal: bool = False  # admins: real names and email addresses

    @classmethod
    def of(cls, export: Export) -> ExportSpec:
        return cls(
            dataset=export.dataset,
            community=export.community,
            campaign=export.campaign,
            date_from=export.date_from,
            date_to=export.date_to,
            personal=export.include_personal,
        )


def _local(moment) -> str:
    if moment is None:
        return ""
    if isinstance(moment, datetime.datetime):
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    return moment.isoformat()


def _name(spec: ExportSpec, display_name: str, visibility: str) -> str:
    """As an organiser sees it (the member's choice), or the real name for admins."""
    if spec.personal:
        return display_name or "A member"
    if visibility == "hidden":
        return "Anonymous supporter"
    return display_name or "A member"


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


@dataclass
class Dataset:
    header: list[str]
    queryset: QuerySet
    row: Callable[[tuple], list]


def _pledges(spec: ExportSpec) -> Dataset:
    from pledges.models import Pledge

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
    header = [
        "Pledge ID", "Made on", "I will", "Status", "Theme", "Campaign", "Community",
        "Due by", "Signers", "Done", "Measured outcome", "Unit", "Author", "Organisation",
    ]  # fmt: skip
    if spec.personal:
        header.append("Author email")

    def row(values):
        (pk, created, title, status, theme, campaign, community, due, signers, done, total,
         unit, name, visibility, organisation, email) = values  # fmt: skip
        hidden = visibility == "hidden" and not spec.personal
        cells = [
            pk, _local(created), title, Pledge.Status(status).label, theme, campaign or "",
            community or "", _local(due), signers, done, total, unit or "",
            _name(spec, name, visibility), "" if hidden else (organisation or ""),
        ]  # fmt: skip
        return cells + ([email] if spec.personal else [])

    return Dataset(header, queryset.values_list(*fields), row)


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
    header = [
        "Pledge ID", "I will", "Signed on", "Their own pledge", "Done on", "What happened",
        "Signer", "Organisation",
    ]  # fmt: skip
    if spec.personal:
        header.append("Signer email")

    def row(values):
        pledge, title, signed, is_author, done, outcome, name, visibility, org, email = values
        hidden = visibility == "hidden" and not spec.personal
        cells = [
            pledge, title, _local(signed), "yes" if is_author else "no", _local(done), outcome,
            _name(spec, name, visibility), "" if hidden else (org or ""),
        ]  # fmt: skip
        return cells + ([email] if spec.personal else [])

    return Dataset(header, queryset.values_list(*fields), row)


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
    header = ["Check-in ID", "Pledge ID", "I will", "Posted on", "Note", "Quantity", "Unit",
              "Author"]  # fmt: skip
    if spec.personal:
        header.append("Author email")

    def row(values):
        pk, pledge, title, created, note, quantity, unit, name, visibility, email = values
        cells = [
            pk, pledge, title, _local(created), note, quantity if quantity is not None else "",
            unit or "", _name(spec, name, visibility),
        ]  # fmt: skip
        return cells + ([email] if spec.personal else [])

    return Dataset(header, queryset.values_list(*fields), row)


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
    header = ["Story ID", "Published on", "Title", "Summary", "Measured outcome", "Campaign",
              "Community", "Featured", "Address", "Author"]  # fmt: skip
    if spec.personal:
        header.append("Author email")

    def row(values):
        (pk, published, title, summary, outcome, campaign, community, featured, slug, name,
         visibility, email) = values  # fmt: skip
        from django.urls import reverse

        cells = [
            pk, _local(published), title, summary, outcome, campaign or "", community or "",
            "yes" if featured else "no", settings.SITE_URL + reverse("stories:detail", args=[slug]),
            _name(spec, name, visibility),
        ]  # fmt: skip
        return cells + ([email] if spec.personal else [])

    return Dataset(header, queryset.values_list(*fields), row)


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
        header = ["Member ID", "Name", "Role", "Joined the community on", "Organisation",
                  "Job role"]  # fmt: skip
        if spec.personal:
            header.append("Email")

        def row(values):
            pk, name, visibility, role, joined, org, job, email = values
            hidden = visibility == "hidden" and not spec.personal
            cells = [
                pk, _name(spec, name, visibility), Membership.Role(role).label, _local(joined),
                "" if hidden else (org or ""), "" if hidden else job,
            ]  # fmt: skip
            return cells + ([email] if spec.personal else [])

        return Dataset(header, queryset.values_list(*fields), row)

    from members.models import User

    queryset = _dated(User.objects.filter(is_active=True), "date_joined", spec).order_by("id")
    fields = [
        "id", "display_name", "name_visibility", "date_joined", "organisation__name",
        "job_role", "region__name", "organisation__region__name", "email",
    ]  # fmt: skip
    header = ["Member ID", "Name", "Joined on", "Organisation", "Job role", "Region"]
    if spec.personal:
        header.append("Email")

    def row(values):
        pk, name, visibility, joined, org, job, region, org_region, email = values
        cells = [
            pk, _name(spec, name, visibility), _local(joined), org or "", job,
            region or org_region or "",
        ]  # fmt: skip
        return cells + ([email] if spec.personal else [])

    return Dataset(header, queryset.values_list(*fields), row)


DATASETS = {
    Export.Dataset.PLEDGES: _pledges,
    Export.Dataset.SIGNATURES: _signatures,
    Export.Dataset.CHECK_INS: _check_ins,
    Export.Dataset.STORIES: _stories,
    Export.Dataset.MEMBERS: _members,
}


def dataset(spec: ExportSpec) -> Dataset:
    return DATASETS[spec.dataset](spec)


def count(spec: ExportSpec) -> int:
    return dataset(spec).queryset.count()


def rows(spec: ExportSpec) -> Iterator[list]:
    """The header, then every row, read through a server-side cursor."""
    data = dataset(spec)
    yield data.header
    for values in data.queryset.iterator(chunk_size=CHUNK_SIZE):
        yield data.row(values)


# --- Writers ---------------------------------------------------------------------------------


def csv_cell(value) -> str | int | Decimal:
    """Text a spreadsheet would run as a formula is written with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Line:
    """A file-like object csv.writer writes one line into, handed straight back."""

    def write(self, value: str) -> str:
        return value


def csv_stream(spec: ExportSpec) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield "\ufeff"  # a byte order mark, so spreadsheet programs read the file as UTF-8
    for cells in rows(spec):
        yield writer.writerow([csv_cell(cell) for cell in cells])


def write_csv(spec: ExportSpec, path: Path, progress: Callable[[int], None]) -> int:
    written = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("\ufeff")
        writer = csv.writer(handle)
        for number, cells in enumerate(rows(spec)):
            writer.writerow([csv_cell(cell) for cell in cells])
            written = number
            if number and number % PROGRESS_EVERY == 0:
                progress(number)
    return written


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
    sheet = workbook.add_worksheet(spec.dataset.replace("_", " ").title()[:31])
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
