"""kernel.rows: a model's columns gathered as JSON come back as the ORM reads them, and
a model JSON would change is refused."""

import pytest
from django.db import connection

from kernel import rows
from pledges.models import Pledge
from stories.models import Tag
from tests.factories import TagFactory

pytestmark = pytest.mark.django_db


def test_a_tags_columns_come_back_from_json_as_the_orm_reads_them():
    made = TagFactory(name="Night shifts")
    statement = f"SELECT {rows.json_array(Tag, 't')} FROM {Tag._meta.db_table} t WHERE t.id = %s"  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(statement, [made.pk])
        (values,) = cursor.fetchone()

    built = rows.build(Tag, values)

    expected = Tag.objects.get(pk=made.pk)
    assert [getattr(built, f.attname) for f in Tag._meta.concrete_fields] == [
        getattr(expected, f.attname) for f in Tag._meta.concrete_fields
    ]


def test_a_model_with_dates_is_refused():
    with pytest.raises(ValueError, match="would not come back from JSON unchanged"):
        rows.json_array(Pledge, "p")
