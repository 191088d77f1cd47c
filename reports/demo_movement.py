"""A living movement for the demo: about three hundred members over the last 90 days.

Members join across the demo organisations and regions, a few mobilisers bring many of
them in through their share links, email invitations and the Ward 7 invitation link,
and those recruits join communities, make pledges (some with thresholds met, some
missed), co-sign, check in (miles walked on the Morecambe Bay Mile), mark their
commitments done, tell stories and complete modules. Every timestamp is set explicitly,
counted back from the moment of loading, and every choice is drawn from one seeded
random generator, so every first run draws the same movement.

Rows are bulk-created: going through a service per co-sign would take minutes, and the
services' side effects (emails to every signer, the dirty-day marks) are what a demo
load must not do. The figures are then counted by the nightly recount
(`follow_ups.nightly_recount`), as for any data.

Loading is idempotent: the movement's members have their own email domain, and when
any of them exists the movement is already there and nothing is added.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django.utils.text import slugify

from communities.models import Community, Invitation, Membership
from learning import services as learning_services
from learning.models import Enrolment, LessonProgress, Module
from members.models import User
from pledges.models import Campaign, CheckIn, Pledge, Signature, Thanks, Theme
from reports import services
from reports.models import Attribution, InviteEmail
from stories.models import Story

SEED = 2026
MEMBERS = 300
DAYS = 90
EMAIL_DOMAIN = "members.radicals.local"
# The generated members who bring most people in, besides Alice and Olu the organiser.
MOBILISERS = 8
# How likely a newcomer arrived through someone, and how strongly the busiest
# mobilisers draw (the first of them brings in about a third of all recruits).
RECRUITED = 0.6
MOBILISER_WEIGHTS = [30, 18, 12, 8, 6, 5, 4, 3, 3, 2]

FIRST_NAMES = [
    "Aisha", "Ben", "Catrin", "Dev", "Efua", "Finn", "Gwen", "Hamza", "Isla", "Jack",
    "Kemi", "Liam", "Mared", "Nadia", "Owen", "Priya", "Rhys", "Sade", "Tom", "Uma",
    "Vikram", "Wen", "Yusuf", "Zara", "Amir", "Bethan", "Chloe", "Dafydd", "Elin", "Femi",
    "Grace", "Harri", "Ioana", "Joseph", "Kofi", "Leah", "Maya", "Nia", "Oscar", "Ruth",
]  # fmt: skip
LAST_NAMES = [
    "Adeyemi", "Bell", "Chowdhury", "Davies", "Evans", "Fletcher", "Griffiths", "Hughes",
    "Iqbal", "Jones", "Khan", "Lewis", "Morgan", "Nowak", "Okafor", "Patel", "Quinn",
    "Roberts", "Singh", "Thomas", "Usman", "Vaughan", "Williams", "Xu", "Young", "Zielinski",
]  # fmt: skip
JOB_ROLES = [
    "Staff nurse", "Healthcare assistant", "Physiotherapist", "Occupational therapist",
    "Junior doctor", "Consultant", "Pharmacist", "Porter", "Paramedic", "Midwife",
    "Ward manager", "Dietitian", "Radiographer", "Receptionist", "Domestic assistant",
    "Speech and language therapist", "Mental health nurse", "Practice manager",
]  # fmt: skip
# Where members work, by index into the demo organisations: Morecambe Bay first.
ORGANISATION_WEIGHTS = [30, 10, 15, 12, 10, 8, 8, 7]

PLEDGE_TITLES = {
    "patient-experience": [
        "ask every patient what matters to them before the ward round",
        "learn the names of the family members who visit my patients",
        "sit down for every conversation about going home",
        "offer earplugs and eye masks at the evening drug round",
        "introduce myself with #hellomynameis to every patient this month",
    ],
    "staff-wellbeing": [
        "take a proper lunch break away from the ward three times a week",
        "thank one colleague by name every shift",
        "start a five-minute check-in at the end of each night shift",
        "make sure every new starter has a buddy for their first month",
    ],
    "sustainability": [
        "switch off the screens in our office every evening",
        "swap single-use gloves for hand washing where it is safe",
        "cycle or walk to work two days a week",
        "turn off the anaesthetic gas we do not need",
    ],
    "safety": [
        "run a safety huddle at every shift change",
        "check every patient's allergies out loud at handover",
        "learn from one near miss each week with my team",
        "do a falls check on every new admission",
    ],
    "digital": [
        "teach two colleagues to use the e-rostering app",
        "move our team's paper handover sheet online",
        "set up video calls for patients who cannot have visitors",
    ],
}
MILE_TITLES = [
    "walk the Morecambe Bay Mile at lunchtime twice a week",
    "wheel a mile round the hospital grounds with my team every Friday",
    "run a mile along the promenade before my early shifts",
    "walk a mile with a colleague from another team each week",
]
OUTCOMES = [
    "Done every week, and two colleagues now do it too.",
    "Managed it on all but two shifts; the team noticed the difference.",
    "Patients told us the ward felt calmer.",
    "We kept it going and it is now part of the routine.",
    "Harder than I thought, but I did it and learnt a lot.",
    "Our sister ward has started doing the same.",
]
THANKS_NOTES = [
    "This made my week.",
    "Thank you for keeping us all going.",
    "Seeing your check-ins got me walking too.",
    "The ward noticed. Thank you.",
    "Brilliant work, keep it up.",
]
CHECK_IN_NOTES = [
    "Good week: kept to it on every shift.",
    "Missed a day with the rota change, back on track now.",
    "Two more colleagues asked to join in.",
    "A patient's daughter thanked us for it today.",
    "Slow start, but it is becoming a habit.",
]
MILE_NOTES = [
    "Out along the promenade in the sunshine.",
    "Walked in the rain, still counts.",
    "Three of us this week, talked rotas the whole way.",
    "A brisk mile before the afternoon clinic.",
]
STORIES = [
    ("Learning names, not bed numbers", "patient-experience"),
    ("The lunch break we stopped skipping", "staff-wellbeing"),
    ("Half the screens, the same clinic", "sustainability"),
    ("Two minutes that caught three near misses", "safety"),
    ("From paper handover to a shared screen", "digital"),
    ("A mile a day kept the rota rows away", "staff-wellbeing"),
    ("What the night shift told us at five to eight", "staff-wellbeing"),
    ("Quieter wards, longer sleep", "patient-experience"),
    ("Every new starter has a buddy now", "staff-wellbeing"),
    ("Allergies said out loud", "safety"),
    ("Greener theatres, one gas at a time", "sustainability"),
    ("Walking meetings on the bay", "staff-wellbeing"),
]
STORY_BODY = """\
It started as a pledge on Radicals: one small change, tried for a month.

## What we did

- We agreed what we would try, and who would try it first.
- We checked in every week, including the weeks it did not go well.
- Colleagues co-signed, and that kept us going.

## What happened

{outcome}

## If you try it

Start small, tell people what you are doing, and count something.
"""


@dataclass
class Movement:
    """What the generator made, for the caller and the tests."""

    members: list = field(default_factory=list)
    mobilisers: list = field(default_factory=list)
    pledges: list = field(default_factory=list)
    created: bool = False


def _moment(rng: random.Random, start: datetime.datetime, end: datetime.datetime):
    """A moment between `start` and `end` (at `start` when they are the wrong way round)."""
    if end <= start:
        return start
    return start + (end - start) * rng.random()


def _after(rng: random.Random, start, *, days: float, now):
    return min(start + datetime.timedelta(days=days * rng.random()), now)


def is_loaded() -> bool:
    return User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").exists()


def load(loaded: dict) -> Movement:
    """Make the movement once; when it is there already, add nothing."""
    if is_loaded():
        return Movement()
    return _Generator(loaded).run()


class _Generator:
    def __init__(self, loaded: dict):
        self.rng = random.Random(SEED)
        self.now = timezone.now()
        self.start = self.now - datetime.timedelta(days=DAYS)
        members = loaded["members"]
        self.organisations = list(members["organisations"])
        self.accounts = members["users"]
        communities = loaded.get("communities", {}).get("communities", {})
        self.walkers = communities.get("walkers")
        self.leeds = communities.get("leeds")
        self.ward7 = communities.get("ward7")
        self.ward7_invitation = loaded.get("communities", {}).get("invitation")
        self.themes = {theme.slug: theme for theme in Theme.objects.all()}
        self.change_day = Campaign.objects.filter(slug="change-day-2026").first()
        self.mile = Campaign.objects.filter(slug="morecambe-bay-mile").first()
        self.recruiter: dict[int, int] = {}
        self.memberships: dict[int, set[int]] = {}

    def run(self) -> Movement:
        movement = Movement(created=True)
        self._backdate_accounts()
        movement.members = self._members()
        movement.mobilisers = self._mobilisers(movement.members)
        self._recruit(movement.members, movement.mobilisers)
        self._communities(movement.members)
        movement.pledges = self._pledges(movement.members, movement.mobilisers)
        self._thanks()
        self._stories(movement.pledges)
        self._learning(movement.members)
        return movement

    # --- People --------------------------------------------------------------------

    def _backdate_accounts(self) -> None:
        """The demo accounts were there from the start of the movement they lead."""
        joined = self.start - datetime.timedelta(days=1)
        for account in self.accounts.values():
            account.date_joined = joined
        User.objects.filter(pk__in=[a.pk for a in self.accounts.values()]).update(
            date_joined=joined
        )

    def _members(self) -> list[User]:
        rng = self.rng
        unusable = make_password(None)
        people = []
        for n in range(MEMBERS):
            # More join as the movement grows: later days are likelier.
            joined = self.now - datetime.timedelta(days=DAYS * rng.random() ** 1.5)
            organisation = rng.choices(self.organisations, ORGANISATION_WEIGHTS)[0]
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            people.append(
                User(
                    email=f"{slugify(first)}.{slugify(last)}.{n + 1}@{EMAIL_DOMAIN}",
                    password=unusable,
                    display_name=f"{first} {last}",
                    job_role=rng.choice(JOB_ROLES),
                    organisation=organisation,
                    region=organisation.region,
                    name_visibility=rng.choices(
                        [User.NameVisibility.PUBLIC, User.NameVisibility.MEMBERS], [3, 1]
                    )[0],
                    date_joined=joined,
                )
            )
        people.sort(key=lambda person: person.date_joined)
        # The earliest few were there from the start: the movement's first people.
        for person in people[:MOBILISERS]:
            person.date_joined = self.start + datetime.timedelta(hours=rng.randint(1, 72))
            person.name_visibility = User.NameVisibility.PUBLIC
        return User.objects.bulk_create(people)

    def _mobilisers(self, members: list[User]) -> list[User]:
        mobilisers = [*members[:MOBILISERS], self.accounts["alice"], self.accounts["organiser"]]
        for person in mobilisers:
            services.invite_ensure(member=person)
        return mobilisers

    def _recruit(self, members: list[User], mobilisers: list[User]) -> None:
        """Each newcomer may have come through a mobiliser's link or email; now and then
        through a recruit who went on to bring in people of their own."""
        rng = self.rng
        attributions, emails = [], []
        recruits: list[User] = []
        for person in members[MOBILISERS:]:
            if rng.random() > RECRUITED:
                continue
            if recruits and rng.random() < 0.15:
                inviter = rng.choice(recruits[:40])
            else:
                inviter = rng.choices(mobilisers, MOBILISER_WEIGHTS)[0]
            if inviter.pk == person.pk:
                continue
            emailed = rng.random() < 0.3
            if emailed:
                emails.append(
                    InviteEmail(
                        inviter=inviter,
                        email=person.email,
                        sent_at=person.date_joined - datetime.timedelta(hours=rng.randint(2, 60)),
                        email_status=InviteEmail.EmailStatus.SENT,
                        emailed_at=person.date_joined - datetime.timedelta(hours=1),
                        email_attempts=1,
                    )
                )
            attributions.append(
                Attribution(
                    inviter=inviter,
                    invitee=person,
                    kind=Attribution.Kind.SIGNUP,
                    via=Attribution.Via.EMAIL if emailed else Attribution.Via.SHARE_LINK,
                    created_at=person.date_joined,
                )
            )
            self.recruiter[person.pk] = inviter.pk
            recruits.append(person)
        InviteEmail.objects.bulk_create(emails)
        Attribution.objects.bulk_create(attributions)

    def _communities(self, members: list[User]) -> None:
        rng = self.rng
        plans = [
            (self.walkers, 0.45, None),
            (self.leeds, 0.2, None),
            (self.ward7, 0.12, self.ward7_invitation),
        ]
        organiser = self.accounts["organiser"]
        for community, share, invitation in plans:
            if community is None:
                continue
            taken = set(
                Membership.objects.filter(community=community).values_list("member_id", flat=True)
            )
            rows = []
            for person in members:
                if person.pk in taken or rng.random() > share:
                    continue
                joined = _after(rng, person.date_joined, days=10, now=self.now)
                if community.joining_policy == Community.JoiningPolicy.APPROVAL and (
                    rng.random() < 0.1
                ):
                    rows.append(
                        Membership(
                            community=community,
                            member=person,
                            status=Membership.Status.PENDING,
                            requested_at=joined,
                            request_message="I would love to learn from your team.",
                        )
                    )
                    continue
                usable = invitation is not None and invitation.created_at <= joined
                rows.append(
                    Membership(
                        community=community,
                        member=person,
                        requested_at=joined,
                        joined_at=joined,
                        decided_at=joined
                        if community.joining_policy == Community.JoiningPolicy.APPROVAL
                        else None,
                        posts_approved=community.premoderate_first_posts,
                        invited_by=organiser if invitation is not None else None,
                        invitation=invitation if usable else None,
                    )
                )
            created = Membership.objects.bulk_create(rows)
            credits = []
            for membership in created:
                if membership.status != Membership.Status.ACTIVE:
                    continue
                self.memberships.setdefault(membership.member_id, set()).add(community.pk)
                if membership.invited_by_id:
                    inviter, via = membership.invited_by_id, Attribution.Via.COMMUNITY_INVITATION
                else:
                    inviter, via = (
                        self.recruiter.get(membership.member_id),
                        (Attribution.Via.SHARE_LINK),
                    )
                if inviter is None or inviter == membership.member_id:
                    continue
                credits.append(
                    Attribution(
                        inviter_id=inviter,
                        invitee_id=membership.member_id,
                        kind=Attribution.Kind.JOIN,
                        via=via,
                        membership=membership,
                        community=community,
                        created_at=membership.joined_at,
                    )
                )
            Attribution.objects.bulk_create(credits)
            if invitation is not None:
                Invitation.objects.filter(pk=invitation.pk).update(
                    use_count=Membership.objects.filter(invitation=invitation).count()
                )
            Community.objects.filter(pk=community.pk).update(
                member_count=Membership.objects.filter(
                    community=community, status=Membership.Status.ACTIVE
                ).count()
            )

    # --- Pledges -------------------------------------------------------------------

    def _campaign_for(self, author: User, made: datetime.datetime) -> Campaign | None:
        day = timezone.localdate(made)
        rng = self.rng
        mile_open = self.mile is not None and self.mile.starts_on <= day <= self.mile.ends_on
        near_the_bay = author.organisation_id in {o.pk for o in self.organisations[:2]}
        if mile_open and near_the_bay and rng.random() < 0.5:
            return self.mile
        day_open = (
            self.change_day is not None
            and self.change_day.starts_on <= day <= self.change_day.ends_on
        )
        if day_open and rng.random() < 0.5:
            return self.change_day
        return None

    def _pledges(self, members: list[User], mobilisers: list[User]) -> list[Pledge]:
        rng = self.rng
        authors = [*members, *mobilisers * 3]
        specs = []
        for _ in range(150):
            author = rng.choice(authors)
            made = _moment(
                rng, author.date_joined, self.now - datetime.timedelta(hours=rng.randint(2, 48))
            )
            campaign = self._campaign_for(author, made)
            if campaign is not None and campaign == self.mile:
                title, theme = rng.choice(MILE_TITLES), self.themes.get("staff-wellbeing")
            else:
                slug = rng.choice(list(PLEDGE_TITLES))
                title, theme = rng.choice(PLEDGE_TITLES[slug]), self.themes.get(slug)
            if theme is None:
                continue
            community = None
            joined = self.memberships.get(author.pk, set())
            if self.walkers is not None and self.walkers.pk in joined and rng.random() < 0.35:
                community = self.walkers
            due = timezone.localdate(made) + datetime.timedelta(days=rng.randint(14, 60))
            threshold = rng.randint(3, 10) if rng.random() < 0.18 else None
            deadline = (
                min(due, timezone.localdate(made) + datetime.timedelta(days=rng.randint(10, 21)))
                if threshold
                else None
            )
            specs.append(
                (author, made, title, theme, campaign, community, due, threshold, deadline)
            )
        # Everything is settled in memory first, then written once per table: each
        # pledge's status, its signers' outcomes and check-ins, and its counters.
        pledges = [
            Pledge(
                author=author,
                title=title,
                description="",
                theme=theme,
                campaign=campaign,
                community=community,
                due_date=due,
                threshold=threshold,
                threshold_deadline=deadline,
                status=Pledge.Status.GATHERING if threshold else Pledge.Status.ACTIVE,
                activated_at=None if threshold else made,
                created_at=made,
                updated_at=made,
            )
            for author, made, title, theme, campaign, community, due, threshold, deadline in specs
        ]
        mobiliser_ids = {person.pk for person in mobilisers}
        everyone = list({person.pk: person for person in [*members, *mobilisers]}.values())
        signatures, check_ins, credited = [], [], []
        for pledge in pledges:
            rows = [
                Signature(
                    pledge=pledge, member=pledge.author, is_author=True, signed_at=pledge.created_at
                )
            ]
            wanted = (
                rng.randint(8, 30) if pledge.author_id in mobiliser_ids else rng.choice(
                    [0, 0, 1, 1, 2, 3, 4, 5, 6, 8]
                )
            )  # fmt: skip
            if pledge.threshold:
                # Some thresholds are met, some are missed.
                wanted = pledge.threshold + rng.choice([-3, -2, -1, 0, 1, 3])
            # Signing stays open 20 days here, and only until the deadline of a threshold.
            window_end = min(self.now, pledge.created_at + datetime.timedelta(days=20))
            window_end = min(window_end, self._end_of(pledge.due_date))
            if pledge.threshold_deadline:
                window_end = min(window_end, self._end_of(pledge.threshold_deadline))
            pool = [
                person
                for person in everyone
                if person.pk != pledge.author_id and person.date_joined < window_end
            ]
            for person in rng.sample(pool, max(0, min(wanted, len(pool)))):
                start = max(pledge.created_at, person.date_joined)
                signed = _moment(rng, start, window_end)
                rows.append(Signature(pledge=pledge, member=person, signed_at=signed))
            rows.sort(key=lambda signature: signature.signed_at)
            self._settle(pledge, rows)
            for signature in rows:
                recruiter = self.recruiter.get(signature.member_id)
                if (
                    not signature.is_author
                    and recruiter
                    and recruiter != pledge.author_id
                    and rng.random() < 0.7
                ):
                    credited.append((recruiter, signature, pledge))
            made_check_ins = self._check_ins(pledge, rows)
            pledge.signer_count = len(rows)
            pledge.done_count = sum(1 for signature in rows if signature.done_at)
            pledge.total_quantity = sum(
                (c.quantity for c in made_check_ins if c.quantity), Decimal("0")
            )
            signatures += rows
            check_ins += made_check_ins
        Pledge.objects.bulk_create(pledges)
        Signature.objects.bulk_create(signatures)
        CheckIn.objects.bulk_create(check_ins)
        self.signatures, self.check_ins = signatures, check_ins
        Attribution.objects.bulk_create(
            Attribution(
                inviter_id=recruiter,
                invitee_id=signature.member_id,
                kind=Attribution.Kind.CO_SIGN,
                via=Attribution.Via.SHARE_LINK,
                signature=signature,
                community_id=pledge.community_id,
                campaign_id=pledge.campaign_id,
                created_at=signature.signed_at,
            )
            for recruiter, signature, pledge in credited
        )
        return pledges

    @staticmethod
    def _end_of(day: datetime.date) -> datetime.datetime:
        """A few minutes before midnight on `day` (the site's time), when the jobs that
        close a day's deadlines would have run."""
        return datetime.datetime.combine(
            day, datetime.time(23, 50), tzinfo=timezone.get_current_timezone()
        )

    def _settle(self, pledge: Pledge, rows: list[Signature]) -> None:
        """Where the pledge stands today: threshold met or missed, and completed when its
        due date has passed, with most signers' outcomes."""
        today = timezone.localdate(self.now)
        if pledge.threshold:
            co_signs = [s for s in rows if not s.is_author]
            if len(co_signs) >= pledge.threshold:
                pledge.status = Pledge.Status.ACTIVE
                pledge.activated_at = co_signs[pledge.threshold - 1].signed_at
            elif pledge.threshold_deadline < today:
                pledge.status = Pledge.Status.FAILED
                pledge.failed_at = self._end_of(pledge.threshold_deadline)
                pledge.updated_at = pledge.failed_at
                return
            else:
                return
        if pledge.due_date >= today:
            return
        completed = self._end_of(pledge.due_date)
        pledge.status = Pledge.Status.COMPLETED
        pledge.completed_at = completed
        pledge.updated_at = completed
        for signature in rows:
            if self.rng.random() < 0.75:
                signature.done_at = _moment(
                    self.rng, max(signature.signed_at, completed - datetime.timedelta(days=7)),
                    completed,
                )  # fmt: skip
                signature.outcome = self.rng.choice(OUTCOMES)

    def _check_ins(self, pledge: Pledge, rows: list[Signature]) -> list[CheckIn]:
        if pledge.status not in (Pledge.Status.ACTIVE, Pledge.Status.COMPLETED):
            return []
        rng = self.rng
        is_mile = self.mile is not None and pledge.campaign_id == self.mile.pk
        end = pledge.completed_at or self.now
        made = []
        for signature in rows:
            if not signature.is_author and rng.random() < 0.5:
                continue
            for _ in range(rng.randint(1, 4) if is_mile else rng.randint(0, 2)):
                at = _moment(rng, max(signature.signed_at, pledge.activated_at), end)
                made.append(
                    CheckIn(
                        pledge=pledge,
                        author_id=signature.member_id,
                        note=rng.choice(MILE_NOTES if is_mile else CHECK_IN_NOTES),
                        quantity=Decimal(rng.choice([1, 1, 1.5, 2, 2.5, 3])) if is_mile else None,
                        created_at=at,
                    )
                )
                signature.last_check_in_at = max(signature.last_check_in_at or at, at)
        return made

    # --- Kindness ------------------------------------------------------------------------

    def _thanks(self) -> None:
        """Colleagues on the same pledge thank each other for check-ins and for
        commitments done, some with a note; the most active are thanked often enough
        to be Appreciated."""
        rng = self.rng
        signers: dict[int, list[int]] = {}
        for signature in self.signatures:
            signers.setdefault(signature.pledge_id, []).append(signature.member_id)
        made: list[Thanks] = []
        given: set[tuple] = set()

        def thank(giver: int, recipient: int, pledge_id: int, at, **thing) -> None:
            key = (giver, *thing.items())
            if giver == recipient or key in given:
                return
            given.add(key)
            note = rng.choice(THANKS_NOTES) if rng.random() < 0.4 else ""
            made.append(
                Thanks(
                    giver_id=giver,
                    recipient_id=recipient,
                    pledge_id=pledge_id,
                    note=note,
                    created_at=min(at + datetime.timedelta(hours=rng.randint(1, 30)), self.now),
                    **thing,
                )
            )

        for check_in in self.check_ins:
            colleagues = signers.get(check_in.pledge_id, [])
            for giver in rng.sample(colleagues, k=min(len(colleagues), rng.randint(0, 3))):
                if rng.random() < 0.5:
                    thank(
                        giver,
                        check_in.author_id,
                        check_in.pledge_id,
                        check_in.created_at,
                        check_in_id=check_in.pk,
                    )
        for signature in self.signatures:
            if signature.done_at is None:
                continue
            colleagues = signers.get(signature.pledge_id, [])
            for giver in rng.sample(colleagues, k=min(len(colleagues), rng.randint(0, 2))):
                thank(
                    giver,
                    signature.member_id,
                    signature.pledge_id,
                    signature.done_at,
                    commitment_id=signature.pk,
                )
        Thanks.objects.bulk_create(made)

    # --- Stories and learning ------------------------------------------------------------

    def _stories(self, pledges: list[Pledge]) -> None:
        rng = self.rng
        completed = [p for p in pledges if p.status == Pledge.Status.COMPLETED]
        rng.shuffle(completed)
        organiser = self.accounts["organiser"]
        stories, links = [], []
        for n, ((title, _theme), pledge) in enumerate(zip(STORIES, completed, strict=False)):
            published = _after(rng, pledge.completed_at, days=6, now=self.now)
            outcome = f"{pledge.signer_count} of us kept the pledge for a month"
            featured = n % 4 == 0
            stories.append(
                Story(
                    author_id=pledge.author_id,
                    title=title,
                    slug=f"{slugify(title)}-{n + 1}",
                    summary=f"How {pledge.signer_count} colleagues made one small pledge stick.",
                    body=STORY_BODY.format(outcome=rng.choice(OUTCOMES)),
                    outcome=outcome,
                    campaign_id=pledge.campaign_id,
                    community_id=pledge.community_id,
                    status=Story.Status.PUBLISHED,
                    created_at=published - datetime.timedelta(days=1),
                    updated_at=published,
                    submitted_at=published - datetime.timedelta(hours=3),
                    published_at=published,
                    is_featured=featured,
                    featured_at=published + datetime.timedelta(hours=5) if featured else None,
                    featured_by=organiser if featured else None,
                )
            )
            links.append(pledge)
        Story.objects.bulk_create(stories)
        through = Story.pledges.through
        through.objects.bulk_create(
            through(story_id=story.pk, pledge_id=pledge.pk)
            for story, pledge in zip(stories, links, strict=True)
        )

    def _learning(self, members: list[User]) -> None:
        rng = self.rng
        modules = list(Module.objects.filter(status=Module.Status.PUBLISHED).order_by("pk"))
        if not modules:
            return
        taken = set(
            Enrolment.objects.filter(member__in=members).values_list("member_id", "module_id")
        )
        lessons = {module.pk: list(module.lessons.order_by("position")) for module in modules}
        enrolments = []
        for person in members:
            for position, module in enumerate(modules):
                if (person.pk, module.pk) in taken or rng.random() > (
                    0.45 if position == 0 else 0.15
                ):
                    continue
                enrolled = _after(rng, person.date_joined, days=20, now=self.now)
                done = rng.random() < 0.55
                finished = _after(rng, enrolled, days=14, now=self.now) if done else None
                enrolments.append(
                    Enrolment(
                        member=person,
                        module=module,
                        enrolled_at=enrolled,
                        last_activity_at=finished or enrolled,
                        completed_at=finished,
                        last_lesson=lessons[module.pk][-1] if done and lessons[module.pk] else None,
                    )
                )
        Enrolment.objects.bulk_create(enrolments)
        progress = []
        for enrolment in enrolments:
            if enrolment.completed_at is None:
                continue
            progress += [
                LessonProgress(
                    enrolment=enrolment,
                    lesson=lesson,
                    opened_at=enrolment.enrolled_at,
                    completed_at=enrolment.completed_at,
                )
                for lesson in lessons[enrolment.module_id]
            ]
            learning_services._issue_certificate(enrolment=enrolment, when=enrolment.completed_at)
        LessonProgress.objects.bulk_create(progress)
