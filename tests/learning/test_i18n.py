"""Learning in Welsh: every page's words marked for translation, real Welsh on the pages
and in the API's errors, and certificates in their holder's language."""

import datetime
import html

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from communities.models import Membership
from learning import services
from learning.models import PLEDGE_CALL_DEFAULT, Certificate, Module
from learning.pdf import certificate_pdf
from tests.factories import (
    ChoiceFactory,
    CohortFactory,
    LessonFactory,
    MembershipFactory,
    ModuleFactory,
    QuestionFactory,
    UserFactory,
)
from tests.learning.pdf_reading import pdf_text
from tests.pseudo_locale import unmarked_english

pytestmark = pytest.mark.django_db

WELSH = {"HTTP_ACCEPT_LANGUAGE": "cy"}
# The error summary's heading comes from the project's shared form macros
# (templates/jinja2/macros/forms.jinja), which the project's catalogue covers.
SHARED_MACROS = ("There is a problem",)
# A quiz sent with no answer ticked: a browser still sends the form's CSRF token.
NOTHING_CHOSEN = {"csrfmiddlewaretoken": "token"}


# --- Realistic data: a module whose every word an author wrote is listed -------------

MODULE = {
    "title": "Leading change from the edge",
    "summary": "How change spreads from the edge of an organisation, and how you start it.",
    "outcomes": ["Explain why change starts at the edge", "Plan a small test of change"],
    "lessons": [
        ("Change from the edge", "Change spreads from the edge, not from the centre."),
        ("What matters to you", "Ask people what matters to them, then listen."),
        ("Small tests of change", "Try a small test this week and see what happens."),
    ],
    "question": "Where does change usually start?",
    "choices": [("At the edge", True), ("At the board", False)],
    "explanation": "Change usually starts at the edge, away from the centre of power.",
    "wave": "Spring wave",
}


def author_words(*extra: str) -> tuple[str, ...]:
    """Everything on a learning page that an author or a member wrote, not the interface."""
    lessons = [text for lesson in MODULE["lessons"] for text in lesson]
    choices = [text for text, _right in MODULE["choices"]]
    words = [
        MODULE["title"],
        MODULE["summary"],
        *MODULE["outcomes"],
        *lessons,
        MODULE["question"],
        *choices,
        MODULE["explanation"],
        MODULE["wave"],
        *extra,
    ]
    # Longest first, so a title inside a longer sentence is not cut out of it first.
    return tuple(sorted(words, key=len, reverse=True))


@pytest.fixture
def module(db):
    module = ModuleFactory(
        title=MODULE["title"],
        slug="leading-change",
        summary=MODULE["summary"],
        learning_outcomes="\n".join(MODULE["outcomes"]),
        estimated_minutes=90,
    )
    for position, (title, body) in enumerate(MODULE["lessons"], start=1):
        LessonFactory(
            module=module, position=position, title=title, slug=f"lesson-{position}", body=body
        )
    question = QuestionFactory(
        module=module, position=1, text=MODULE["question"], explanation=MODULE["explanation"]
    )
    for position, (text, right) in enumerate(MODULE["choices"], start=1):
        ChoiceFactory(question=question, position=position, text=text, is_correct=right)
    return module


def right_answers(module) -> dict[int, list[int]]:
    return {q.pk: [c.pk for c in q.choices.all() if c.is_correct] for q in module.questions.all()}


def wrong_answers(module) -> dict[int, list[int]]:
    return {
        q.pk: [c.pk for c in q.choices.all() if not c.is_correct] for q in module.questions.all()
    }


def complete(member, module) -> Certificate:
    services.enrol(member=member, module=module)
    for lesson in module.lessons.all():
        services.lesson_complete(member=member, lesson=lesson)
    services.quiz_submit(member=member, module=module, answers=right_answers(module))
    return Certificate.objects.get(member=member, module=module)


def page_text(response) -> str:
    """The page below the header: breadcrumbs and back links, then <main>."""
    assert response.status_code in (200, 400, 404), response.status_code
    html = response.content.decode()
    return html.split("</header>", 1)[1].split("</main>", 1)[0]


def assert_all_marked(response, *allowed: str) -> None:
    text = page_text(response)
    assert "⟦" in text, "the page was not rendered in pseudo-Welsh"
    assert unmarked_english(text, allowed=author_words(*allowed) + SHARED_MACROS) == []


# --- Every page, with every string marked -----------------------------------------------


def test_the_catalogue_and_my_learning_have_every_string_marked(
    pseudo_welsh, client, client_for, module, alice, bob
):
    cohort = CohortFactory(module=module, name=MODULE["wave"])
    services.enrol(member=alice, module=module, cohort=cohort)
    services.lesson_complete(member=alice, lesson=module.lessons.first())
    second = ModuleFactory(title="Spreading change", slug="spreading")
    LessonFactory(module=second, title="Spread", body="Spread it.")
    services.enrol(member=alice, module=second)
    upcoming = CohortFactory(
        module=second,
        name="Autumn wave",
        starts_on=timezone.localdate() + datetime.timedelta(days=10),
        ends_on=timezone.localdate() + datetime.timedelta(days=40),
    )
    assert upcoming.pk
    finished = ModuleFactory(title="Finished", slug="finished")
    LessonFactory(module=finished, title="Only", body="Only lesson.")
    services.enrol(member=alice, module=finished)
    services.lesson_complete(member=alice, lesson=finished.lessons.get())
    summary = "How change spreads from the edge, and how to start it."  # ModuleFactory's
    extra = ("Spreading change", "Spread", "Autumn wave", "Finished", "Only", alice.display_name)

    assert_all_marked(client.get(reverse("learning:catalogue"), **WELSH), *extra, summary)
    member = client_for(alice)
    assert_all_marked(member.get(reverse("learning:catalogue"), **WELSH), *extra, summary)
    assert_all_marked(member.get(reverse("learning:my_learning"), **WELSH), *extra)
    assert_all_marked(client_for(bob).get(reverse("learning:my_learning"), **WELSH))


def test_an_empty_catalogue_has_every_string_marked(pseudo_welsh, client):
    assert_all_marked(client.get(reverse("learning:catalogue"), **WELSH))


def test_the_module_page_has_every_string_marked_for_everyone(
    pseudo_welsh, client, client_for, module, alice, bob, admin_user
):
    url = reverse("learning:module", args=[module.slug])
    CohortFactory(module=module, name=MODULE["wave"])

    # Anonymous: log in or create an account to enrol.
    assert_all_marked(client.get(url, **WELSH))
    # A member who has not enrolled: the enrol form, and the same form with an error.
    member = client_for(bob)
    assert_all_marked(member.get(url, **WELSH), bob.display_name)
    refused = member.post(reverse("learning:enrol", args=[module.slug]), {}, **WELSH)
    assert refused.status_code == 400
    assert_all_marked(refused, bob.display_name)
    # Enrolled, in progress, with a failed attempt.
    services.enrol(member=alice, module=module)
    services.lesson_complete(member=alice, lesson=module.lessons.first())
    services.quiz_submit(member=alice, module=module, answers=wrong_answers(module))
    member = client_for(alice)
    assert_all_marked(member.get(url, **WELSH), alice.display_name)
    # Complete, with the certificate and the closing call to pledge.
    complete(alice, module)
    html = member.get(url, **WELSH)
    assert "⟦Make a pledge⟧" in html.content.decode()
    assert_all_marked(html, alice.display_name)
    # An admin previewing a draft, and an archived module.
    draft = ModuleFactory(
        title="Draft module",
        slug="draft",
        status=Module.Status.DRAFT,
        summary=MODULE["summary"],
        learning_outcomes="\n".join(MODULE["outcomes"]),
    )
    LessonFactory(module=draft, title="Draft lesson", slug="draft-lesson", body="Draft.")
    admin = client_for(admin_user)
    assert_all_marked(
        admin.get(reverse("learning:module", args=[draft.slug]), **WELSH),
        "Draft module",
        "Draft lesson",
        admin_user.display_name,
    )
    Module.objects.filter(pk=module.pk).update(status=Module.Status.ARCHIVED)
    assert_all_marked(admin.get(url, **WELSH), admin_user.display_name)


def test_a_wave_not_started_yet_is_explained_with_every_string_marked(
    pseudo_welsh, client_for, module, alice
):
    cohort = CohortFactory(
        module=module,
        name=MODULE["wave"],
        starts_on=timezone.localdate() + datetime.timedelta(days=3),
        ends_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    services.enrol(member=alice, module=module, cohort=cohort)
    member = client_for(alice)

    for name, args in (
        ("learning:module", [module.slug]),
        ("learning:lesson", [module.slug, "lesson-1"]),
        ("learning:quiz", [module.slug]),
    ):
        assert_all_marked(member.get(reverse(name, args=args), **WELSH), alice.display_name)


def test_lessons_have_every_string_marked(
    pseudo_welsh, client_for, module, alice, admin_user, story
):
    module.lessons.get(slug="lesson-2").case_studies.add(story)
    services.enrol(member=alice, module=module)
    member = client_for(alice)
    story_words = (story.title, story.summary)

    for slug in ("lesson-1", "lesson-2", "lesson-3"):
        url = reverse("learning:lesson", args=[module.slug, slug])
        assert_all_marked(member.get(url, **WELSH), alice.display_name, *story_words)
    # Marking a lesson done: the next page, and the lesson again with its "done" tag.
    done = member.post(
        reverse("learning:lesson_complete", args=[module.slug, "lesson-1"]), follow=True, **WELSH
    )
    assert_all_marked(done, alice.display_name, *story_words)
    again = member.get(reverse("learning:lesson", args=[module.slug, "lesson-1"]), **WELSH)
    assert "⟦Completed⟧" in again.content.decode()
    assert_all_marked(again, alice.display_name)
    # An admin's preview, without enrolling.
    preview = client_for(admin_user).get(
        reverse("learning:lesson", args=[module.slug, "lesson-3"]), **WELSH
    )
    assert_all_marked(preview, admin_user.display_name)


def test_the_quiz_and_its_results_have_every_string_marked(pseudo_welsh, client_for, module, alice):
    services.enrol(member=alice, module=module)
    member = client_for(alice)
    url = reverse("learning:quiz", args=[module.slug])

    assert_all_marked(member.get(url, **WELSH), alice.display_name)
    unanswered = member.post(url, NOTHING_CHOSEN, **WELSH)
    assert unanswered.status_code == 400
    assert_all_marked(unanswered, alice.display_name)
    question = module.questions.get()
    wrong = question.choices.get(is_correct=False)
    failed = member.post(url, {f"question_{question.pk}": [wrong.pk]}, follow=True, **WELSH)
    assert_all_marked(failed, alice.display_name)
    assert_all_marked(member.get(url, **WELSH), alice.display_name)
    for lesson in module.lessons.all():
        services.lesson_complete(member=alice, lesson=lesson)
    right = question.choices.get(is_correct=True)
    passed = member.post(url, {f"question_{question.pk}": [right.pk]}, follow=True, **WELSH)
    assert "⟦You passed: 100%⟧" in passed.content.decode()
    assert_all_marked(passed, alice.display_name)


def test_a_passed_quiz_with_lessons_still_to_do_has_every_string_marked(
    pseudo_welsh, client_for, module, alice
):
    services.enrol(member=alice, module=module)
    attempt = services.quiz_submit(member=alice, module=module, answers=right_answers(module))

    page = client_for(alice).get(reverse("learning:attempt", args=[attempt.pk]), **WELSH)

    assert_all_marked(page, alice.display_name)


def test_certificates_and_their_verification_have_every_string_marked(
    pseudo_welsh, client, client_for, module, alice, admin_user
):
    certificate = complete(alice, module)
    holder = client_for(alice)
    name = alice.get_full_name()

    assert_all_marked(holder.get(certificate.get_absolute_url(), **WELSH), name)
    assert_all_marked(client.get(reverse("learning:verify"), **WELSH))
    assert_all_marked(client.get(reverse("learning:verify"), {"code": "abc"}, **WELSH))
    code = certificate.display_code
    assert_all_marked(client.get(reverse("learning:verify_code", args=[code]), **WELSH), name)
    assert_all_marked(client.get(reverse("learning:verify_code", args=["12345"]), **WELSH))
    unknown = client.get(reverse("learning:verify_code", args=["ZZZZ-ZZZZ-ZZZZ-ZZZZ"]), **WELSH)
    assert unknown.status_code == 404
    assert_all_marked(unknown)

    services.certificate_revoke(certificate=certificate, actor=admin_user, reason="Issued twice")
    assert_all_marked(holder.get(certificate.get_absolute_url(), **WELSH), name, "Issued twice")
    refused = holder.get(
        reverse("learning:certificate_pdf", args=[certificate.pk]), follow=True, **WELSH
    )
    assert_all_marked(refused, name, "Issued twice")
    client.logout()
    assert_all_marked(client.get(reverse("learning:verify_code", args=[code]), **WELSH), name)


def test_the_organisers_progress_page_has_every_string_marked(
    pseudo_welsh, client_for, module, community, olivia
):
    organiser = client_for(olivia)
    url = reverse("learning:community_progress", args=[community.slug])
    assert_all_marked(organiser.get(url, **WELSH), community.name, olivia.display_name)

    cohort = CohortFactory(module=module, name=MODULE["wave"])
    names = []
    # One more member than fits on a page, so the page links to the next.
    for number in range(51):
        member = UserFactory(display_name=f"Nurse {number:02d}")
        MembershipFactory(community=community, member=member, role=Membership.Role.MEMBER)
        services.enrol(member=member, module=module, cohort=cohort if number % 2 else None)
        names.append(member.display_name)
    names.sort(key=len, reverse=True)

    first = organiser.get(url, **WELSH)
    assert "⟦Next<span" in first.content.decode()
    assert_all_marked(first, community.name, olivia.display_name, *names)
    second = organiser.get(url, {"page": 2}, **WELSH)
    assert "⟦Previous<span" in second.content.decode()
    assert_all_marked(second, community.name, olivia.display_name, *names)


def test_learning_sections_on_profiles_and_communities_have_every_string_marked(
    pseudo_welsh, module, alice, community
):
    certificate = complete(alice, module)
    with translation.override("cy"):
        profile = render_to_string(
            "learning/profile_section.jinja",
            {"ctx": {"completed": 1, "certificates": [certificate]}},
        )
        section = render_to_string(
            "learning/community_section.jinja", {"ctx": {"community": community}}
        )
    assert unmarked_english(profile, allowed=author_words()) == []
    assert "⟦" in section and unmarked_english(section) == []


# --- Real Welsh ---------------------------------------------------------------------------


def test_a_welsh_reader_sees_the_learning_pages_in_welsh(client, client_for, module, alice):
    catalogue = client.get(reverse("learning:catalogue"), **WELSH).content.decode()
    assert "Dysgu: yr Ysgol i Asiantau Newid" in catalogue
    assert "3 gwers a chwis, tua 1.5 awr." in catalogue

    services.enrol(member=alice, module=module)
    alice.language = "cy"
    alice.save(update_fields=["language"])
    page = client_for(alice).get(reverse("learning:module", args=[module.slug])).content.decode()
    assert "Eich cynnydd" in page and "0 o 4 cam wedi'u gwneud (0%)" in page
    assert MODULE["title"] in page


def test_the_default_closing_call_follows_the_readers_language(module):
    assert module.pledge_call == PLEDGE_CALL_DEFAULT
    with translation.override("cy"):
        assert module.pledge_call_text.startswith("Mae'r syniadau gennych chi.")
    assert module.pledge_call_text == PLEDGE_CALL_DEFAULT
    module.pledge_call = "Pledge to try one small test this month."
    with translation.override("cy"):
        assert module.pledge_call_text == "Pledge to try one small test this month."


def test_a_welsh_form_error_is_in_welsh(client_for, module, alice):
    services.enrol(member=alice, module=module)
    page = client_for(alice).post(
        reverse("learning:quiz", args=[module.slug]), NOTHING_CHOSEN, **WELSH
    )

    assert page.status_code == 400
    assert "Dewiswch o leiaf un ateb i gwestiwn 1." in page.content.decode()


def test_the_api_answers_a_welsh_reader_in_welsh(api_for, api_client, module, alice, bob):
    refused = api_for(bob).get(
        reverse("api:learning-questions", args=[module.slug]), HTTP_ACCEPT_LANGUAGE="cy"
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        f"Cofrestrwch ar “{module.title}” i agor ei wersi a'i gwis."
    )

    services.enrol(member=alice, module=module)
    question = module.questions.get()
    unanswered = api_for(alice).post(
        reverse("api:learning-attempts", args=[module.slug]),
        {"answers": [{"question": question.pk, "choices": []}]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="cy",
    )
    assert unanswered.status_code == 400
    assert unanswered.json() == {
        f"question_{question.pk}": ["Dewiswch o leiaf un ateb i gwestiwn 1."]
    }

    unknown = api_client.get(
        reverse("api:learning-verify", args=["ZZZZ-ZZZZ-ZZZZ-ZZZZ"]), HTTP_ACCEPT_LANGUAGE="cy"
    )
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "Nid oes gan unrhyw dystysgrif y cod hwn."

    english = api_for(bob).get(reverse("api:learning-questions", args=[module.slug]))
    assert english.json()["detail"] == f"Enrol in “{module.title}” to open its lessons and quiz."


def test_the_organisers_csv_speaks_the_readers_language(client_for, module, community, olivia):
    olivia.language = "cy"
    olivia.save(update_fields=["language"])
    services.enrol(member=olivia, module=module)

    body = (
        client_for(olivia)
        .get(reverse("learning:community_progress_csv", args=[community.slug]))
        .content.decode()
    )

    header, row = body.splitlines()[:2]
    assert header.startswith("Aelod,Sefydliad,Modiwl,Ton,Statws")
    assert "Cyflymder personol,Wedi cofrestru" in row


def test_completion_is_announced_in_the_members_own_language(client_for, module, alice):
    from notifications.models import Notification

    alice.language = "cy"
    alice.save(update_fields=["language"])
    services.enrol(member=alice, module=module)
    for lesson in module.lessons.all():
        services.lesson_complete(member=alice, lesson=lesson)

    # An English-speaking request completes it: the notice is still in Welsh.
    with translation.override("en-gb"):
        services.quiz_submit(member=alice, module=module, answers=right_answers(module))

    notice = Notification.objects.get(recipient=alice, kind="certificate_issued")
    assert notice.title == f"Rydych chi wedi cwblhau “{module.title}”"
    assert "Mae eich tystysgrif ar gyfer" in notice.body


# --- The certificate PDF -------------------------------------------------------------------


def test_a_welsh_members_certificate_is_in_welsh_with_every_welsh_letter(module):
    gwen = UserFactory(display_name="Gwenllïan ap Dŵr Ŷw Môn", language="cy")
    certificate = complete(gwen, module)

    with translation.override("en-gb"):
        text = pdf_text(certificate_pdf(certificate=certificate))

    assert "Tystysgrif cwblhau" in text
    assert "Mae hyn yn tystio bod" in text
    assert "Gwenllïan ap Dŵr Ŷw Môn" in text
    assert "wedi cwblhau'r modiwl dysgu" in text
    assert MODULE["title"] in text
    with translation.override("cy"):
        completed = certificate.completed_on
        from django.utils.formats import date_format

        assert f"ar {date_format(completed, 'j F Y')} – amser dysgu 1.5 awr" in text
    assert f"Cod dilysu: {certificate.display_code}" in text
    assert "Gwiriwch fod y dystysgrif hon yn ddilys yn" in text
    assert "Certificate of completion" not in text


def test_an_english_members_certificate_is_in_english_whatever_the_page_language(module, alice):
    alice.display_name = "Siân Ŵyn"
    alice.save()
    certificate = complete(alice, module)

    with translation.override("cy"):
        text = pdf_text(certificate_pdf(certificate=certificate))

    completed = certificate.completed_on
    assert "Certificate of completion" in text and "This certifies that" in text
    assert "Siân Ŵyn" in text and "completed the learning module" in text
    assert f"on {completed.day} {completed:%B %Y} – learning time 1.5 hours" in text
    assert f"Verification code: {certificate.display_code}" in text
    assert "Tystysgrif" not in text


def test_the_admin_speaks_welsh_to_a_welsh_admin(client_for, module, alice, admin_user):
    certificate = complete(alice, module)
    admin_user.language = "cy"
    admin_user.save(update_fields=["language"])
    admin = client_for(admin_user)

    def text(response) -> str:
        return html.unescape(response.content.decode())

    modules = text(admin.get(reverse("admin:learning_module_changelist")))
    change = text(admin.get(reverse("admin:learning_module_change", args=[module.pk])))
    revoke = text(
        admin.post(
            reverse("admin:learning_certificate_changelist"),
            {"action": "revoke", "_selected_action": [certificate.pk]},
        )
    )

    assert "Cyhoeddi'r modiwlau a ddewiswyd" in modules and "Rhagolwg" in modules
    assert "Amser a chwis" in change and "Galwad olaf i wneud addewid" in change
    assert "Marc llwyddo'r cwis (%)" in change
    assert "Pam mae'r tystysgrifau hyn yn cael eu dirymu?" in revoke
    assert "Nid oes modd dadwneud hyn yma." in revoke and 'value="Dirymu"' in revoke


def test_the_home_pages_learning_totals_are_counted_in_welsh(module, alice, rf):
    from django.contrib.auth.models import AnonymousUser

    from kernel import sections

    complete(alice, module)
    request = rf.get("/")
    request.user = AnonymousUser()
    with translation.override("cy"):
        labels = [figure.label for figure in sections.home_figures.collect(request=request)]

    assert "modiwlau dysgu ar gael" in labels or "modiwl dysgu ar gael" in labels
    assert "learning modules available" not in labels and "modules completed" not in labels
