"""Database connections are kept long enough that few requests pay for a new one."""

import os

from django.conf import settings


def test_a_database_connection_is_kept_ten_minutes_and_checked_before_reuse():
    default = settings.DATABASES["default"]
    assert default["CONN_MAX_AGE"] == int(os.environ.get("DB_CONN_MAX_AGE", 600))
    assert default["CONN_HEALTH_CHECKS"] is True
