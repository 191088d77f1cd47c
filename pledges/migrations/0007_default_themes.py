"""A fresh site can take pledges at once: the themes a pledge must choose from come with
the database, and admins edit, add or retire them from then on.

Idempotent and respectful of what is there: a theme whose slug or name is already taken
(an admin's own, or one made before) is left exactly as it is, and running the
migration again adds nothing. Reversing it removes only the defaults no pledge uses.
"""

from django.db import migrations

DEFAULT_THEMES = [
    ("patient-experience", "Patient experience", "What it is like to be cared for."),
    ("safety", "Safety", "Fewer harms, earlier warnings, safer handovers."),
    ("staff-wellbeing", "Staff wellbeing", "Looking after the people who look after others."),
    ("sustainability", "Sustainability", "Greener care: less waste, less energy, less travel."),
    ("digital", "Digital", "Tools and data that give time back."),
    (
        "equality-and-inclusion",
        "Equality and inclusion",
        "Fair care and fair workplaces for everyone.",
    ),
    (
        "teamwork-and-communication",
        "Teamwork and communication",
        "Better handovers, meetings and conversations.",
    ),
]


def add_default_themes(apps, schema_editor):
    Theme = apps.get_model("pledges", "Theme")
    for slug, name, description in DEFAULT_THEMES:
        taken = Theme.objects.filter(slug=slug).exists() or (
            Theme.objects.filter(name__iexact=name).exists()
        )
        if not taken:
            Theme.objects.create(slug=slug, name=name, description=description)


def remove_unused_default_themes(apps, schema_editor):
    Theme = apps.get_model("pledges", "Theme")
    Theme.objects.filter(
        slug__in=[slug for slug, _name, _description in DEFAULT_THEMES], pledges__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("pledges", "0006_written_language")]

    operations = [migrations.RunPython(add_default_themes, remove_unused_default_themes)]
