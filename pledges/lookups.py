"""Themes and campaigns put on the pledges the ORM reads, without joining them.

A pledge's card and page name its theme and campaign. Joining those two small tables
to every read of pledges cost PostgreSQL more time planning the query than reading it
(a pledge read by its key: 1.1 ms planning with them, 0.5 ms without; in the ORM 3.6
against 2.2 ms a read). The busiest reads are hand-written and prepared
(`pledges.reads`, kernel.prepared): planned once, they join both tables, which costs
less than this copy. The ORM's reads of pledges ask for them with
`Pledge.objects….with_theme_and_campaign()`, and `attach()` puts them on the rows
from every theme's and campaign's row, kept in the data cache
"pledges.themes-and-campaigns" (kernel.caching). Saving or deleting a theme or a
campaign forgets that copy at once and again once the transaction commits (`forget()`,
called by `models.KeptInLookups`); a row the copy does not hold has it read again.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, transaction

CACHE_NAME = "pledges.themes-and-campaigns"


def _rows_of(model) -> tuple[list[str], dict[int, tuple]]:
    names = [field.attname for field in model._meta.concrete_fields]
    return names, {row[0]: row for row in model.objects.order_by().values_list(*names)}


def _read_tables() -> dict:
    return {
        "theme": _rows_of(apps.get_model("pledges", "Theme")),
        "campaign": _rows_of(apps.get_model("pledges", "Campaign")),
    }


def _build(model, names: list[str], rows: dict[int, tuple], wanted: set) -> dict:
    return {pk: model.from_db(DEFAULT_DB_ALIAS, names, rows[pk]) for pk in wanted if pk in rows}


def attach(pledges: Iterable) -> None:
    """Put each pledge's theme and campaign on it, as `select_related` would have. A
    theme or campaign the kept copy does not hold (made since it was kept) has the copy
    read again."""
    from kernel.caching import cached_value
    from kernel.caching.data import forget_value

    # The models by name: pledges.models calls this module as its rows are read.
    Pledge, Theme, Campaign = (
        apps.get_model("pledges", name) for name in ("Pledge", "Theme", "Campaign")
    )
    pledges = [pledge for pledge in pledges if isinstance(pledge, Pledge)]
    if not pledges:
        return
    theme_ids = {pledge.theme_id for pledge in pledges} - {None}
    campaign_ids = {pledge.campaign_id for pledge in pledges} - {None}
    tables = cached_value(CACHE_NAME, _read_tables)
    if (
        not theme_ids <= tables["theme"][1].keys()
        or not campaign_ids <= tables["campaign"][1].keys()
    ):
        forget_value(CACHE_NAME)
        tables = cached_value(CACHE_NAME, _read_tables)
    themes = _build(Theme, *tables["theme"], theme_ids)
    campaigns = _build(Campaign, *tables["campaign"], campaign_ids)
    theme_field, campaign_field = Pledge.theme.field, Pledge.campaign.field
    for pledge in pledges:
        if not theme_field.is_cached(pledge):
            theme_field.set_cached_value(pledge, themes.get(pledge.theme_id))
        if not campaign_field.is_cached(pledge):
            campaign_field.set_cached_value(pledge, campaigns.get(pledge.campaign_id))


def forget() -> None:
    """Drop the kept themes and campaigns now, and again once the current transaction
    commits (a request in between may have kept the rows as they were)."""
    from kernel.caching.data import forget_value_everywhere

    forget_value_everywhere(CACHE_NAME)
    transaction.on_commit(lambda: forget_value_everywhere(CACHE_NAME))
