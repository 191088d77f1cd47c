"""Demo data for development: share links, an admin's weekly summary, a living movement
of a few hundred members over the last 90 days (`reports.demo_movement`), and the
rollups, badges and movement network counted from everything the apps loaded. Running
it again adds nothing."""

from __future__ import annotations

from reports import demo_movement, follow_ups, services


def load(loaded: dict) -> dict:
    users = loaded.get("members", {}).get("users", {})
    invites = {name: services.invite_ensure(member=user) for name, user in users.items()}
    subscriptions = []
    admin = users.get("admin")
    if admin is not None:
        subscriptions.append(services.subscription_create(member=admin, frequency="weekly"))
    movement = demo_movement.load(loaded) if "communities" in loaded else None
    # Count every day now, and award the badges and draw the network the nightly job
    # would, so dashboards, badges and the network have figures at once.
    follow_ups.nightly_recount()
    return {"invites": invites, "subscriptions": subscriptions, "movement": movement}
