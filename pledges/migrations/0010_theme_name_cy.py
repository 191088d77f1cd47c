"""Themes get a Welsh name, shown on Welsh pages (the English one while it is empty); the
default themes come with theirs. A Welsh name an admin has already written is kept, and
reversing it drops the field."""

from django.db import migrations, models

WELSH_NAMES = {
    "patient-experience": "Profiad cleifion",
    "safety": "Diogelwch",
    "staff-wellbeing": "Llesiant staff",
    "sustainability": "Cynaliadwyedd",
    "digital": "Digidol",
    "equality-and-inclusion": "Cydraddoldeb a chynhwysiant",
    "teamwork-and-communication": "Gwaith tîm a chyfathrebu",
}


def name_default_themes_in_welsh(apps, schema_editor):
    Theme = apps.get_model("pledges", "Theme")
    for slug, name_cy in WELSH_NAMES.items():
        Theme.objects.filter(slug=slug, name_cy="").update(name_cy=name_cy)


class Migration(migrations.Migration):
    dependencies = [("pledges", "0009_search_document")]

    operations = [
        migrations.AddField(
            model_name="theme",
            name="name_cy",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                help_text="Shown on Welsh pages; while it is empty they show the English name.",
                max_length=80,
                verbose_name="name in Welsh",
            ),
        ),
        migrations.RunPython(name_default_themes_in_welsh, migrations.RunPython.noop),
    ]
