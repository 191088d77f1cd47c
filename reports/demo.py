"""Demo data for development: share links, an admin's weekly summary, and rollups counted
from everything the other apps loaded. Running it again adds nothing."""

from __future__ import annotations

from reports import rollups, services


def load(loaded: dict) -> dict:
    users = loaded.get("members", {}).get("users", {})
    invites = {name: services.invite_ensure(member=user) for name, user in users.items()}
    subscriptions = []
    admin = users.get("admin")
    if admin is not None:
        subscriptions.append(services.subscription_create(member=admin, frequency="weekly"))
    # Count every day now, so dashboards, badges and the network have figures at once.
    rollups.rollups_full()
    return {"invites": invites, "subscriptions": subscriptions}
