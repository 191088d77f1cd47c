"""`make bench-data SCALE=…`: load the NHS-scale benchmark data set.

At SCALE=1: 200,000 members across 200 organisations and the 7 NHS England regions,
300 communities, 1,000,000 pledges, 3,000,000 signatures (each pledge's author is its
first signer), 1,000,000 check-ins, 100,000 stories and 500,000 module enrolments.
Smaller scales shrink every count (regions stay 7).

The rows are generated in this process and streamed to PostgreSQL with COPY
(psycopg2 `copy_expert`), never through the ORM: tab-separated text, one generator per
table. Plain indexes are dropped while a table loads and built again afterwards (a
sort beats millions of index insertions), and foreign-key triggers are off for the
load when the database role may switch them off (the generator only makes rows that
satisfy them). The same seed and anchor day give the same rows.

Denormalised counters (pledge signer, done and quantity totals, community member
counts) are computed while generating and written with the rows, so they match the
rows exactly: `check_counters()` proves it.

The command line loads into the benchmark database (see benchmarks/database.py),
after running the migrations there, and runs ANALYZE and (when the reports app
provides it) the full rollup recount.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import math
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

FULL_SIZES = {
    "organisations": 200,
    "members": 200_000,
    "communities": 300,
    "pledges": 1_000_000,
    "signatures": 3_000_000,
    "check_ins": 1_000_000,
    "stories": 100_000,
    "enrolments": 500_000,
}
MINIMUM_SIZES = {
    "organisations": 7,
    "members": 20,
    "communities": 3,
    "pledges": 10,
    "signatures": 20,
    "check_ins": 5,
    "stories": 5,
    "enrolments": 10,
}
REGIONS = [
    "East of England",
    "London",
    "Midlands",
    "North East and Yorkshire",
    "North West",
    "South East",
    "South West",
]
ORGANISATION_KINDS = [
    "acute_trust",
    "mental_health_trust",
    "community_trust",
    "ambulance_trust",
    "icb",
    "primary_care",
    "social_care",
    "charity",
]
THEMES = [
    "Patient experience",
    "Safety",
    "Staff wellbeing",
    "Sustainability",
    "Equality and inclusion",
    "Flow and waiting times",
    "Prevention",
    "Digital and data",
]
MODULES = 10
LESSONS_PER_MODULE = 5
BENCH_PASSWORD = "radicals-bench-password"  # noqa: S105 - public, for the bench accounts only
EMAIL_DOMAIN = "bench.radicals.local"
NULL = r"\N"  # COPY's text format for a NULL
DEFAULT_SEED = 20_240_601


class ScaleError(ValueError):
    """The scale argument is not a positive number."""


def parse_scale(text: str | float | None) -> float:
    """A positive, finite number (1 is the full NHS-scale set), or ScaleError."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return 1.0
    try:
        scale = float(text)
    except (TypeError, ValueError):
        raise ScaleError(
            f"SCALE must be a positive number such as 1, 0.1 or 0.01, not “{text}”."
        ) from None
    if not math.isfinite(scale) or scale <= 0:
        raise ScaleError(f"SCALE must be a positive number such as 1, 0.1 or 0.01, not {text}.")
    if scale > 10:
        raise ScaleError(f"SCALE {scale:g} is too big: at most 10 (ten times NHS scale).")
    return scale


def sizes_for(scale: float) -> dict[str, int]:
    sizes = {
        name: max(MINIMUM_SIZES[name], round(full * scale)) for name, full in FULL_SIZES.items()
    }
    # Every pledge has its author's signature; each member can enrol once per module.
    sizes["signatures"] = max(sizes["signatures"], sizes["pledges"])
    sizes["enrolments"] = min(sizes["enrolments"], sizes["members"] * MODULES)
    return sizes


# --- Writing rows -------------------------------------------------------------------


def _text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = json.dumps(value)
    elif isinstance(value, dt.datetime | dt.date):
        value = value.isoformat()
    else:
        value = str(value)
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "")


class _LineStream(io.RawIOBase):
    """A file whose read() yields generated lines, so COPY streams without a temp file."""

    def __init__(self, lines: Iterator[str]):
        self._lines = lines
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = 1 << 20 if size is None or size < 0 else size
        parts = [self._buffer]
        length = len(self._buffer)
        for line in self._lines:
            encoded = line.encode()
            parts.append(encoded)
            length += len(encoded)
            if length >= size:
                break
        data = b"".join(parts)
        self._buffer = data[size:]
        return data[:size]


@dataclass
class Table:
    """One model's rows: `columns` are written by `lines`; every other column gets the
    model field's default (so a field another app adds later still loads)."""

    model: type
    columns: list[str]
    lines: Callable[[], Iterable[str]]
    _defaults: list[tuple[str, str]] = field(default_factory=list)

    def full_columns(self) -> tuple[list[str], str]:
        named = set(self.columns)
        extra_names, extra_values = [], []
        for model_field in self.model._meta.concrete_fields:
            column = model_field.column
            if column in named or model_field.generated:
                continue
            if model_field.has_default():
                value = model_field.get_default()
            elif getattr(model_field, "auto_now", False) or getattr(
                model_field, "auto_now_add", False
            ):
                value = dt.datetime.now(dt.UTC)
            elif model_field.null:
                value = None
            elif model_field.blank and model_field.empty_strings_allowed:
                value = ""
            else:
                raise RuntimeError(
                    f"{self.model._meta.label}.{model_field.name} has no default: "
                    "the benchmark data generator must give it a value."
                )
            extra_names.append(column)
            extra_values.append(_text(value))
        suffix = "".join(f"\t{v}" for v in extra_values)
        return [*self.columns, *extra_names], suffix


# --- The data set ---------------------------------------------------------------------


class DataSet:
    """Plans every row from the seed, then streams each table."""

    def __init__(self, *, scale: float, seed: int = DEFAULT_SEED, anchor: dt.date | None = None):
        from django.contrib.auth.hashers import make_password

        self.scale = scale
        self.seed = seed
        self.sizes = sizes_for(scale)
        self.anchor_day = anchor or dt.date.today()
        self.now = dt.datetime.combine(self.anchor_day, dt.time(12, 0), tzinfo=dt.UTC)
        self.password_hash = make_password(BENCH_PASSWORD, salt="radicalsbench")
        self._plan()

    # Planning: every count and counter, before any row is written.

    def _plan(self) -> None:
        rng = random.Random(self.seed)
        s = self.sizes
        members, communities, pledges = s["members"], s["communities"], s["pledges"]

        # Memberships: member u belongs to community u % C, and every other member also
        # to a second one. Member c (c < C) organises community c.
        self.second_community = [-1] * members
        member_count = [0] * communities
        for u in range(members):
            member_count[u % communities] += 1
            if u % 2 == 0 and communities > 1:
                second = (u // communities * 7 + u + 1) % communities
                if second != u % communities:
                    self.second_community[u] = second
                    member_count[second] += 1
        self.community_member_count = member_count

        # Pledges: author, status, co-signer count, done count, check-ins.
        statuses = ["active"] * 60 + ["gathering"] * 10 + ["completed"] * 25
        statuses += ["failed"] * 3 + ["withdrawn"] * 2
        co_sign_cap = min(members - 1, 20_000)
        self.p_author = [rng.randrange(members) for _ in range(pledges)]
        self.p_status = [statuses[rng.randrange(100)] for _ in range(pledges)]
        self.p_age = [rng.randrange(1, 720) for _ in range(pledges)]
        co_signs = [min(int(rng.paretovariate(1.3)) - 1, co_sign_cap) for _ in range(pledges)]
        target = s["signatures"] - pledges
        total = sum(co_signs)
        while total < target:
            p = rng.randrange(pledges)
            if co_signs[p] < co_sign_cap:
                step = min(co_sign_cap - co_signs[p], target - total, 1 + co_signs[p] // 4)
                co_signs[p] += step
                total += step
        while total > target:
            p = rng.randrange(pledges)
            if co_signs[p] > 0:
                step = min(co_signs[p], total - target, 1 + co_signs[p] // 2)
                co_signs[p] -= step
                total -= step
        self.p_co_signs = co_signs
        self.p_signer_start = [rng.randrange(max(members - 1 - k, 1)) for k in co_signs]

        # Done commitments: most on completed pledges, some on active ones.
        done = []
        for p in range(pledges):
            signers = co_signs[p] + 1
            status = self.p_status[p]
            if status == "completed":
                done.append(signers - signers // 3)
            elif status == "active":
                done.append(signers // 5)
            else:
                done.append(0)
        self.p_done = done

        # Check-ins go to active and completed pledges, spread by the number of signers.
        checkable = [p for p in range(pledges) if self.p_status[p] in ("active", "completed")]
        check_ins = [0] * pledges
        remaining = s["check_ins"]
        if checkable:
            while remaining > 0:
                p = checkable[rng.randrange(len(checkable))]
                step = min(remaining, 1 + co_signs[p] // 3)
                check_ins[p] += step
                remaining -= step
        self.p_check_ins = check_ins
        self.p_campaign = [
            (1 + p % 3) if p % 5 == 0 else 0 for p in range(pledges)
        ]  # a fifth of pledges are in one of three campaigns
        self.p_community = [
            (self.p_author[p] % communities) + 1 if p % 10 < 3 else 0 for p in range(pledges)
        ]
        quantity_total = [0] * pledges
        for p in range(pledges):
            if self.p_campaign[p] == 1:  # the campaign with a unit: miles
                quantity_total[p] = sum(
                    self._check_in_quantity(p, j)
                    for j in range(check_ins[p])
                    if not self._check_in_hidden(p, j)
                )
        self.p_quantity = quantity_total

    @staticmethod
    def _check_in_quantity(p: int, j: int) -> int:
        return 1 + (p * 7 + j * 13) % 9

    @staticmethod
    def _check_in_hidden(p: int, j: int) -> bool:
        return (p + j * 31) % 100 == 0

    def _pledge_moderation(self, p: int) -> str:
        if p % 100 == 1:
            return "pending"
        if p % 100 == 2:
            return "hidden"
        return "published"

    def _at(self, days_ago: float) -> str:
        return (self.now - dt.timedelta(days=days_ago)).isoformat()

    def _day(self, days_from_anchor: int) -> str:
        return (self.anchor_day + dt.timedelta(days=days_from_anchor)).isoformat()

    # Tables, in load order.

    def tables(self) -> list[Table]:
        from communities.models import Community, Membership
        from learning.models import Enrolment, Lesson, Module
        from members.models import Organisation, Region, User
        from pledges.models import Campaign, CheckIn, Pledge, Signature, Theme
        from stories.models import Story

        return [
            Table(Region, ["id", "name", "slug"], self._regions),
            Table(Organisation, ["id", "name", "slug", "kind", "region_id"], self._organisations),
            Table(
                User,
                [
                    "id",
                    "password",
                    "email",
                    "display_name",
                    "job_role",
                    "name_visibility",
                    "organisation_id",
                    "region_id",
                    "date_joined",
                ],
                self._users,
            ),
            Table(
                Community,
                [
                    "id",
                    "name",
                    "slug",
                    "description",
                    "joining_policy",
                    "region_id",
                    "member_count",
                ],
                self._communities,
            ),
            Table(
                Membership,
                ["id", "community_id", "member_id", "role", "status", "requested_at", "joined_at"],
                self._memberships,
            ),
            Table(Theme, ["id", "name", "slug"], self._themes),
            Table(
                Campaign,
                ["id", "name", "slug", "description", "starts_on", "ends_on", "target", "unit"],
                self._campaigns,
            ),
            Table(
                Pledge,
                [
                    "id",
                    "author_id",
                    "title",
                    "description",
                    "theme_id",
                    "campaign_id",
                    "community_id",
                    "visibility",
                    "due_date",
                    "threshold",
                    "threshold_deadline",
                    "status",
                    "moderation_status",
                    "signer_count",
                    "done_count",
                    "total_quantity",
                    "created_at",
                    "updated_at",
                    "activated_at",
                    "completed_at",
                    "failed_at",
                    "withdrawn_at",
                ],
                self._pledges,
            ),
            Table(
                Signature,
                ["id", "pledge_id", "member_id", "is_author", "signed_at", "done_at"],
                self._signatures,
            ),
            Table(
                CheckIn,
                [
                    "id",
                    "pledge_id",
                    "author_id",
                    "note",
                    "quantity",
                    "moderation_status",
                    "created_at",
                ],
                self._check_ins,
            ),
            Table(
                Story,
                [
                    "id",
                    "author_id",
                    "title",
                    "slug",
                    "summary",
                    "body",
                    "community_id",
                    "status",
                    "created_at",
                    "updated_at",
                    "published_at",
                ],
                self._stories,
            ),
            Table(
                Module,
                [
                    "id",
                    "title",
                    "slug",
                    "summary",
                    "estimated_minutes",
                    "status",
                    "published_at",
                    "updated_at",
                ],
                self._modules,
            ),
            Table(
                Lesson,
                ["id", "module_id", "position", "title", "slug", "body", "estimated_minutes"],
                self._lessons,
            ),
            Table(
                Enrolment,
                ["id", "member_id", "module_id", "enrolled_at", "last_activity_at", "completed_at"],
                self._enrolments,
            ),
        ]

    def _regions(self):
        for i, name in enumerate(REGIONS, start=1):
            yield f"{i}\t{name}\t{name.lower().replace(' ', '-')}"

    def _organisations(self):
        for i in range(1, self.sizes["organisations"] + 1):
            kind = ORGANISATION_KINDS[i % len(ORGANISATION_KINDS)]
            region = 1 + i % len(REGIONS)
            yield f"{i}\tBench NHS Trust {i:03d}\tbench-nhs-trust-{i:03d}\t{kind}\t{region}"

    def _user_organisation(self, u: int) -> int:
        return 1 + (u * 7919) % self.sizes["organisations"]

    def _users(self):
        roles = ["Nurse", "Doctor", "Physiotherapist", "Pharmacist", "Porter", "Manager"]
        visibility = ["members", "public", "members", "hidden"]
        password = self.password_hash
        regions = len(REGIONS)
        for u in range(self.sizes["members"]):
            organisation = self._user_organisation(u)
            yield (
                f"{u + 1}\t{password}\tmember{u + 1}@{EMAIL_DOMAIN}\tMember {u + 1}\t"
                f"{roles[u % len(roles)]}\t{visibility[u % 4]}\t{organisation}\t"
                f"{1 + organisation % regions}\t{self._at(800 - u % 700)}"
            )

    def _communities(self):
        policies = ["open", "open", "open", "approval"]
        for c in range(self.sizes["communities"]):
            yield (
                f"{c + 1}\tBench community {c + 1:03d}\tbench-community-{c + 1:03d}\t"
                f"People changing one thing at a time, group {c + 1}.\t"
                f"{policies[c % 4]}\t{1 + c % len(REGIONS)}\t{self.community_member_count[c]}"
            )

    def _memberships(self):
        communities = self.sizes["communities"]
        joined = self._at(400)
        next_id = 1
        for u in range(self.sizes["members"]):
            first = u % communities
            role = "organiser" if u == first else "member"
            yield f"{next_id}\t{first + 1}\t{u + 1}\t{role}\tactive\t{joined}\t{joined}"
            next_id += 1
            second = self.second_community[u]
            if second >= 0:
                yield f"{next_id}\t{second + 1}\t{u + 1}\tmember\tactive\t{joined}\t{joined}"
                next_id += 1

    def _themes(self):
        for i, name in enumerate(THEMES, start=1):
            yield f"{i}\t{name}\t{name.lower().replace(' ', '-')}"

    def _campaigns(self):
        rows = [
            ("Change Day", 30, 60, 200_000, "miles"),
            ("Greener NHS", 200, 100, 50_000, ""),
            ("What matters to you", 500, -200, None, ""),
        ]
        for i, (name, started_ago, ends_in, target, unit) in enumerate(rows, start=1):
            slug = name.lower().replace(" ", "-")
            yield (
                f"{i}\t{name}\t{slug}\tA bench campaign.\t{self._day(-started_ago)}\t"
                f"{self._day(ends_in)}\t{_text(target)}\t{unit}"
            )

    def _pledges(self):
        verbs = ["ask", "check", "share", "learn", "walk", "switch off", "listen to", "welcome"]
        objects = [
            "every patient what matters to them",
            "the lights in the ward at night",
            "one idea a week with my team",
            "to work twice a week",
            "new starters on their first day",
            "the discharge checklist with families",
        ]
        themes = len(THEMES)
        for p in range(self.sizes["pledges"]):
            status = self.p_status[p]
            age = self.p_age[p]
            created = self._at(age)
            co_signs = self.p_co_signs[p]
            if status in ("active", "gathering"):
                due = self._day(1 + p % 365)
            else:
                due = self._day(-(p % max(age, 1)))
            threshold = deadline = None
            if status in ("gathering", "failed"):
                threshold = min(co_signs + 1 + p % 20, 10_000)
                deadline = due
            community = self.p_community[p]
            visibility = "community" if community and p % 20 == 0 else "public"
            activated = created if status in ("active", "completed") else None
            yield "\t".join(
                [
                    str(p + 1),
                    str(self.p_author[p] + 1),
                    f"{verbs[p % 8]} {objects[p % 6]} ({p + 1})",
                    "Because small changes add up when many people make them.",
                    str(1 + p % themes),
                    str(self.p_campaign[p] or r"\N"),
                    str(community or r"\N"),
                    visibility,
                    due,
                    _text(threshold),
                    _text(deadline),
                    status,
                    self._pledge_moderation(p),
                    str(co_signs + 1),
                    str(self.p_done[p]),
                    f"{self.p_quantity[p]}.00",
                    created,
                    created,
                    activated or r"\N",
                    self._at(age / 3) if status == "completed" else r"\N",
                    self._at(age / 3) if status == "failed" else r"\N",
                    self._at(age / 2) if status == "withdrawn" else r"\N",
                ]
            )

    def _signer(self, p: int, j: int) -> int:
        """0-based member id of pledge p's j-th signer (j=0 is the author)."""
        author = self.p_author[p]
        if j == 0:
            return author
        members = self.sizes["members"]
        return (author + 1 + self.p_signer_start[p] + j - 1) % members

    def _signatures(self):
        next_id = 1
        for p in range(self.sizes["pledges"]):
            age = self.p_age[p]
            done = self.p_done[p]
            done_days_ago = max(age / 4, 0.5)
            signers = self.p_co_signs[p] + 1
            for j in range(signers):
                # Spread evenly from the pledge's making to now, however many sign, so
                # no day holds more than its share (a cap on the spacing once piled
                # every signer past the thousandth onto the last day or two).
                signed_days_ago = age - j * age / (signers + 1)
                done_at = self._at(min(done_days_ago, signed_days_ago))
                yield (
                    f"{next_id}\t{p + 1}\t{self._signer(p, j) + 1}\t{'t' if j == 0 else 'f'}\t"
                    f"{self._at(signed_days_ago)}\t{done_at if j < done else NULL}"
                )
                next_id += 1

    def _check_ins(self):
        next_id = 1
        notes = [
            "Did it again this week.",
            "Harder than I thought, but going.",
            "The team has joined in.",
            "Two more wards asked how.",
        ]
        for p in range(self.sizes["pledges"]):
            count = self.p_check_ins[p]
            if not count:
                continue
            signers = self.p_co_signs[p] + 1
            age = self.p_age[p]
            with_quantity = self.p_campaign[p] == 1
            for j in range(count):
                author = self._signer(p, j % signers) + 1
                quantity = self._check_in_quantity(p, j) if with_quantity else None
                status = "hidden" if self._check_in_hidden(p, j) else "published"
                yield (
                    f"{next_id}\t{p + 1}\t{author}\t{notes[j % 4]}\t{_text(quantity)}\t"
                    f"{status}\t{self._at(age * (count - j) / (count + 1))}"
                )
                next_id += 1

    def _stories(self):
        members, communities = self.sizes["members"], self.sizes["communities"]
        for i in range(self.sizes["stories"]):
            author = (i * 104_729) % members
            status = "published" if i % 20 < 17 else ("draft" if i % 20 < 19 else "submitted")
            community = (author % communities) + 1 if i % 3 == 0 else None
            created = self._at(1 + i % 700)
            yield (
                f"{i + 1}\t{author + 1}\tHow we changed handovers, part {i + 1}\t"
                f"how-we-changed-handovers-{i + 1}\tA ward tried one thing and it spread.\t"
                f"We started small. **Every** shift, one question. It spread to {i % 40 + 2} "
                f"wards.\t{_text(community)}\t{status}\t{created}\t{created}\t"
                f"{created if status == 'published' else NULL}"
            )

    def _modules(self):
        published = self._at(600)
        for m in range(1, MODULES + 1):
            yield (
                f"{m}\tLeading change, part {m}\tleading-change-{m}\t"
                f"Short lessons on the craft of change, part {m}.\t{30 + m * 5}\tpublished\t"
                f"{published}\t{published}"
            )

    def _lessons(self):
        next_id = 1
        for m in range(1, MODULES + 1):
            for position in range(1, LESSONS_PER_MODULE + 1):
                yield (
                    f"{next_id}\t{m}\t{position}\tLesson {position}\tlesson-{position}\t"
                    f"Read, reflect, then try one thing.\t{5 + position}"
                )
                next_id += 1

    def _enrolments(self):
        members = self.sizes["members"]
        for e in range(self.sizes["enrolments"]):
            member, module = e % members, e // members
            enrolled = self._at(1 + e % 500)
            completed = self._at(e % 400 / 2) if e % 5 < 2 else r"\N"
            yield (
                f"{e + 1}\t{member + 1}\t{module % MODULES + 1}\t{enrolled}\t{enrolled}\t"
                f"{completed}"
            )


# --- Loading ---------------------------------------------------------------------------


def _plain_indexes(cursor, table: str) -> list[tuple[str, str]]:
    """(name, definition) of the table's indexes that back no constraint."""
    cursor.execute(
        """
        SELECT c.relname, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = %s::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
        """,
        [table],
    )
    return list(cursor.fetchall())


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def load(
    connection, *, scale: float, seed: int = DEFAULT_SEED, anchor=None, log=print
) -> dict[str, int]:
    """Replace the loaded tables' rows with the data set at `scale`, through `connection`
    (a Django connection). Returns the row count of every table loaded."""
    from pledges.models import Pledge, SignerTally
    from pledges.services import signer_tallies_repair

    started = time.monotonic()
    data = DataSet(scale=scale, seed=seed, anchor=anchor)
    tables = data.tables()
    log(f"Planned {sum(data.sizes.values()):,} rows in {time.monotonic() - started:.1f}s")
    names = [table.model._meta.db_table for table in tables]
    connection.ensure_connection()
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg2's own cursor, for copy_expert
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SAVEPOINT bench_replica")
        try:
            # Foreign keys hold by construction; skipping their per-row checks halves
            # the load time. Only a superuser may do this; others load with the checks.
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("RELEASE SAVEPOINT bench_replica")
        except Exception:  # noqa: BLE001 - any refusal just means the checks stay on
            cursor.execute("ROLLBACK TO SAVEPOINT bench_replica")
        cursor.execute(
            "TRUNCATE " + ", ".join(_quote(name) for name in names) + " RESTART IDENTITY CASCADE"
        )
        for table in tables:
            name = table.model._meta.db_table
            step = time.monotonic()
            indexes = _plain_indexes(cursor, name)
            for index_name, _definition in indexes:
                cursor.execute(f"DROP INDEX {_quote(index_name)}")
            columns, suffix = table.full_columns()
            lines = (f"{line}{suffix}\n" for line in table.lines())
            column_list = ", ".join(_quote(column) for column in columns)
            raw.copy_expert(
                f"COPY {_quote(name)} ({column_list}) FROM STDIN WITH (FREEZE)",
                _LineStream(iter(lines)),
            )
            counts[name] = raw.rowcount
            for _index_name, definition in indexes:
                cursor.execute(definition)
            # A model's own table name, never input.
            sequence = f"SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST(MAX(id), 1)) FROM {_quote(name)}"  # noqa: E501, S608 # nosec B608
            cursor.execute(sequence, [name])
            log(
                f"  {name:<28} {counts[name]:>10,} rows in {time.monotonic() - step:6.1f}s"
                + (f" ({len(indexes)} indexes rebuilt)" if indexes else "")
            )
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        if Pledge._meta.db_table in counts:
            # The triggers that give each pledge its tally were off (a replica's load).
            step = time.monotonic()
            tally_table = SignerTally._meta.db_table
            counts[tally_table] = written = signer_tallies_repair()
            seconds = time.monotonic() - step
            log(f"  {tally_table:<28} {written:>10,} rows in {seconds:6.1f}s")
            names.append(tally_table)
        for name in names:
            cursor.execute(f"ANALYZE {_quote(name)}")
    log(f"Loaded {sum(counts.values()):,} rows in {time.monotonic() - started:.1f}s")
    return counts


def check_counters(connection) -> dict[str, int]:
    """Rows whose denormalised counters disagree with the rows they count (all zero when
    the data is consistent)."""
    queries = {
        "pledge_signer_count": """
            SELECT count(*) FROM pledges_pledge p
            LEFT JOIN (SELECT pledge_id, count(*) AS n,
                              count(*) FILTER (WHERE done_at IS NOT NULL) AS done
                       FROM pledges_signature GROUP BY pledge_id) s ON s.pledge_id = p.id
            WHERE p.signer_count <> coalesce(s.n, 0) OR p.done_count <> coalesce(s.done, 0)
        """,
        "pledge_total_quantity": """
            SELECT count(*) FROM pledges_pledge p
            LEFT JOIN (SELECT pledge_id, sum(quantity) AS total FROM pledges_checkin
                       WHERE moderation_status <> 'hidden' GROUP BY pledge_id) c
              ON c.pledge_id = p.id
            WHERE p.total_quantity <> coalesce(c.total, 0)
        """,
        "community_member_count": """
            SELECT count(*) FROM communities_community c
            LEFT JOIN (SELECT community_id, count(*) AS n FROM communities_membership
                       WHERE status = 'active' GROUP BY community_id) m
              ON m.community_id = c.id
            WHERE c.member_count <> coalesce(m.n, 0)
        """,
        "pledge_signer_tally": """
            SELECT count(*) FROM pledges_pledge p
            LEFT JOIN pledges_signertally t ON t.pledge_id = p.id
            WHERE t.signer_count IS DISTINCT FROM p.signer_count
        """,
        "signature_without_author": """
            SELECT count(*) FROM pledges_pledge p WHERE NOT EXISTS (
                SELECT 1 FROM pledges_signature s
                WHERE s.pledge_id = p.id AND s.member_id = p.author_id AND s.is_author)
        """,
    }
    with connection.cursor() as cursor:
        result = {}
        for name, query in queries.items():
            cursor.execute(query)
            result[name] = cursor.fetchone()[0]
    return result


# --- Command line ------------------------------------------------------------------------


def _run_rollups(log) -> None:
    """The reports app's full rollup recount, when it has one."""
    from django.core.management import get_commands

    if "rollups" not in get_commands():
        log("The reports app has no `rollups` command yet: no rollups to recount.")
        return
    from benchmarks import database

    step = time.monotonic()
    # The recount only: awarding every badge and drawing every community's network are
    # the nightly job's (about six minutes at NHS scale), and no figure reads them.
    database.manage("rollups", "--full", "--recount-only")
    log(f"Rolled up (manage.py rollups --full --recount-only) in {time.monotonic() - step:.1f}s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make bench-data SCALE=…",
        description="Load the benchmark data set into the benchmark database.",
    )
    parser.add_argument("scale", nargs="?", default="1", help="1 = NHS scale (default)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--anchor", type=dt.date.fromisoformat, default=None, help="the day dates count from"
    )
    args = parser.parse_args(argv)
    try:
        scale = parse_scale(args.scale)
    except ScaleError as exc:
        print(f"make bench-data: {exc}", file=sys.stderr)
        return 2

    import os

    from benchmarks import database

    url = database.ensure_database()
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "radicals.settings")
    print(f"Benchmark database: {database.bench_database_name()} (scale {scale:g})")
    step = time.monotonic()
    database.manage("migrate", "--noinput", quiet=True)
    print(f"Migrated in {time.monotonic() - step:.1f}s")

    import django

    django.setup()
    from django.db import connection, transaction

    with transaction.atomic():
        load(connection, scale=scale, seed=args.seed, anchor=args.anchor)
    mismatches = check_counters(connection)
    if any(mismatches.values()):
        print(f"Counters disagree with the rows: {mismatches}", file=sys.stderr)
        return 1
    print("Counters match the rows they count.")
    _run_rollups(print)
    return 0


if __name__ == "__main__":
    sys.exit(main())
