"""docker-compose.yml is the production shape: web, a worker per queue, beat, a
PostgreSQL primary and its streaming replica, PgBouncer in transaction mode and Redis,
with every app process pooled and given the replica."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml
from django.conf import settings

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"
APP_SERVICES = ["web", "worker-email", "worker-rollups", "worker-exports", "worker-default", "beat"]


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def _argument(command: str, flag: str) -> str:
    words = shlex.split(command)
    return words[words.index(flag) + 1]


def test_the_compose_file_runs_every_part_of_the_platform(services):
    assert set(services) >= {
        *APP_SERVICES,
        "migrate",
        "postgres",
        "postgres-replica",
        "pgbouncer",
        "redis",
        "cache",
    }


def test_each_queue_has_its_own_worker_and_no_queue_is_left_without_one(services):
    queues = {
        name: _argument(service["command"], "--queues")
        for name, service in services.items()
        if " worker " in f" {service.get('command', '')} "
    }

    assert sorted(queues.values()) == sorted(settings.CELERY_QUEUES_BY_KIND)
    assert all(name == f"worker-{queue}" for name, queue in queues.items())


def test_web_and_workers_go_through_pgbouncer_and_are_given_the_replica(services):
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://radicals:radicals@pgbouncer:6432/"), name
        assert env["DATABASE_POOLED"] == "true", name
        assert "@postgres-replica:5432/" in env["DATABASE_REPLICA_URL"], name
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )


def test_migrations_go_straight_to_the_primary_without_the_pooler(services):
    env = services["migrate"]["environment"]

    assert "@postgres:5432/" in env["DATABASE_URL"]
    assert env["DATABASE_POOLED"] == "false"
    assert "migrate" in services["migrate"]["command"]


def test_pgbouncer_pools_transactions_in_front_of_the_primary(services):
    env = services["pgbouncer"]["environment"]

    assert env["PGBOUNCER_POOL_MODE"] == "transaction"
    assert env["POSTGRESQL_HOST"] == "postgres"
    assert env["PGBOUNCER_PORT"] == "6432"


def test_the_replica_streams_from_the_primary(services):
    primary = services["postgres"]["environment"]
    replica = services["postgres-replica"]["environment"]

    assert primary["POSTGRESQL_REPLICATION_MODE"] == "master"
    assert replica["POSTGRESQL_REPLICATION_MODE"] == "slave"
    assert replica["POSTGRESQL_MASTER_HOST"] == "postgres"
    assert replica["POSTGRESQL_REPLICATION_USER"] == primary["POSTGRESQL_REPLICATION_USER"]


def test_the_broker_never_evicts_a_queued_task(services):
    assert "noeviction" in services["redis"]["command"]
    assert "allkeys-lru" in services["cache"]["command"]
