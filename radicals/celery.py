"""The Celery app: JSON only, late acks, time limits; tasks found in each app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "radicals.settings")

app = Celery("radicals")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
