"""Erase again every account deleted since a backup was taken, after restoring it.

Before restoring, save the erasure list from the live database:
    manage.py reapply_erasures --save erasures.json
After restoring (the restored database may not hold the newer erasures):
    manage.py reapply_erasures --from erasures.json
With neither option it re-applies the list the database itself holds.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from members import services
from members.models import ErasureRecord


class Command(BaseCommand):
    help = "Erase again any account in the erasure list that a restore brought back."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", help="A list saved with --save.")
        parser.add_argument("--save", help="Write the erasure list to this file and stop.")

    def handle(self, *args, source=None, save=None, **options):
        if save:
            records = list(ErasureRecord.objects.order_by("user_id").values("user_id", "erased_at"))
            Path(save).write_text(json.dumps(records, cls=DjangoJSONEncoder, indent=2) + "\n")
            self.stdout.write(f"Saved {len(records)} erasure(s) to {save}.")
            return
        records = []
        if source:
            try:
                records = json.loads(Path(source).read_text())
                if not isinstance(records, list) or not all(
                    isinstance(r, dict) and str(r.get("user_id", "")).isdigit() for r in records
                ):
                    raise ValueError("expected a list of {user_id, erased_at}")
            except (OSError, ValueError) as exc:
                raise CommandError(f"Cannot read {source}: {exc}") from exc
        erased = services.erasures_reapply(records=records)
        if erased:
            ids = ", ".join(str(pk) for pk in erased)
            self.stdout.write(f"Erased again {len(erased)} account(s): {ids}.")
        else:
            self.stdout.write("Every account in the erasure list is erased.")
