"""The hottest hand-written statements, prepared once per database connection.

PostgreSQL plans every statement it is sent. For the short reads a page makes by key
(a pledge and the viewer's signature, its signers, check-ins and thanks, a community by
its slug, the header's counts), planning cost more than running: a pledge's read took
0.66 ms sent as text and 0.24 ms prepared, a pledge page's five reads 1.76 ms against
0.97 (docs/benchmarks.md), and that planning is CPU the database server takes from the
same machine as the web workers.

`execute(cursor, name, sql, parameters)` runs `sql` (written for psycopg2: `%(name)s`
or `%s` placeholders, `%%` for a percent sign) as the prepared statement
`radicals_read_<name>_<n>` of the cursor's connection: the first time on a connection it
is sent as `PREPARE … AS …; EXECUTE …` in one round trip (so a read is still one query
to whoever counts them), afterwards as `EXECUTE radicals_read_<name>_<n>(values)`.
PostgreSQL still chooses, for each statement, between a plan for the values at hand and
a generic one (`plan_cache_mode = auto`): after five executions it keeps the generic plan
only when that is estimated no dearer, so a read whose best plan depends on its values
goes on being planned per call and loses nothing. A partial index's condition or a
`LIMIT` the generic plan cannot cost kept a community's stories, pledges and organisers
planned per call until their choices and limits were written into the text (`constant`).

Reads (`execute`: the statement must begin with SELECT or WITH) are prepared as
`radicals_read_…`. The one write that runs often enough for its planning to count, the
co-sign, is prepared by `execute_write` as `radicals_write_…` (INSERT, UPDATE, DELETE or
WITH), a name kernel.replica does not take for a read, so the request still counts as
one that wrote. Names are unique in the process (the same name with other SQL is
refused). A prepared statement lives as long as its connection and is not undone by a
rollback, so each connection remembers which it holds; when a first `PREPARE … EXECUTE`
fails (a timeout, a cancelled query), the next try prepares under a new number rather
than guess whether the first was kept.

Behind a pooler in transaction mode (settings.DATABASE_POOLED: PgBouncer in
docker-compose.yml) a statement prepared on one server connection would be asked for on
another, so with settings.DATABASE_PREPARED_READS off (its default there) every read,
and the co-sign's write, is sent as its text. `source()` gives the SQL behind a captured
`EXECUTE`, for tests that look at what a page asked.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field

from django.conf import settings

PREFIX = "radicals_read_"
WRITE_PREFIX = "radicals_write_"
_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
_PLACEHOLDER = re.compile(r"%%|%\((\w+)\)s|%s")
_READ = re.compile(r"\s*(SELECT|WITH)\b", re.IGNORECASE)
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|WITH)\b", re.IGNORECASE)
_EXECUTED = re.compile(
    rf"^(?:PREPARE \w+ AS .*?; )?EXECUTE (?:{PREFIX}|{WRITE_PREFIX})([a-z0-9_]+?)_\d+\b", re.S
)


@dataclass(frozen=True)
class Statement:
    name: str
    sql: str
    text: str  # the SQL with $1, $2, … for its placeholders
    names: tuple[str, ...]  # the parameter behind each $n, for named placeholders
    count: int  # how many $n

    def values(self, parameters) -> list:
        if self.names:
            return [parameters[name] for name in self.names]
        values = list(parameters or ())
        if len(values) != self.count:
            raise ValueError(f"{self.name}: {self.count} values needed, {len(values)} given.")
        return values

    @property
    def arguments(self) -> str:
        return "(" + ", ".join(["%s"] * self.count) + ")" if self.count else ""


_statements: dict[str, Statement] = {}


def statement(name: str, sql: str, *, write: bool = False) -> Statement:
    """The parsed statement `name`; refused when it is not a read (a write, with
    `write`), when its placeholders mix names and positions, or when `name` already has
    other SQL."""
    known = _statements.get(name)
    if known is not None and (known.sql is sql or known.sql == sql):
        return known
    if known is not None:
        raise ValueError(f"The prepared statement {name!r} already has other SQL.")
    if not _NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a name for a prepared read (a-z, 0-9, _).")
    if write and not _WRITE.match(sql):
        raise ValueError(f"{name!r}: a write begins with INSERT, UPDATE, DELETE or WITH.")
    if not write and not _READ.match(sql):
        raise ValueError(f"{name!r}: only reads (SELECT or WITH) are prepared as reads.")
    named: list[str] = []
    positional = 0

    def number(match: re.Match) -> str:
        nonlocal positional
        placeholder = match.group(0)
        if placeholder == "%%":
            return placeholder  # still read by psycopg2's formatting, with the EXECUTE's values
        if match.group(1) is None:
            positional += 1
            return f"${positional}"
        if match.group(1) not in named:
            named.append(match.group(1))
        return f"${named.index(match.group(1)) + 1}"

    text = _PLACEHOLDER.sub(number, sql)
    if named and positional:
        raise ValueError(f"{name!r} mixes named and positional placeholders.")
    parsed = Statement(name, sql, text, tuple(named), len(named) or positional)
    return _statements.setdefault(name, parsed)


_CONSTANT = re.compile(r"[A-Za-z0-9_-]{1,64}")


def constant(value) -> str:
    """`value`, one of a model's own choices (letters, digits, `_` and `-` only) or a
    whole number the code chose (a list's length), as an SQL literal to write into a
    read's text. A partial index (a community's published stories, its active
    organisers) serves a prepared statement's generic plan only when the plan knows the
    value its condition names, and a `LIMIT` it does not know is costed as a tenth of
    the rows, so such values are written in; anything a person sent is a parameter."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = getattr(value, "value", value)
    if not isinstance(text, str) or not _CONSTANT.fullmatch(text):
        raise ValueError(f"{text!r} is not a choice's value to write into SQL.")
    return f"'{text}'"


@dataclass
class _Held:
    """What one database connection holds: each read's prepared name, and how many
    times each was tried."""

    ready: dict[str, str] = field(default_factory=dict)
    tries: dict[str, int] = field(default_factory=dict)


_held: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def execute(cursor, name: str, sql: str, parameters=None) -> None:
    """Run the read `sql` on `cursor` (a Django cursor) with `parameters`, prepared
    on its connection unless settings.DATABASE_PREPARED_READS is off; fetch its rows
    from the cursor as usual."""
    _execute(cursor, name, sql, parameters, prefix=PREFIX)


def execute_write(cursor, name: str, sql: str, parameters=None) -> None:
    """`execute` for a write: prepared as `radicals_write_<name>_<n>`, which the
    replica's watch counts as a write. Its values must have the types PostgreSQL infers
    for their places, or say theirs (`%(now)s::timestamptz`)."""
    _execute(cursor, name, sql, parameters, prefix=WRITE_PREFIX)


def _execute(cursor, name: str, sql: str, parameters, *, prefix: str) -> None:
    if not settings.DATABASE_PREPARED_READS:
        cursor.execute(sql, parameters)
        return
    parsed = statement(name, sql, write=prefix == WRITE_PREFIX)
    values = parsed.values(parameters)
    raw = cursor.db.connection
    held = _held.get(raw)
    if held is None:
        held = _held.setdefault(raw, _Held())
    prepared = held.ready.get(name)
    if prepared is not None:
        cursor.execute(f"EXECUTE {prepared}{parsed.arguments}", values)
        return
    tries = held.tries.get(name, 0)
    held.tries[name] = tries + 1
    prepared = f"{prefix}{name}_{tries}"
    # The name and text are ours (checked above); every value is an EXECUTE argument.
    cursor.execute(
        f"PREPARE {prepared} AS {parsed.text}; EXECUTE {prepared}{parsed.arguments}", values
    )
    held.ready[name] = prepared


def source(captured: str) -> str:
    """The SQL of the read behind a captured `EXECUTE radicals_read_…` (or `PREPARE …`)
    statement; any other statement as it is."""
    found = _EXECUTED.match(captured)
    if found is None or found.group(1) not in _statements:
        return captured
    return _statements[found.group(1)].sql
