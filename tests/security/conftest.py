"""Fixtures for the security tests."""

import pytest

from tests.security.access_world import close_world, open_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The access world (tests/security/access_world.py), built once per module inside a
    transaction rolled back at the end; tests run each request in a savepoint of its own."""
    with django_db_blocker.unblock():
        built = open_world(str(tmp_path_factory.mktemp("media")))
        try:
            yield built
        finally:
            close_world()
