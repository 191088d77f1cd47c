"""Demo data for development: themes, two campaigns and pledges in every state.

Everything goes through the services, as a member's actions would, and each item is
looked up first, so running the demo again adds nothing.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.text import slugify

from communities.permissions import can_post_in
from pledges import services
from pledges.models import Campaign, CheckIn, Pledge, Signature, Theme

THEMES = [
    ("Patient experience", "What it is like to be cared for."),
    ("Staff wellbeing", "Looking after the people who look after others."),
    ("Sustainability", "Greener care: less waste, less energy, less travel."),
    ("Safety", "Fewer harms, earlier warnings, safer handovers."),
    ("Digital", "Tools and data that give time back."),
]


def _campaigns(today) -> dict[str, Campaign]:
    change_day, _ = Campaign.objects.get_or_create(
        slug="change-day-2026",
        defaults={
            "name": "Change Day 2026",
            "description": "One day when everyone in health and care pledges one change, "
            "however small, and we add them up. Inspired by NHS Change Day, when "
            "189,000 people pledged in 2013.",
            "starts_on": today - timedelta(days=85),
            "ends_on": today + timedelta(days=120),
            "target": 1000,
        },
    )
    mile, _ = Campaign.objects.get_or_create(
        slug="morecambe-bay-mile",
        defaults={
            "name": "Morecambe Bay Mile",
            "description": "Walk, run or wheel a mile in your working day, and log the miles "
            "you cover together across the bay's hospitals and community teams.",
            "starts_on": today - timedelta(days=70),
            "ends_on": today + timedelta(days=90),
            "target": 200,
            "unit": "miles",
        },
    )
    return {"change-day-2026": change_day, "morecambe-bay-mile": mile}


def _first_community(loaded: dict, member):
    """A community from the communities demo that `member` may post in, if there is one."""
    found = loaded.get("communities") or {}
    candidates = found.get("communities", found) if isinstance(found, dict) else found
    if isinstance(candidates, dict):
        candidates = list(candidates.values())
    for candidate in candidates or []:
        if hasattr(candidate, "premoderate_first_posts") and can_post_in(member, candidate):
            return candidate
    return None


def _pledge(author, title: str, **fields) -> tuple[Pledge, bool]:
    existing = Pledge.objects.filter(author=author, title=title).first()
    if existing is not None:
        return existing, False
    return services.pledge_create(author=author, title=title, **fields), True


def _check_in(pledge: Pledge, author, note: str, quantity: str | None = None) -> None:
    if not CheckIn.objects.filter(pledge=pledge, author=author, note=note).exists():
        services.check_in_create(
            pledge=pledge,
            author=author,
            note=note,
            quantity=Decimal(quantity) if quantity else None,
        )


def load(loaded: dict) -> dict:
    users = loaded["members"]["users"]
    alice, bob, organiser = users["alice"], users["bob"], users["organiser"]
    today = timezone.localdate()

    themes = {
        slugify(name): Theme.objects.get_or_create(
            slug=slugify(name), defaults={"name": name, "description": description}
        )[0]
        for name, description in THEMES
    }
    campaigns = _campaigns(today)
    change_day, mile = campaigns["change-day-2026"], campaigns["morecambe-bay-mile"]
    pledges = []

    asking, created = _pledge(
        alice,
        "ask every patient on my ward what matters to them today",
        description="Starting each conversation with **“What matters to you?”** rather than "
        "“What's the matter?”. I will write what I learn on the ward's board.",
        theme=themes["patient-experience"],
        campaign=change_day,
        due_date=today + timedelta(days=60),
    )
    if created:
        services.pledge_sign(pledge=asking, member=bob)
        services.pledge_sign(pledge=asking, member=organiser)
    _check_in(asking, alice, "Asked twelve patients this week. Three asked for quieter nights.")
    pledges.append(asking)

    walking, created = _pledge(
        bob,
        "walk the Morecambe Bay Mile three lunchtimes a week",
        description="A mile in the fresh air away from the ward. Join me at the main "
        "entrance at 12:30.",
        theme=themes["staff-wellbeing"],
        campaign=mile,
        due_date=today + timedelta(days=45),
    )
    if created:
        services.pledge_sign(pledge=walking, member=alice)
    _check_in(walking, bob, "Three lunchtimes done, in the rain twice.", "3")
    _check_in(walking, alice, "Managed two and a half miles this week.", "2.5")
    pledges.append(walking)

    lights, created = _pledge(
        organiser,
        "switch off the lights and screens in our clinic every evening",
        description="Our outpatient clinic leaves dozens of screens on overnight. If five "
        "of us do a last-out check, we will make it stick.",
        theme=themes["sustainability"],
        due_date=today + timedelta(days=90),
        threshold=5,
        threshold_deadline=today + timedelta(days=30),
    )
    if created:
        services.pledge_sign(pledge=lights, member=alice)
    pledges.append(lights)

    huddle, created = _pledge(
        bob,
        "run a two-minute safety huddle at every shift change for a month",
        theme=themes["safety"],
        campaign=change_day,
        due_date=today + timedelta(days=20),
    )
    if created:
        services.pledge_sign(pledge=huddle, member=alice)
        services.signature_mark_done(
            pledge=huddle, member=bob, outcome="Thirty huddles, and two near misses caught."
        )
        services.signature_mark_done(
            pledge=huddle, member=alice, outcome="The night team now runs them without me."
        )
    pledges.append(huddle)

    community = _first_community(loaded, alice)
    rostering, created = _pledge(
        alice,
        "learn the e-rostering app and teach two colleagues to use it",
        theme=themes["digital"],
        community=community,
        visibility=Pledge.Visibility.COMMUNITY if community else Pledge.Visibility.PUBLIC,
        due_date=today + timedelta(days=30),
    )
    pledges.append(rostering)

    return {
        "themes": themes,
        "campaigns": campaigns,
        "pledges": {pledge.title: pledge for pledge in pledges},
        "signatures": Signature.objects.filter(pledge__in=pledges).count(),
    }
