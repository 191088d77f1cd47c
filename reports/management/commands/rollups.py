"""manage.py rollups [--full]: recount the achievement rollups now."""

import time

from django.core.management.base import BaseCommand

from reports import follow_ups, rollups


class Command(BaseCommand):
    help = (
        "Recount the days changed since the last run (the job beat runs every two minutes), "
        "or with --full every day there is (the nightly job); then award the badges and "
        "refresh the movement network of what was recounted (their own jobs under beat)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--full", action="store_true", help="Recount every day, badge and network scope."
        )
        parser.add_argument(
            "--recount-only",
            action="store_true",
            help="With --full: recount the rollups only, leaving badges and the network to "
            "their own beat jobs.",
        )

    def handle(self, *args, full: bool = False, recount_only: bool = False, **options):
        if full:
            started = time.monotonic()
            rollups.rollups_full()
            recount = time.monotonic() - started
            if recount_only:
                self.stdout.write(f"Recounted every day ({recount:.1f} s).")
                return
            follow_ups.follow_ups_full()
            following = time.monotonic() - started - recount
            self.stdout.write(
                f"Recounted every day ({recount:.1f} s), then every badge and network scope "
                f"({following:.1f} s)."
            )
            return
        result = rollups.rollups_tick()
        follow_ups.badges_follow_up()
        follow_ups.network_follow_up()
        if result.skipped:
            self.stdout.write("Another recount is running; nothing done.")
        elif result.days:
            self.stdout.write(f"Recounted {len(result.days)} day(s).")
        else:
            self.stdout.write("Nothing to recount.")
