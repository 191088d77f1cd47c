"""factory_boy factories for every model the tests build."""

import factory
from allauth.account.models import EmailAddress
from django.utils.text import slugify

from members.models import Organisation, Region, User

PASSWORD = "correct-horse-battery-staple"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Region {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Test Hospitals NHS Trust {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    kind = Organisation.Kind.ACUTE_TRUST
    region = factory.SubFactory(RegionFactory)


class UserFactory(factory.django.DjangoModelFactory):
    """A member with a verified email address, able to log in with PASSWORD."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"member{n}@example.nhs.uk")
    display_name = factory.Sequence(lambda n: f"Member {n}")
    job_role = "Staff nurse"
    name_visibility = User.NameVisibility.PUBLIC
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


# --- communities ----------------------------------------------------------------------


def _from_now(*, days: int):
    import datetime

    from django.utils import timezone

    return timezone.now() + datetime.timedelta(days=days)


class CommunityFactory(factory.django.DjangoModelFactory):
    """An active, open community. Give it organisers with MembershipFactory(role=...)."""

    class Meta:
        model = "communities.Community"

    name = factory.Sequence(lambda n: f"Community {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    description = "Staff who want to change one thing together."
    guidelines = "Be kind. Never share anything that could identify a patient."
    joining_policy = "open"
    status = "active"


class MembershipFactory(factory.django.DjangoModelFactory):
    """An active membership; keeps the community's member_count in step."""

    class Meta:
        model = "communities.Membership"
        skip_postgeneration_save = True

    community = factory.SubFactory(CommunityFactory)
    member = factory.SubFactory(UserFactory)
    role = "member"
    status = "active"
    joined_at = factory.LazyFunction(lambda: _from_now(days=0))

    @factory.post_generation
    def recount(obj, create, extracted, **kwargs):
        if create:
            from communities.models import Community, Membership

            count = Membership.objects.filter(community=obj.community, status="active").count()
            Community.objects.filter(pk=obj.community_id).update(member_count=count)
            obj.community.member_count = count


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "communities.Invitation"

    community = factory.SubFactory(CommunityFactory)
    token = factory.Sequence(lambda n: f"invitation-token-{n}")
    created_by = factory.SubFactory(UserFactory)
    expires_at = factory.LazyFunction(lambda: _from_now(days=14))


# --- learning -----------------------------------------------------------------------


class ModuleFactory(factory.django.DjangoModelFactory):
    """A published learning module (add lessons, questions and cohorts with the factories below)."""

    class Meta:
        model = "learning.Module"

    title = factory.Sequence(lambda n: f"Leading change {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.title))
    summary = "How change spreads from the edge, and how to start it."
    learning_outcomes = "Explain why change spreads from the edge\nPlan a small test of change"
    estimated_minutes = 90
    status = "published"
    quiz_pass_mark = 70


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "learning.Lesson"

    module = factory.SubFactory(ModuleFactory)
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Lesson {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.title))
    body = "Change spreads from the edge.\n\nAsk **what matters to you**."
    estimated_minutes = 10


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "learning.Question"

    module = factory.SubFactory(ModuleFactory)
    position = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"Question {n}?")
    explanation = "Because change spreads from the edge."


class ChoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "learning.Choice"

    question = factory.SubFactory(QuestionFactory)
    position = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"Answer {n}")
    is_correct = False


class CohortFactory(factory.django.DjangoModelFactory):
    """A wave that started a week ago and ends in three weeks."""

    class Meta:
        model = "learning.Cohort"

    module = factory.SubFactory(ModuleFactory)
    name = factory.Sequence(lambda n: f"Wave {n + 1}")
    starts_on = factory.LazyFunction(lambda: _today() - _days(7))
    ends_on = factory.LazyFunction(lambda: _today() + _days(21))


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "learning.Enrolment"

    member = factory.SubFactory(UserFactory)
    module = factory.SubFactory(ModuleFactory)
    cohort = None


def _today():
    from django.utils import timezone

    return timezone.localdate()


def _days(n: int):
    import datetime

    return datetime.timedelta(days=n)


# --- stories ----------------------------------------------------------------------------


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "stories.Tag"
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"tag {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class StoryFactory(factory.django.DjangoModelFactory):
    """A published story, no community. Built directly (fast, for lists and query counts);
    tests of behaviour make stories with stories.services.story_create."""

    class Meta:
        model = "stories.Story"

    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"How we changed handovers, part {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.title))
    summary = "We moved handover to the bedside and asked patients to join in."
    body = "We started with **one bay** for a week.\n\n- Ask\n- Listen\n- Change"
    status = "published"
    published_at = factory.LazyFunction(lambda: _now())


class CoAuthorFactory(factory.django.DjangoModelFactory):
    """An accepted co-author."""

    class Meta:
        model = "stories.CoAuthor"

    story = factory.SubFactory(StoryFactory)
    member = factory.SubFactory(UserFactory)
    status = "accepted"
    invited_by = factory.LazyAttribute(lambda o: o.story.author)


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "stories.Comment"

    story = factory.SubFactory(StoryFactory)
    author = factory.SubFactory(UserFactory)
    body = "Thank you for sharing this: we will try it on our ward."


# --- pledges ------------------------------------------------------------------------


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "pledges.Theme"
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Theme {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class CampaignFactory(factory.django.DjangoModelFactory):
    """A campaign running from ten days ago for two months."""

    class Meta:
        model = "pledges.Campaign"

    name = factory.Sequence(lambda n: f"Change Day {2026 + n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    description = "Everyone pledges one change."
    starts_on = factory.LazyFunction(lambda: _today() - _days(10))
    ends_on = factory.LazyFunction(lambda: _today() + _days(60))


class PledgeFactory(factory.django.DjangoModelFactory):
    """An active pledge without a threshold, due in a month; its author is signer one.

    Built directly (fast, for lists and query counts); tests of behaviour make pledges
    with pledges.services.pledge_create."""

    class Meta:
        model = "pledges.Pledge"
        skip_postgeneration_save = True

    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"try small change number {n} on my ward")
    theme = factory.SubFactory(ThemeFactory)
    due_date = factory.LazyFunction(lambda: _today() + _days(30))
    status = "active"
    activated_at = factory.LazyFunction(lambda: _now())

    @factory.post_generation
    def author_signature(obj, create, extracted, **kwargs):
        if create:
            from pledges.models import Signature

            Signature.objects.create(pledge=obj, member=obj.author, is_author=True)


def _now():
    from django.utils import timezone

    return timezone.now()
