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
