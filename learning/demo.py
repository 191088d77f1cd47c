"""Demo data for development: two modules of the School for Change Agents, a wave, and
members part way through. Running it again adds nothing."""

from __future__ import annotations

import datetime

from django.utils import timezone

from learning import services
from learning.models import Choice, Cohort, Enrolment, Lesson, Module, Question, QuizAttempt
from pledges.models import Campaign, Theme

INTRODUCTION = {
    "title": "Introduction to leading change",
    "slug": "introduction-to-leading-change",
    "summary": "Why lasting change in health and care so often starts with the people closest "
    "to the work, and how you can start it where you are, this week.",
    "learning_outcomes": "Explain why change tends to spread from the edge, not the centre\n"
    "Recognise yourself as someone who can start change without waiting for permission\n"
    "Use “What matters to you?” to find a change worth making\n"
    "Plan a small test of change you can try within a week",
    "estimated_minutes": 60,
    "quiz_pass_mark": 70,
    "campaign": "change-day-2026",
    "theme": "patient-experience",
    "pledge_call": "You have one idea worth testing. Make a pledge to try it this month, "
    "and invite your team to co-sign.",
    "lessons": [
        (
            "Change starts at the edge",
            "change-starts-at-the-edge",
            """Most of the changes that have lasted in the NHS did not start in a board room or a
national policy. They started with a nurse who would not accept that patients had to wait in
pain, a porter who noticed where people got lost, or a GP who began asking different
questions.

The **centre** of an organisation holds authority, budgets and plans. The **edge** holds
something the centre cannot buy: people who see the problem every day, who have the energy to
fix it, and who are trusted by their colleagues.

Ideas from the edge spread through relationships rather than instructions. A colleague copies
what works on the next ward because they saw it, not because they were told to.

**Think about it:** which improvement in your own workplace started with someone who had no
formal role in changing it?""",
        ),
        (
            "Radicals choose themselves",
            "radicals-choose-themselves",
            """You do not need a job title to lead change. The people who start movements are
*self-selecting*: they choose to act on something they care about, without waiting to be asked.

Being a radical in health and care is not about being reckless. It is about rocking the boat
while staying in it: keeping your commitment to colleagues and patients while refusing to
accept that "this is how we do things here".

Three habits help:

1. **Start with what you can influence** today, not what you wish someone else would change.
2. **Ask for forgiveness, not permission** for small, safe experiments.
3. **Find your people.** No one changes a system alone.

**Think about it:** what is the thing at work that you keep saying someone should fix?""",
        ),
        (
            "Ask what matters to you",
            "ask-what-matters-to-you",
            """"What is the matter with you?" tells us about a condition. "What matters to you?"
tells us about a person.

Asking the second question changes conversations with patients, families and colleagues. A
man with heart failure may care most about walking his granddaughter to school; a new starter
may care most about knowing who to ask for help on a night shift. Care and improvement that
start from what matters to people are more likely to be used and to last.

Try it this week:

- Ask one patient, carer or colleague "What matters to you?" and listen without fixing.
- Write down what you heard, in their words.
- Notice one thing you could do differently because of it.

What people tell you is often the best place to look for a change worth making.""",
        ),
        (
            "Small tests of change",
            "small-tests-of-change",
            """Big plans take months to agree and are hard to undo. Small tests of change are
quick, cheap and safe, so you can learn from them in days.

A small test is tried with **one patient, one shift or one clinic**. Use a simple cycle:

- **Plan:** what will you try, and what do you expect to happen?
- **Do:** try it, on a small scale, and note what happens.
- **Study:** compare what happened with what you expected.
- **Act:** keep it, change it, or drop it, then test again.

If the idea fails, you have lost an afternoon, not a year, and you have learnt something.
If it works, you have evidence to show colleagues, and that is how change starts to spread.

**Your next step:** write your idea as a pledge: "I will try … with … by …".""",
        ),
    ],
    "questions": [
        (
            "Where does lasting change in health and care most often start?",
            "Change usually starts **at the edge**: with people close to the work, who see the "
            "problem every day and are trusted by their colleagues.",
            [
                ("With people close to the work, at the edge of the organisation", True),
                ("With a new national policy", False),
                ("In the board room", False),
            ],
        ),
        (
            "Which of these are features of a small test of change?",
            "A small test is tried on a small scale, such as one patient, shift or clinic, and "
            "gives you something to learn from within days. It does not wait for a business "
            "case, and it is never rolled out everywhere at once.",
            [
                ("It is tried with one patient, one shift or one clinic", True),
                ("It gives you something to learn from within days", True),
                ("It needs an approved business case before it starts", False),
                ("It is rolled out across the whole trust at once", False),
            ],
        ),
        (
            "What is a self-selecting radical?",
            "Radicals **choose themselves**: they act on something they care about without "
            "waiting to be asked or appointed.",
            [
                (
                    "Someone who acts on what they care about, without waiting to be asked",
                    True,
                ),
                ("Someone appointed to lead a change programme", False),
                ("Someone who ignores the people they work with", False),
            ],
        ),
        (
            "Why ask “What matters to you?”",
            "The question starts care and improvement from the person's own priorities, and "
            "often shows where a change is worth making. It adds to clinical assessment; it "
            "does not replace it.",
            [
                ("It starts care from the person's own priorities", True),
                ("It can show you a change worth making", True),
                ("It replaces a clinical assessment", False),
            ],
        ),
    ],
}

SPREADING = {
    "title": "Making it stick: spreading change",
    "slug": "making-it-stick-spreading-change",
    "summary": "Your idea worked on one ward. Here is how to build a coalition, tell the story "
    "and help others make the change their own.",
    "learning_outcomes": "Build a coalition of people who want the same change\n"
    "Tell the story of your change so that others want to join\n"
    "Help other teams adapt your change rather than copy it",
    "estimated_minutes": 45,
    "quiz_pass_mark": 70,
    "campaign": "change-day-2026",
    "theme": None,
    "pledge_call": "Pledge to share your change with one more team this quarter, and ask them "
    "to co-sign.",
    "lessons": [
        (
            "Build a coalition",
            "build-a-coalition",
            """Change spreads through relationships. The first person to join you matters as much
as your idea: a first follower shows everyone else that joining is safe.

Map who cares about the problem you are fixing: patients and carers, colleagues on other
shifts, the manager who signs the rota, the pharmacist who sees the errors. Ask each of them
what matters to them, and look for the overlap with your change.

A coalition is not a committee. Keep it light: a group chat, a ten-minute huddle, a shared
pledge that others co-sign.""",
        ),
        (
            "Tell the story",
            "tell-the-story",
            """Data persuades some people; stories move almost everyone. The story of a change
has three parts:

- **A story of self:** why this matters to you.
- **A story of us:** what we share, as a team or a profession.
- **A story of now:** why we must act now, and what each person can do.

Keep it short and true, name real moments (with consent), and end with a clear ask.
Then write it down as a change story, so the next team can learn from you.""",
        ),
        (
            "From one ward to many",
            "from-one-ward-to-many",
            """What worked on your ward will not work unchanged on the next one. Spreading is
not copying: each team needs to **adapt, not adopt**, keeping what made the change work and
changing the rest to fit.

Share the principle and the evidence, offer what you learnt from your small tests, and let
the next team run their own. Celebrate their version. The change has stuck when people no
longer remember that it was yours.""",
        ),
    ],
    "questions": [],
}


def _module(spec: dict, admin) -> Module:
    """The module, created and published on the first run only (an admin may archive it)."""
    module, created = Module.objects.get_or_create(
        slug=spec["slug"],
        defaults={
            key: spec[key]
            for key in (
                "title",
                "summary",
                "learning_outcomes",
                "estimated_minutes",
                "quiz_pass_mark",
                "pledge_call",
            )
        },
    )
    if not created:
        return module
    # The pledges demo (loaded before this one) has the campaign and theme, when it ran.
    module.campaign = Campaign.objects.filter(slug=spec["campaign"]).first()
    module.theme = Theme.objects.filter(slug=spec["theme"]).first() if spec["theme"] else None
    module.save(update_fields=["campaign", "theme"])
    for position, (title, slug, body) in enumerate(spec["lessons"], start=1):
        Lesson.objects.create(
            module=module, position=position, title=title, slug=slug, body=body, estimated_minutes=5
        )
    for position, (text, explanation, choices) in enumerate(spec["questions"], start=1):
        question = Question.objects.create(
            module=module, position=position, text=text, explanation=explanation
        )
        Choice.objects.bulk_create(
            Choice(question=question, position=number, text=choice, is_correct=right)
            for number, (choice, right) in enumerate(choices, start=1)
        )
    return services.module_publish(module=module, actor=admin)


def _right_answers(module: Module) -> dict[int, list[int]]:
    return {
        question.pk: [choice.pk for choice in question.choices.all() if choice.is_correct]
        for question in module.questions.prefetch_related("choices")
    }


def load(loaded: dict) -> dict:
    users = loaded["members"]["users"]
    admin, organiser, alice, bob = users["admin"], users["organiser"], users["alice"], users["bob"]

    introduction = _module(INTRODUCTION, admin)
    spreading = _module(SPREADING, admin)
    today = timezone.localdate()
    wave, _ = Cohort.objects.get_or_create(
        module=spreading,
        name="Wave 1",
        defaults={
            "starts_on": today - datetime.timedelta(days=14),
            "ends_on": today + datetime.timedelta(days=42),
        },
    )

    # Alice is part way through the introduction: two lessons done, the third opened.
    services.enrol(member=alice, module=introduction)
    lessons = list(introduction.lessons.order_by("position"))
    for lesson in lessons[:2]:
        services.lesson_complete(member=alice, lesson=lesson)
    services.lesson_open(member=alice, lesson=lessons[2])

    # The organiser finished the introduction (and has a certificate to verify).
    enrolment = services.enrol(member=organiser, module=introduction)
    for lesson in lessons:
        services.lesson_complete(member=organiser, lesson=lesson)
    if not QuizAttempt.objects.filter(enrolment=enrolment, passed=True).exists():
        services.quiz_submit(
            member=organiser, module=introduction, answers=_right_answers(introduction)
        )

    # Bob takes "Making it stick" in Wave 1, one lesson in (when the wave is running).
    if not Enrolment.objects.filter(member=bob, module=spreading).exists():
        services.enrol(
            member=bob, module=spreading, cohort=wave if wave.is_open_for_enrolment() else None
        )
    if not services.cohort_window_problem(wave):
        services.lesson_complete(member=bob, lesson=spreading.lessons.order_by("position").first())

    # Real change told by staff becomes part of the training: the demo stories, as case
    # studies of the first lesson.
    first_lesson = introduction.lessons.order_by("position").first()
    stories = list(loaded.get("stories", {}).get("stories", {}).values())
    if first_lesson is not None and stories:
        first_lesson.case_studies.add(*stories[:2])

    return {"modules": {"introduction": introduction, "spreading": spreading}, "wave": wave}
