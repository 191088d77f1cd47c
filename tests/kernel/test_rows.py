"""kernel.rows: a model's columns gathered as JSON come back as the ORM reads them, a
model JSON would change is refused, and an instance built from a row is the one
`from_db` builds, heard by the same listeners."""

import pytest
from django.db import connection
from django.db.models.signals import post_init, pre_init

from kernel import rows
from pledges.models import Pledge
from stories.models import Tag
from tests.factories import (
    CampaignFactory,
    CommunityFactory,
    OrganisationFactory,
    PledgeFactory,
    StoryFactory,
    TagFactory,
    ThemeFactory,
)

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


# --- Instances built from a row ------------------------------------------------------------


def _row(model, pk) -> tuple:
    """`model`'s row `pk`, every concrete field in order (`rows.columns`)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {rows.columns(model, 'x')} FROM {model._meta.db_table} x WHERE x.id = %s",  # noqa: S608  # nosec B608
            [pk],
        )
        row = cursor.fetchone()
    return row


def _state(instance) -> tuple:
    fields = {k: v for k, v in instance.__dict__.items() if k != "_state"}
    return type(instance), fields, instance._state.adding, instance._state.db


@pytest.mark.parametrize(
    "make",
    [
        lambda: PledgeFactory(),
        lambda: PledgeFactory().author,
        lambda: CommunityFactory(),
        lambda: StoryFactory(),
        lambda: TagFactory(),
        lambda: ThemeFactory(),
        lambda: CampaignFactory(),
        lambda: OrganisationFactory(),
    ],
)
def test_an_instance_is_built_as_from_db_builds_it(make):
    made = make()
    model = type(made)
    row = _row(model, made.pk)
    names = [field.attname for field in model._meta.concrete_fields]

    built = rows.build(model, row)
    expected = model.from_db("default", names, list(row))

    assert _state(built) == _state(expected)
    assert built == expected and built.pk == made.pk
    assert not built._state.fields_cache  # nothing related read yet, as from_db leaves it


def _built_hearing(signal, model, pk) -> tuple:
    """`rows.build` of `model`'s row `pk` while `signal` is listened to for `model`: the
    instance, and what each sending carried."""
    heard = []

    def listen(sender, **kwargs):
        heard.append(kwargs)

    signal.connect(listen, sender=model)
    try:
        return rows.build(model, _row(model, pk)), heard
    finally:
        signal.disconnect(listen, sender=model)


def test_post_init_listeners_hear_every_instance_built():
    built, heard = _built_hearing(post_init, Pledge, PledgeFactory().pk)

    assert [sent["instance"] for sent in heard] == [built]


def test_a_model_with_pre_init_listeners_is_built_by_from_db():
    tag = TagFactory()

    built, heard = _built_hearing(pre_init, Tag, tag.pk)

    assert built == tag
    assert heard and heard[0]["args"][0] == tag.pk  # Model.__init__ sent it, with the row


def test_a_joined_row_is_put_on_its_foreign_key_as_select_related_puts_it(
    django_assert_num_queries,
):
    pledge = PledgeFactory(community=None)
    fresh = Pledge.objects.get(pk=pledge.pk)
    author = type(pledge.author).objects.get(pk=pledge.author_id)

    rows.put(fresh, "author", author)
    rows.put(fresh, "community", None)

    with django_assert_num_queries(0):
        assert fresh.author is author
        assert fresh.community is None


def test_a_row_that_is_not_the_keys_is_refused():
    pledge, other = PledgeFactory(), PledgeFactory()
    with pytest.raises(ValueError, match="is not the row given"):
        rows.put(pledge, "author", other.author)
    with pytest.raises(ValueError, match="is not the row given"):
        rows.put(pledge, "author", None)


@pytest.mark.parametrize("name", ["signatures", "title"])
def test_only_a_models_own_foreign_keys_are_put(name):
    with pytest.raises(ValueError, match="is not a foreign key of its own"):
        rows.put(Pledge(), name, None)


def test_a_row_of_some_fields_builds_an_instance_with_the_rest_deferred(
    django_assert_num_queries,
):
    made = PledgeFactory(description="Every day at lunch.")
    only = ("title", "status")
    statement = (
        f"SELECT {rows.columns(Pledge, 'p', only)} FROM {Pledge._meta.db_table} p "  # noqa: S608  # nosec B608
        "WHERE p.id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [made.pk])
        row = cursor.fetchone()

    built = rows.build(Pledge, row, 0, only)

    assert len(row) == rows.width(Pledge, only={Pledge: only}) == 3  # the key comes too
    assert (built.pk, built.title, built.status) == (made.pk, made.title, made.status)
    assert "description" in built.get_deferred_fields()
    with django_assert_num_queries(1):  # as the ORM's only(): read when asked for
        assert built.description == "Every day at lunch."


def test_fields_a_model_does_not_have_are_refused():
    with pytest.raises(ValueError, match="no fields"):
        rows.columns(Pledge, "p", ("title", "colour"))
