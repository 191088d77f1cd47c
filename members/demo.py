"""Demo data for development: regions, organisations and four accounts (never in production)."""

from allauth.account.models import EmailAddress
from django.utils.text import slugify

from members.demo_accounts import ACCOUNTS, DEMO_PASSWORD
from members.models import Organisation, Region, User

REGIONS = [
    "East of England",
    "London",
    "Midlands",
    "North East and Yorkshire",
    "North West",
    "South East",
    "South West",
]
ORGANISATIONS = [
    ("University Hospitals of Morecambe Bay NHS Foundation Trust", "acute_trust", "North West"),
    ("Lancashire and South Cumbria Integrated Care Board", "icb", "North West"),
    ("Leeds Teaching Hospitals NHS Trust", "acute_trust", "North East and Yorkshire"),
    ("Guy's and St Thomas' NHS Foundation Trust", "acute_trust", "London"),
    ("Sussex Partnership NHS Foundation Trust", "mental_health_trust", "South East"),
    ("East of England Ambulance Service NHS Trust", "ambulance_trust", "East of England"),
    ("Cornwall Partnership NHS Foundation Trust", "community_trust", "South West"),
    ("Nottingham CityCare Partnership", "community_trust", "Midlands"),
]


def load(loaded: dict) -> dict:
    regions = {
        name: Region.objects.get_or_create(slug=slugify(name), defaults={"name": name})[0]
        for name in REGIONS
    }
    organisations = [
        Organisation.objects.get_or_create(
            slug=slugify(name)[:200],
            defaults={"name": name, "kind": kind, "region": regions[region]},
        )[0]
        for name, kind, region in ORGANISATIONS
    ]
    users = {}
    for email, name, role, org_index, is_staff in ACCOUNTS:
        user = User.objects.filter(email=email).first()
        if user is None:
            organisation = organisations[org_index]
            user = User.objects.create_user(
                email=email,
                password=DEMO_PASSWORD,
                display_name=name,
                job_role=role,
                organisation=organisation,
                region=organisation.region,
                is_staff=is_staff,
                is_superuser=is_staff,
                name_visibility=User.NameVisibility.PUBLIC,
            )
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        users[email.split("@")[0]] = user
    return {"regions": regions, "organisations": organisations, "users": users}
