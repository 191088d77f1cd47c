"""Two web servers over one database and one Redis: whichever server a request reaches,
a member stays signed in, sees every co-sign at once, and no cached page goes stale."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connections
from django.urls import reverse

from pledges.models import Pledge
from tests.factories import (
    PASSWORD,
    CommunityFactory,
    MembershipFactory,
    PledgeFactory,
    UserFactory,
)
from tests.integration.conftest import free_port

pytestmark = pytest.mark.django_db(transaction=True)

BASE_DIR = Path(settings.BASE_DIR)


def _database_url() -> str:
    db = connections["default"].settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    host = db["HOST"] or "127.0.0.1"
    if host.startswith("/"):  # a socket directory (the embedded server), as embedded.py says it
        return f"postgresql://{credentials}@/{db['NAME']}?host={quote(host)}"
    return f"postgres://{credentials}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


class WebServer:
    def __init__(self, tmp_path: Path, name: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            # The test database (committed rows) and the tests' own Redis database.
            "DATABASE_URL": _database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "CACHE_URL": settings.CACHES["default"]["LOCATION"],
            "ANONYMOUS_PAGE_CACHE_SECONDS": "60",
            "CELERY_TASK_ALWAYS_EAGER": "true",
            "EMAIL_FILE_PATH": str(tmp_path / "mail"),
            "LOG_LEVEL": "WARNING",
        }
        env.pop("DATABASE_REPLICA_URL", None)
        self.log = (tmp_path / f"{name}.log").open("w")
        self.process = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "radicals.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--timeout",
                "120",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_until_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"The web server on port {self.port} stopped.")
            try:
                requests.get(f"{self.url}/accounts/login/", timeout=30)
                return
            except requests.ConnectionError:
                time.sleep(0.3)
        raise TimeoutError(f"The web server on port {self.port} did not start.")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture
def two_servers(transactional_db, tmp_path):
    servers = [WebServer(tmp_path, "one"), WebServer(tmp_path, "two")]
    try:
        for server in servers:
            server.wait_until_ready()
        yield servers
    finally:
        for server in servers:
            server.stop()


def member(**kwargs):
    """A member whose password the servers' own (slow, standard) hasher checks."""
    user = UserFactory(**kwargs)
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "radicalssalt", iterations=1000)
    user.save(update_fields=["password"])
    return user


def log_in(server: WebServer, user) -> requests.Session:
    browser = requests.Session()
    login = f"{server.url}{reverse('account_login')}"
    browser.get(login, timeout=30)
    response = browser.post(
        login,
        data={
            "login": user.email,
            "password": PASSWORD,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text[:2000]
    assert "sessionid" in browser.cookies
    return browser


def carried_to(server: WebServer, browser: requests.Session) -> requests.Session:
    """The same browser's cookies, sent to another server."""
    other = requests.Session()
    for name in ("sessionid", "csrftoken"):
        other.cookies.set(name, browser.cookies[name], domain="127.0.0.1")
    return other


def test_a_session_made_on_one_server_is_honoured_by_the_other(two_servers):
    one, two = two_servers
    alice = member(display_name="Alice Ahmed")

    on_one = log_in(one, alice)
    on_two = carried_to(two, on_one)
    response = on_two.get(f"{two.url}{reverse('pledges:mine')}", allow_redirects=False, timeout=30)

    assert response.status_code == 200
    assert "Alice Ahmed" in response.text


def test_a_co_sign_on_one_server_is_seen_on_the_other_at_once(two_servers):
    one, two = two_servers
    alice, bob = member(), member()
    pledge = PledgeFactory(author=alice)

    as_bob = log_in(one, bob)
    signed = as_bob.post(
        f"{one.url}{reverse('pledges:sign', args=[pledge.pk])}",
        data={"csrfmiddlewaretoken": as_bob.cookies["csrftoken"]},
        allow_redirects=False,
        timeout=30,
    )
    assert signed.status_code == 302
    as_alice_on_two = log_in(two, alice)
    seen = as_alice_on_two.get(f"{two.url}/api/pledges/{pledge.pk}/", timeout=30).json()

    assert seen["signer_count"] == 2


def test_a_page_cached_on_one_server_is_dropped_by_a_change_made_on_the_other(two_servers):
    one, two = two_servers
    alice, bob = member(), member()
    community = CommunityFactory()
    MembershipFactory(community=community, member=alice)
    MembershipFactory(community=community, member=bob)
    pledge = PledgeFactory(author=alice, community=community, title="try the new handover sheet")
    page = f"{two.url}{reverse('communities:detail', args=[community.slug])}"
    assert "try the new handover sheet" in requests.get(page, timeout=30).text
    # Changed behind the platform's back (no service, so nothing drops the copy): the
    # second server keeps showing its cached community page.
    Pledge.objects.filter(pk=pledge.pk).update(title="try the newer handover sheet")
    assert "try the new handover sheet" in requests.get(page, timeout=30).text

    as_bob = log_in(one, bob)
    signed = as_bob.post(
        f"{one.url}{reverse('pledges:sign', args=[pledge.pk])}",
        data={"csrfmiddlewaretoken": as_bob.cookies["csrftoken"]},
        allow_redirects=False,
        timeout=30,
    )
    assert signed.status_code == 302

    # The co-sign on the first server dropped the second server's copy.
    assert "try the newer handover sheet" in requests.get(page, timeout=30).text
