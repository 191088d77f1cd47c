"""manage.py rollups [--full]: recount the achievement rollups now."""

from django.core.management.base import BaseCommand

from reports import rollups


class Command(BaseCommand):
    help = (
        "Recount the days changed since the last run (the job beat runs every two minutes), "
        "or with --full every day there is (the nightly job)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--full", action="store_true", help="Recount every day, badge and network scope."
        )

    def handle(self, *args, full: bool = False, **options):
        if full:
            rollups.rollups_full()
            self.stdout.write("Recounted every day.")
            return
        result = rollups.rollups_tick()
        if result.skipped:
            self.stdout.write("Another recount is running; nothing done.")
        elif result.days:
            self.stdout.write(f"Recounted {len(result.days)} day(s).")
        else:
            self.stdout.write("Nothing to recount.")
