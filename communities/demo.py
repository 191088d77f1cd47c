"""Demo communities: open, approval-required, invitation-only, and one waiting for an admin.

Idempotent: everything is looked up first and made through the services, which return
early when the state is already reached, so running it twice adds nothing.
"""

from django.utils import timezone

from communities import services
from communities.models import Community, Invitation, Membership

COMMUNITIES = [
    {
        "slug": "morecambe-bay-walkers",
        "name": "Morecambe Bay Walkers",
        "joining_policy": Community.JoiningPolicy.OPEN,
        "organisation": 0,
        "description": (
            "Staff across University Hospitals of Morecambe Bay who pledge to get patients "
            "up, dressed and moving. **End PJ paralysis**, one ward at a time."
        ),
        "guidelines": (
            "- Be kind: we are all learning.\n"
            "- Never share anything that could identify a patient.\n"
            "- Celebrate small wins as loudly as big ones."
        ),
    },
    {
        "slug": "what-matters-to-you-leeds",
        "name": "What Matters To You – Leeds",
        "joining_policy": Community.JoiningPolicy.APPROVAL,
        "organisation": 2,
        "description": (
            "Teams in Leeds Teaching Hospitals who ask every patient *what matters to you?* "
            "and change one thing because of the answer."
        ),
        "guidelines": (
            "- Tell us your role and team when you ask to join.\n"
            "- Share what you learned, including what did not work.\n"
            "- No patient-identifiable information, ever."
        ),
        "premoderate_first_posts": 2,
    },
    {
        "slug": "ward-7-improvement-collective",
        "name": "Ward 7 Improvement Collective",
        "joining_policy": Community.JoiningPolicy.INVITATION,
        "organisation": 0,
        "description": (
            "The nurses, therapists and support workers of Ward 7, improving handovers and "
            "mealtimes together."
        ),
        "guidelines": "- What is said on the ward stays on the ward.\n- Assume good intent.",
    },
]

REQUESTED = {
    "name": "Sussex Kindness in Mental Health",
    "joining_policy": Community.JoiningPolicy.APPROVAL,
    "organisation": 4,
    "description": (
        "Mental health staff across Sussex sharing small acts that make wards calmer and kinder."
    ),
    "guidelines": "- Look after yourself and each other.\n- Keep stories anonymous.",
}


def _community(spec: dict, *, admin, organiser, organisations) -> Community:
    community = Community.objects.filter(slug=spec["slug"]).first()
    if community is None:
        community = services.community_create(
            actor=admin,
            name=spec["name"],
            slug=spec["slug"],
            description=spec["description"],
            guidelines=spec["guidelines"],
            joining_policy=spec["joining_policy"],
            organisation=organisations[spec["organisation"]],
            region=organisations[spec["organisation"]].region,
            organiser=organiser,
        )
        if spec.get("premoderate_first_posts"):
            services.community_update(
                community=community,
                actor=organiser,
                premoderate_first_posts=spec["premoderate_first_posts"],
            )
    return community


def _ensure_member(community: Community, member, **kwargs) -> None:
    membership = Membership.objects.filter(community=community, member=member).first()
    if membership is None or not membership.is_active:
        services.membership_join(community=community, member=member, **kwargs)


def load(loaded: dict) -> dict:
    users = loaded["members"]["users"]
    organisations = loaded["members"]["organisations"]
    admin, organiser = users["admin"], users["organiser"]
    alice, bob = users["alice"], users["bob"]

    walkers, leeds, ward7 = (
        _community(spec, admin=admin, organiser=organiser, organisations=organisations)
        for spec in COMMUNITIES
    )

    # Alice: a member of the open community, and of Leeds (her request was approved).
    _ensure_member(walkers, alice)
    _ensure_member(walkers, bob)
    if not Membership.objects.filter(community=leeds, member=alice).exists():
        request = services.membership_request(
            community=leeds, member=alice, message="I lead the discharge lounge team."
        )
        services.membership_decide(
            membership=request, actor=organiser, approve=True, reason="Welcome, Alice!"
        )
    # Bob: waiting for an answer from Leeds.
    if not Membership.objects.filter(community=leeds, member=bob).exists():
        services.membership_request(
            community=leeds,
            member=bob,
            message="Physiotherapist on the stroke unit; I would love to learn from you.",
        )
    # Ward 7: by invitation; Alice joined through the organiser's link.
    invitation = Invitation.objects.filter(community=ward7, note="Ward 7 team email").first()
    if invitation is None:
        invitation = services.invitation_create(
            community=ward7, actor=organiser, days_valid=30, note="Ward 7 team email"
        )
    if not Membership.objects.filter(community=ward7, member=alice).exists() and (
        invitation.expires_at > timezone.now() and invitation.revoked_at is None
    ):
        services.invitation_accept(token=invitation.token, member=alice)

    requested = Community.objects.filter(name=REQUESTED["name"]).first()
    if requested is None:
        requested = services.community_request(
            requester=alice,
            name=REQUESTED["name"],
            description=REQUESTED["description"],
            guidelines=REQUESTED["guidelines"],
            joining_policy=REQUESTED["joining_policy"],
            organisation=organisations[REQUESTED["organisation"]],
            region=organisations[REQUESTED["organisation"]].region,
        )
    return {
        "communities": {
            "walkers": walkers,
            "leeds": leeds,
            "ward7": ward7,
            "requested": requested,
        },
        "invitation": invitation,
    }
