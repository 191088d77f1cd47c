"""Background work of the learning app: thin, idempotent tasks calling services."""

from celery import shared_task

from learning import services


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def nudge_continue_module() -> int:
    """Beat task: remind members idle in a module to carry on (once per module per week)."""
    return services.nudge_idle_learners()
