"""Load demo data once: each app's demo.load(), in dependency order. Safe to run again."""

import importlib

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from members.demo_accounts import DEMO_PASSWORD, describe


class Command(BaseCommand):
    help = "Load demo accounts, communities, pledges, stories and modules (development only)."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Print nothing on success.")

    def handle(self, *args, quiet=False, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError("Demo data is for development only (DJANGO_DEBUG is false).")
        loaded = {}
        with transaction.atomic():
            for config in apps.get_app_configs():
                try:
                    module = importlib.import_module(f"{config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.demo":
                        raise
                    continue
                loaded[config.label] = module.load(loaded)
        if not quiet:
            self.stdout.write("Demo accounts (development only), password " + DEMO_PASSWORD)
            for line in describe():
                self.stdout.write(f"  {line}")
