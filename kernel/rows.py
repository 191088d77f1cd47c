"""Model instances from rows read with hand-written SQL.

Most reads go through the ORM. A few of the hottest, whose rule is simple (a
community's published stories), are read with one hand-written statement, because
building the ORM query and its prefetches cost several times the query itself
(docs/benchmarks.md). Those reads name each model's columns with `columns()` and turn
each row back into instances with `build()`, which gives what the ORM would have: the
same fields, each value through the field's own conversion from the database.
"""

from __future__ import annotations

from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init


@cache
def _shape(model, only: tuple[str, ...] | None = None) -> tuple:
    """(fields, their attribute names, the key's index, (index, field) pairs to convert,
    whether its instances are Django's own: `__init__` and `from_db` not overridden),
    for every concrete field of `model` or, with `only`, for those fields (by name, in
    the model's order; the key always among them)."""
    fields = tuple(model._meta.concrete_fields)
    if only is not None:
        unknown = set(only) - {field.name for field in fields}
        if unknown:
            raise ValueError(f"{model.__name__} has no fields {sorted(unknown)}.")
        fields = tuple(field for field in fields if field.name in only or field is model._meta.pk)
    converted = tuple(
        (index, field) for index, field in enumerate(fields) if hasattr(field, "from_db_value")
    )
    plain = (
        model.__init__ is Model.__init__
        and getattr(model.from_db, "__func__", None) is Model.from_db.__func__
    )
    return (
        fields,
        [field.attname for field in fields],
        fields.index(model._meta.pk),
        converted,
        plain,
    )


def _instance(model, names: list[str], values: list):
    """What `model.from_db` gives for a row of every concrete field, built straight: for
    such a row `Model.__init__` only sets each field's attribute on a new instance, which
    cost more than the values themselves (a card's six instances took 24 µs a row through
    it). The instance's state and its `post_init` are as Django's; a model that
    something listens to `pre_init` for is built by `from_db`, which sends it."""
    instance = model.__new__(model)
    state = instance._state = ModelState()
    state.adding = False
    state.db = DEFAULT_DB_ALIAS
    instance.__dict__.update(zip(names, values, strict=True))
    post_init.send(sender=model, instance=instance)
    return instance


def columns(model, alias: str, only: tuple[str, ...] | None = None) -> str:
    """`alias."column", …` for every concrete field of `model` (or those named in
    `only`, and the key), in field order."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in _shape(model, only)[0])


def width(*models, only: dict | None = None) -> int:
    """How many columns `columns(model, …)` names for each of `models`, together (with
    `only`, a model's fields as `only[model]` names them, where it names any)."""
    return sum(len(_shape(model, (only or {}).get(model))[0]) for model in models)


def build(model, row, start: int = 0, only: tuple[str, ...] | None = None):
    """The `model` instance in `row` from column `start` (as named by `columns`, with
    the same `only`), or None where an outer join found no row (its key is NULL). The
    fields `only` leaves out are deferred, as the ORM's `only()` leaves them: read
    from the database if something asks for one."""
    return _build(model, row, start, _shape(model, only))


def _build(model, row, start: int, shape: tuple):
    fields, names, key, converted, plain = shape
    if row[start + key] is None:
        return None
    values = row[start : start + len(fields)]
    if converted:
        values = list(values)
        for index, field in converted:
            if values[index] is not None:
                values[index] = field.from_db_value(values[index], None, connection)
    if plain and not pre_init.has_listeners(model):
        return _instance(model, names, values)
    return model.from_db(DEFAULT_DB_ALIAS, names, list(values))


@cache
def _forward(model, name: str):
    field = model._meta.get_field(name)
    if not field.many_to_one:
        raise ValueError(f"{model.__name__}.{name} is not a foreign key of its own.")
    return field


def put(instance, name: str, related) -> None:
    """Put `related` (or None) on `instance` as its foreign key `name`, as
    `select_related` does, for a row whose statement joined them on that key: the
    descriptor's checks on assignment (the instance's type and database, the key
    written again) cost more than the cards' rows they were guarding, and the join
    already holds them. Refused when the key does not name `related`."""
    field = _forward(type(instance), name)
    key = None if related is None else getattr(related, field.target_field.attname)
    if getattr(instance, field.attname) != key:
        raise ValueError(f"{type(instance).__name__}.{name} is not the row given.")
    field.set_cached_value(instance, related)


def build_each(row, *models, only: dict | None = None) -> list:
    """One instance of each of `models` (or None), from `row`'s columns as named by
    `columns` for each model in turn (with `only`, a model's fields as `only[model]`
    names them, where it names any)."""
    built, start = [], 0
    for model in models:
        shape = _shape(model, only.get(model) if only else None)
        built.append(_build(model, row, start, shape))
        start += len(shape[0])
    return built


# Field types whose values JSON carries as the database gives them to the ORM.
_JSON_SAFE = frozenset(
    {"AutoField", "BigAutoField", "IntegerField", "BigIntegerField", "PositiveIntegerField",
     "PositiveSmallIntegerField", "SmallIntegerField", "CharField", "SlugField", "TextField",
     "BooleanField", "ForeignKey"}
)  # fmt: skip


def json_array(model, alias: str) -> str:
    """`json_build_array(alias."column", …)` of every concrete field of `model`, in field
    order, for a subquery that gathers a row's related rows into one JSON value (read
    back with `build(model, values)`). Only for models whose fields JSON carries
    unchanged (whole numbers, text, true or false): a date or a decimal would come
    back as text."""
    fields = _shape(model)[0]
    unsafe = [field.name for field in fields if field.get_internal_type() not in _JSON_SAFE]
    if unsafe:
        raise ValueError(
            f"{model.__name__}'s {', '.join(unsafe)} would not come back from JSON unchanged."
        )
    quote = connection.ops.quote_name
    return (
        "json_build_array(" + ", ".join(f"{alias}.{quote(field.column)}" for field in fields) + ")"
    )
