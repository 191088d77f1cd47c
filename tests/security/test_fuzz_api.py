"""Property-based fuzzing of every operation in the OpenAPI schema (schemathesis).

Each operation gets generated requests — valid and invalid paths, query strings and
bodies — sent through the WSGI application as a member with an API token. No
response may be a server error, and every documented response must match the
schema. SCHEMATHESIS_MAX_EXAMPLES sets how many generated requests each operation
gets (5 by default, to keep `make test` quick; CI runs 100). Under CI the generation
is derandomised, so a failure reproduces run after run, and the coverage phase runs
too (locally: SCHEMATHESIS_COVERAGE=1).
"""

import os
import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import get_resolver
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)

from radicals.wsgi import application

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "5"))
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    response_headers_conformance,
]

# The coverage phase (boundary values and each kind of invalid input for every
# parameter) costs as much again as the rest; CI always runs it, a local run on request.
COVERAGE_PHASE = IN_CI or os.environ.get("SCHEMATHESIS_COVERAGE", "") == "1"

schema = schemathesis.openapi.from_wsgi(
    "/api/schema/?format=json",
    application,
    config=schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": COVERAGE_PHASE}}}),
)


@pytest.fixture
def member_token(alice) -> str:
    return Token.objects.create(user=alice).key


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """Requests go through the real WSGI handler, whose request_finished signal would
    close the database connection the test's transaction lives on; Django's own test
    client unhooks it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _route_template(route: str) -> str:
    """A Django route ("api/pledges/<int:pk>/") as an OpenAPI path ("/api/pledges/{id}/")."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "{" + m.group(1) + "}", route)


def test_every_api_route_and_method_is_in_the_schema_and_so_fuzzed():
    """A view left out of the schema would never be fuzzed: every route under /api/ and
    each method its view answers must be an operation of the schema."""
    from tests.security.test_access_matrix import _api_methods, _walk

    operations = {
        (result.ok().method.lower(), re.sub(r"{\w+}", "{}", result.ok().path))
        for result in schema.get_all_operations()
    }
    routes = [
        (method, re.sub(r"{\w+}", "{}", _route_template(route)))
        for route, namespace, pattern in _walk(get_resolver().url_patterns)
        if namespace == "api"
        for method in _api_methods(pattern)
    ]

    missing = [route for route in routes if route not in operations]

    assert len(routes) > 60
    assert not missing, f"API operations missing from the schema (never fuzzed): {missing}"


def test_the_schema_has_the_operations_members_use():
    operations = {
        f"{result.ok().method.upper()} {result.ok().path}" for result in schema.get_all_operations()
    }

    assert {"GET /api/me/", "PATCH /api/me/", "GET /api/organisations/"} <= operations


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=IN_CI,
    database=None if IN_CI else settings.default.database,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_no_operation_fails_or_breaks_its_schema(
    case, member_token, wsgi_keeps_the_test_connection
):
    case.call_and_validate(headers={"Authorization": f"Token {member_token}"}, checks=CHECKS)


@pytest.mark.django_db
def test_the_schema_is_generated_once_not_on_every_request(client, monkeypatch):
    """Anyone may fetch the schema; generating it is costly, so it is made once."""
    from drf_spectacular.generators import SchemaGenerator

    from radicals.views import CachedSchemaView

    monkeypatch.setattr(CachedSchemaView, "_cache", {})
    calls = []
    original = SchemaGenerator.get_schema
    monkeypatch.setattr(
        SchemaGenerator,
        "get_schema",
        lambda self, *a, **k: calls.append(1) or original(self, *a, **k),
    )

    first = client.get("/api/schema/?format=json")
    second = client.get("/api/schema/?format=json")
    yaml = client.get("/api/schema/")

    assert first.status_code == second.status_code == yaml.status_code == 200
    assert len(calls) == 1
    assert first.json() == second.json()
    assert first["Content-Disposition"].endswith('.json"')
    assert yaml["Content-Disposition"].endswith('.yaml"')
