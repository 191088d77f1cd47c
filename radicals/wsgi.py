import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "radicals.settings")
application = get_wsgi_application()

# Everything loaded so far lives as long as the process: out of the collector's way.
from kernel import heap  # noqa: E402

heap.settle()
