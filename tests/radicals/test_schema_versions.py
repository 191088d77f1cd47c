"""The OpenAPI schema is answered for known versions and languages only, from a
bounded set of kept copies."""

import pytest

from radicals.views import CachedSchemaView

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_schema_cache():
    CachedSchemaView._cache.clear()
    yield
    CachedSchemaView._cache.clear()


def test_an_unknown_version_is_a_404_with_a_clear_message_and_keeps_nothing(client):
    response = client.get("/api/schema/", {"format": "json", "version": "9.9"})

    assert response.status_code == 404
    assert "Unknown API version" in response.content.decode()
    assert len(CachedSchemaView._cache) == 0


def test_a_made_up_version_never_reaches_the_content_disposition_header(client):
    response = client.get("/api/schema/", {"format": "json", "version": 'x"; evil=1'})

    assert response.status_code == 404
    assert "evil" not in response.get("Content-Disposition", "")


def test_many_different_versions_keep_no_more_schemas(client):
    client.get("/api/schema/", {"format": "json"})
    for n in range(30):
        client.get("/api/schema/", {"format": "json", "version": f"v{n}"})

    assert len(CachedSchemaView._cache) == 1


def test_the_known_version_is_served_and_named_in_the_file(client, settings):
    version = settings.SPECTACULAR_SETTINGS["VERSION"]

    response = client.get("/api/schema/", {"format": "json", "version": version})

    assert response.status_code == 200
    assert response.json()["info"]["version"].startswith(version)
    assert f"({version})" in response["Content-Disposition"]


def test_an_unknown_language_is_a_400_and_keeps_nothing(client):
    response = client.get("/api/schema/", {"format": "json", "lang": "xx-made-up"})

    assert response.status_code == 400
    assert "Unknown language" in response.content.decode()
    assert len(CachedSchemaView._cache) == 0


def test_the_kept_schemas_are_bounded(client, monkeypatch):
    monkeypatch.setattr(CachedSchemaView, "max_cached_schemas", 1)

    client.get("/api/schema/", {"format": "json", "lang": "en-gb"})
    client.get("/api/schema/", {"format": "json", "lang": "cy"})

    assert len(CachedSchemaView._cache) == 1
