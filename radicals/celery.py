"""The Celery app: JSON only, late acks, time limits; tasks found in each app's tasks.py."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "radicals.settings")

app = Celery("radicals")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
def _start_unpinned(task=None, **kwargs):
    """Each task reads from the replica (where it asks to) until it writes."""
    from kernel import replica

    replica.task_started(task=task)


@app.task(name="radicals.celery.worker_heartbeat", ignore_result=True)
def worker_heartbeat():
    """Beat sends this every minute; the worker that runs it records the time, which
    /readyz reads as the workers' status."""
    from radicals import readiness

    readiness.record_worker_heartbeat()
