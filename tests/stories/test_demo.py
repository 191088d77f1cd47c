import pytest
from django.core.management import call_command

from stories.models import CoAuthor, Comment, Reaction, Story

pytestmark = pytest.mark.django_db


def _counts() -> tuple:
    return (
        Story.objects.count(),
        CoAuthor.objects.count(),
        Comment.objects.count(),
        Reaction.objects.count(),
    )


def test_the_demo_tells_three_published_stories_once(settings):
    settings.DEMO_DATA_ALLOWED = True
    call_command("demo_data", "--quiet")
    first = _counts()
    call_command("demo_data", "--quiet")

    assert _counts() == first
    # The demo accounts' own stories (the demo's movement tells more, reports/demo_movement).
    own = Story.objects.filter(author__email__endswith="@radicals.local")
    assert own.count() == 3
    assert set(Story.objects.values_list("status", flat=True)) == {"published"}
    assert own.filter(is_featured=True).count() == 2
    assert CoAuthor.objects.filter(status="accepted").count() == 1
    assert Comment.objects.filter(parent__isnull=False).exists()
    walking = Story.objects.get(title="Walking a mile a day on Morecambe Bay")
    assert walking.pledges.exists() and walking.campaign is not None
    assert walking.inspired_count == 2
