"""`python -m tests.radicals.slow_export_worker <celery arguments>`: a Celery worker whose
report exports hold on before writing until the file named by SLOW_EXPORT_RELEASE
exists (two minutes at most): a long export, as long as a test needs it to be."""

from __future__ import annotations

import os
import time
from pathlib import Path


def _slowed(write):
    release = Path(os.environ["SLOW_EXPORT_RELEASE"])

    def slow_write(*args, **kwargs):
        deadline = time.monotonic() + 120
        while not release.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return write(*args, **kwargs)

    return slow_write


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "radicals.settings")
    django.setup()
    from reports import exports

    # Patched before the pool forks, so every pool process writes slowly.
    exports.write_csv = _slowed(exports.write_csv)
    exports.write_xlsx = _slowed(exports.write_xlsx)

    from celery.__main__ import main as celery_main

    celery_main()


if __name__ == "__main__":
    main()
