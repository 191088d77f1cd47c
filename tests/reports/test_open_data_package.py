"""Open data as a Frictionless data package: the descriptor, each CSV it names checked
against its own Table Schema, and the date range."""

import csv
import datetime
import io
import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from reports.models import DailyRollup, Scope
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db

PACKAGE = reverse("reports:open_data_package")
NAME = re.compile(r"^[a-z0-9._-]+$")


def _valid_cell(value: str, field: dict, missing: list[str]) -> bool:
    """Table Schema (https://specs.frictionlessdata.io/table-schema/) for the types and
    constraints the package uses: string, integer, yearmonth; required, enum, minimum."""
    constraints = field.get("constraints", {})
    if value in missing:
        return not constraints.get("required", False)
    kind = field["type"]
    if kind == "integer":
        if not re.fullmatch(r"-?\d+", value):
            return False
        return int(value) >= constraints.get("minimum", int(value))
    if kind == "yearmonth":
        match = re.fullmatch(r"(\d{4})-(\d{2})", value)
        return bool(match) and 1 <= int(match.group(2)) <= 12
    if kind == "string":
        return value in constraints["enum"] if "enum" in constraints else True
    raise AssertionError(f"the checker does not know the type {kind}")


def _check_descriptor(package: dict) -> None:
    assert NAME.match(package["name"])
    assert package["profile"] == "tabular-data-package"
    assert package["licenses"] and all(
        {"name", "path", "title"} <= set(licence) for licence in package["licenses"]
    )
    assert "<5" in package["description"]
    names = [resource["name"] for resource in package["resources"]]
    assert len(names) == len(set(names)) and all(NAME.match(n) for n in names)
    for resource in package["resources"]:
        schema = resource["schema"]
        field_names = [f["name"] for f in schema["fields"]]
        assert len(field_names) == len(set(field_names))
        assert set(schema["primaryKey"]) <= set(field_names)
        assert all(f["type"] in ("string", "integer", "yearmonth") for f in schema["fields"])
        assert resource["format"] == "csv" and resource["path"].startswith("http")


def _validate_resource(client, resource: dict) -> list[dict]:
    """Fetch a resource by its path and check every row against its schema."""
    parts = urlsplit(resource["path"])
    response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    schema = resource["schema"]
    fields = schema["fields"]
    assert rows[0] == [f["name"] for f in fields]
    keys = set()
    for row in rows[1:]:
        assert len(row) == len(fields)
        for value, field in zip(row, fields, strict=True):
            assert _valid_cell(value, field, schema["missingValues"]), (field["name"], value)
        key = tuple(row[[f["name"] for f in fields].index(k)] for k in schema["primaryKey"])
        assert key not in keys
        keys.add(key)
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.fixture
def counted():
    campaign = CampaignFactory(name="Change Day", slug="change-day")
    days = [datetime.date(2025, 1, 10), datetime.date(2025, 2, 10), datetime.date(2025, 3, 10)]
    DailyRollup.objects.bulk_create(
        [DailyRollup(day=d, scope=Scope.PLATFORM, pledges_made=12, co_signs=3) for d in days]
        + [
            DailyRollup(day=d, scope=Scope.CAMPAIGN, scope_id=campaign.pk, pledges_made=7)
            for d in days
        ]
    )
    return campaign


def test_the_data_package_validates_against_its_own_schema(client, counted):
    response = client.get(PACKAGE)

    package = response.json()
    assert response.status_code == 200
    _check_descriptor(package)
    by_name = {r["name"]: _validate_resource(client, r) for r in package["resources"]}
    assert [row["month"] for row in by_name["open-data-platform"]] == [
        "2025-01",
        "2025-02",
        "2025-03",
    ]
    # Three co-signs a month are under five: published as missing, not as a number.
    assert {row["co_signs"] for row in by_name["open-data-platform"]} == {"<5"}
    assert by_name["open-data-campaign"][0]["name"] == "Change Day"


def test_the_checker_catches_a_row_that_breaks_the_schema():
    schema = {
        "type": "integer",
        "name": "co_signs",
        "constraints": {"minimum": 5},
    }
    assert not _valid_cell("3", schema, ["<5"])
    assert not _valid_cell("three", schema, ["<5"])
    assert _valid_cell("<5", schema, ["<5"])
    assert not _valid_cell("2025-13", {"type": "yearmonth", "name": "month"}, [])


def test_the_date_range_limits_the_days_counted_and_travels_in_the_paths(client, counted):
    package = client.get(PACKAGE, {"from": "2025-02-01", "to": "2025-02-28"}).json()

    platform = next(r for r in package["resources"] if r["name"] == "open-data-platform")
    assert "from=2025-02-01" in platform["path"] and "to=2025-02-28" in platform["path"]
    rows = _validate_resource(client, platform)
    assert [row["month"] for row in rows] == ["2025-02"]
    json_rows = client.get(reverse("reports:open_data_json"), {"from": "2025-03-01"}).json()
    assert {row["month"] for row in json_rows["rows"]} == {"2025-03"}


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"from": "2025-02-30"}, "must be a real date"),
        ({"to": "yesterday"}, "must be a real date"),
        ({"from": "2025-03-01", "to": "2025-02-01"}, "on or after the start date"),
        ({"since": "2025-01-01"}, "not known"),
    ],
)
def test_bad_dates_get_a_clear_400_everywhere(client, counted, params, words):
    for url in (
        PACKAGE,
        reverse("reports:open_data_resource", args=["platform"]),
        reverse("reports:open_data_csv"),
        reverse("reports:open_data_json"),
    ):
        response = client.get(url, params)
        assert response.status_code == 400, url
        assert words in response.json()["error"]


def test_an_unknown_resource_is_a_404(client):
    assert client.get(reverse("reports:open_data_resource", args=["members"])).status_code == 404


def test_the_open_data_page_documents_the_package(client):
    body = client.get(reverse("reports:open_data")).content.decode()
    assert PACKAGE in body
    assert "?from=2025-01-01&amp;to=2025-06-30" in body
