"""Learning pages: catalogue, module, lessons, quiz, my learning, certificates,
verification and the organisers' progress view."""

import csv
import datetime
import io
import re

import pytest
from django.contrib.admin.sites import AdminSite
from django.contrib.messages.storage.fallback import FallbackStorage
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities.models import Community, Membership
from learning import pledge_call, services
from learning.admin import CertificateAdmin
from learning.models import Certificate, Enrolment, LessonProgress, Module, QuizAttempt
from learning.pdf import certificate_pdf
from members.models import User
from tests.factories import (
    CampaignFactory,
    ChoiceFactory,
    CohortFactory,
    LessonFactory,
    ModuleFactory,
    QuestionFactory,
    ThemeFactory,
    UserFactory,
)
from tests.learning.pdf_reading import pdf_text

pytestmark = pytest.mark.django_db


def right_answers(module) -> dict[int, list[int]]:
    return {q.pk: [c.pk for c in q.choices.all() if c.is_correct] for q in module.questions.all()}


def complete(member, module) -> Certificate:
    services.enrol(member=member, module=module)
    for lesson in module.lessons.all():
        services.lesson_complete(member=member, lesson=lesson)
    if module.questions.exists():
        services.quiz_submit(member=member, module=module, answers=right_answers(module))
    return Certificate.objects.get(member=member, module=module)


def quiz_post(module, answers) -> dict:
    return {f"question_{q}": [str(c) for c in chosen] for q, chosen in answers.items()}


# --- Catalogue and module page --------------------------------------------------------


def test_the_catalogue_lists_published_modules_only(client, learning_module):
    ModuleFactory(title="Secret draft", status=Module.Status.DRAFT)
    ModuleFactory(title="Old module", status=Module.Status.ARCHIVED)

    response = client.get(reverse("learning:catalogue"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Introduction to leading change" in page
    assert "3 lessons and a quiz" in page
    assert "Secret draft" not in page and "Old module" not in page


def test_the_catalogue_shows_a_members_progress(
    client_for, learning_enrolment, learning_module, alice
):
    services.lesson_complete(member=alice, lesson=learning_module.lessons.first())

    page = client_for(alice).get(reverse("learning:catalogue")).content.decode()

    assert "In progress" in page
    assert "25% done" in page


def _catalogue_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("learning:catalogue")).status_code == 200
    return len(queries)


def test_the_catalogue_makes_the_same_number_of_queries_however_many_modules(client_for, alice):
    def add_module():
        module = ModuleFactory(campaign=CampaignFactory(), theme=ThemeFactory())
        LessonFactory.create_batch(2, module=module)
        CohortFactory(module=module)
        services.enrol(member=alice, module=module)

    client = client_for(alice)
    add_module()
    few = _catalogue_queries(client)
    for _ in range(4):
        add_module()

    assert _catalogue_queries(client) == few


def test_the_module_page_makes_the_same_number_of_queries_however_many_lessons(
    client_for, learning_enrolment, learning_module, alice
):
    client = client_for(alice)
    url = reverse("learning:module", args=[learning_module.slug])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    learning_module.campaign = CampaignFactory()
    learning_module.theme = ThemeFactory()
    learning_module.save()
    services.lesson_complete(member=alice, lesson=learning_module.lessons.first())
    services.quiz_submit(
        member=alice, module=learning_module, answers=right_answers(learning_module)
    )
    few = count()
    for _ in range(5):
        lesson = LessonFactory(module=learning_module)
        services.lesson_complete(member=alice, lesson=lesson)
        CohortFactory(module=learning_module)
    services.quiz_submit(
        member=alice, module=learning_module, answers=right_answers(learning_module)
    )

    assert count() == few


def test_the_module_page_shows_outcomes_lessons_and_how_to_enrol(
    client_for, learning_module, alice
):
    CohortFactory(module=learning_module, name="Wave 1")

    page = (
        client_for(alice)
        .get(reverse("learning:module", args=[learning_module.slug]))
        .content.decode()
    )

    assert "What you will learn" in page
    assert "Plan a small test of change" in page
    assert "Change from the edge" in page
    assert "At my own pace" in page and "Wave 1:" in page
    assert "Enrol in this module" in page


def test_a_visitor_is_asked_to_log_in_to_enrol(client, learning_module):
    page = client.get(reverse("learning:module", args=[learning_module.slug])).content.decode()

    assert "to enrol" in page
    assert "Enrol in this module" not in page


def test_drafts_are_hidden_from_members_and_previewed_by_admins(client_for, alice, admin_user):
    draft = ModuleFactory(title="Work in progress", status=Module.Status.DRAFT)
    lesson = LessonFactory(module=draft, title="Draft lesson", body="Draft words")

    assert client_for(alice).get(reverse("learning:module", args=[draft.slug])).status_code == 404
    admin_client = client_for(admin_user)
    page = admin_client.get(reverse("learning:module", args=[draft.slug])).content.decode()
    assert "Preview" in page and "Work in progress" in page
    lesson_page = admin_client.get(lesson.get_absolute_url()).content.decode()
    assert "Draft words" in lesson_page
    assert not Enrolment.objects.exists()


# --- Enrolling --------------------------------------------------------------------------


def test_a_member_enrols_at_their_own_pace(client_for, learning_module, alice):
    response = client_for(alice).post(
        reverse("learning:enrol", args=[learning_module.slug]), {"cohort": "self"}
    )

    assert response.status_code == 302
    assert Enrolment.objects.get(member=alice).cohort is None


def test_a_member_enrols_in_a_wave(client_for, learning_module, alice):
    wave = CohortFactory(module=learning_module)

    client_for(alice).post(
        reverse("learning:enrol", args=[learning_module.slug]), {"cohort": wave.pk}
    )

    assert Enrolment.objects.get(member=alice).cohort == wave


def test_a_closed_or_foreign_wave_cannot_be_chosen(client_for, learning_module, alice):
    closed = CohortFactory(
        module=learning_module,
        starts_on=timezone.localdate() - datetime.timedelta(days=30),
        ends_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    foreign = CohortFactory()
    client = client_for(alice)

    for choice in (closed.pk, foreign.pk, "nonsense"):
        response = client.post(
            reverse("learning:enrol", args=[learning_module.slug]), {"cohort": choice}
        )
        assert response.status_code == 400
        assert "There is a problem" in response.content.decode()

    assert not Enrolment.objects.exists()


# --- Lessons ---------------------------------------------------------------------------


def test_a_lesson_of_an_unenrolled_module_sends_the_member_to_enrol(
    client_for, learning_module, alice
):
    lesson = learning_module.lessons.first()

    response = client_for(alice).get(lesson.get_absolute_url(), follow=True)

    assert (
        "Enrol in “Introduction to leading change” to open its lessons."
        in response.content.decode()
    )
    assert not LessonProgress.objects.exists()


def test_marking_an_unenrolled_lesson_done_is_refused(client_for, learning_module, alice):
    lesson = learning_module.lessons.first()

    response = client_for(alice).post(
        reverse("learning:lesson_complete", args=[learning_module.slug, lesson.slug]), follow=True
    )

    assert "Enrol in “Introduction to leading change” before you start its lessons." in (
        response.content.decode()
    )
    assert not LessonProgress.objects.exists()
    assert not Enrolment.objects.exists()


def test_a_lesson_renders_sanitised_markdown_with_previous_and_next(
    client_for, learning_enrolment, learning_module, alice
):
    first, second, third = learning_module.lessons.order_by("position")
    second.body = "Ask **what matters to you**.\n\n<script>alert(1)</script>"
    second.save()

    response = client_for(alice).get(second.get_absolute_url())

    page = response.content.decode()
    assert "<strong>what matters to you</strong>" in page
    assert "<script>alert(1)</script>" not in page
    assert first.get_absolute_url() in page and third.get_absolute_url() in page
    assert "lesson 2 of 3" in page
    progress = LessonProgress.objects.get(lesson=second)
    assert progress.opened_at and progress.completed_at is None


def test_marking_lessons_done_moves_on_and_the_last_leads_to_the_quiz(
    client_for, learning_enrolment, learning_module, alice
):
    client = client_for(alice)
    first, second, third = learning_module.lessons.order_by("position")

    response = client.post(
        reverse("learning:lesson_complete", args=[learning_module.slug, first.slug])
    )
    assert response.url == second.get_absolute_url()
    response = client.post(
        reverse("learning:lesson_complete", args=[learning_module.slug, third.slug])
    )
    assert response.url == reverse("learning:quiz", args=[learning_module.slug])

    assert LessonProgress.objects.filter(completed_at__isnull=False).count() == 2
    module_page = client.get(
        reverse("learning:module", args=[learning_module.slug])
    ).content.decode()
    assert "Continue: What matters" in module_page
    assert "2 of 4 steps done (50%)" in module_page


# --- Quiz ----------------------------------------------------------------------------------


def test_no_page_shows_the_right_answers_or_explanations_before_an_attempt(
    client_for, learning_enrolment, learning_module, alice
):
    client = client_for(alice)
    urls = [
        reverse("learning:catalogue"),
        reverse("learning:module", args=[learning_module.slug]),
        reverse("learning:quiz", args=[learning_module.slug]),
        reverse("learning:my_learning"),
        *(lesson.get_absolute_url() for lesson in learning_module.lessons.all()),
    ]
    for url in urls:
        page = client.get(url).content.decode()
        assert "at the edge</em>" not in page and "quick, cheap and local" not in page, url
        assert "is_correct" not in page and "correct" not in page.lower(), url


def test_right_and_wrong_answers_look_the_same_on_the_quiz_page(
    client_for, learning_enrolment, learning_module, alice
):
    page = (
        client_for(alice)
        .get(reverse("learning:quiz", args=[learning_module.slug]))
        .content.decode()
    )

    shapes = set()
    for question in learning_module.questions.all():
        for choice in question.choices.all():
            [tag] = re.findall(rf'<input[^>]*value="{choice.pk}"[^>]*>', page)
            shape = re.sub(r'(id|value|name)="[^"]*"', "", tag)
            shapes.add(re.sub(r"\s+", " ", shape))
    assert len(shapes) == 1


def test_every_question_is_a_checkbox_group_whatever_its_number_of_right_answers(
    client_for, learning_enrolment, learning_module, alice
):
    page = (
        client_for(alice)
        .get(reverse("learning:quiz", args=[learning_module.slug]))
        .content.decode()
    )

    assert page.count('type="checkbox"') == 5
    assert 'type="radio"' not in page


def test_submitting_the_quiz_shows_the_result_and_explanations(
    client_for, learning_enrolment, learning_module, alice
):
    client = client_for(alice)
    single, multi = learning_module.questions.order_by("position")
    answers = right_answers(learning_module)
    answers[multi.pk] = answers[multi.pk][:1]  # one of two right answers: not right

    response = client.post(
        reverse("learning:quiz", args=[learning_module.slug]), quiz_post(learning_module, answers)
    )

    attempt = QuizAttempt.objects.get()
    assert response.url == reverse("learning:attempt", args=[attempt.pk])
    page = client.get(response.url).content.decode()
    assert "You scored 50%" in page
    assert "<em>at the edge</em>" in page
    assert "quick, cheap and local" in page
    assert "Try the quiz again" in page


def test_an_unanswered_question_re_renders_the_quiz_with_what_was_chosen(
    client_for, learning_enrolment, learning_module, alice
):
    single, multi = learning_module.questions.order_by("position")
    chosen = single.choices.first()

    response = client_for(alice).post(
        reverse("learning:quiz", args=[learning_module.slug]),
        {f"question_{single.pk}": [str(chosen.pk)]},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Choose at least one answer to question 2." in page
    assert f'value="{chosen.pk}" checked' in page
    assert not QuizAttempt.objects.exists()


def test_a_choice_from_another_module_is_refused_on_the_quiz_page(
    client_for, learning_enrolment, learning_module, alice
):
    foreign = ChoiceFactory(question=QuestionFactory(), is_correct=True)
    answers = right_answers(learning_module)
    single = learning_module.questions.order_by("position").first()
    answers[single.pk] = [foreign.pk]

    response = client_for(alice).post(
        reverse("learning:quiz", args=[learning_module.slug]), quiz_post(learning_module, answers)
    )

    assert response.status_code == 400
    assert "Choose from the answers given for question 1." in response.content.decode()
    assert not QuizAttempt.objects.exists()


def test_a_quiz_in_a_closed_wave_says_so_and_stores_nothing(client_for, learning_module, alice):
    wave = CohortFactory(module=learning_module, name="Wave 1")
    services.enrol(member=alice, module=learning_module, cohort=wave)
    wave.starts_on = timezone.localdate() - datetime.timedelta(days=40)
    wave.ends_on = timezone.localdate() - datetime.timedelta(days=1)
    wave.save()
    client = client_for(alice)

    page = client.get(reverse("learning:quiz", args=[learning_module.slug])).content.decode()
    response = client.post(
        reverse("learning:quiz", args=[learning_module.slug]),
        quiz_post(learning_module, right_answers(learning_module)),
    )

    assert "Wave 1 closed on" in page
    assert response.status_code == 400
    assert "Wave 1 closed on" in response.content.decode()
    assert not QuizAttempt.objects.exists()


def test_another_members_attempt_is_not_found(
    client_for, learning_enrolment, learning_module, alice, bob
):
    attempt = services.quiz_submit(
        member=alice, module=learning_module, answers=right_answers(learning_module)
    )

    assert client_for(bob).get(reverse("learning:attempt", args=[attempt.pk])).status_code == 404


# --- Completion, certificates and verification -----------------------------------------------


def test_completing_the_module_shows_the_certificate_and_the_pdf_downloads(
    client_for, learning_module, alice
):
    certificate = complete(alice, learning_module)
    client = client_for(alice)

    module_page = client.get(
        reverse("learning:module", args=[learning_module.slug])
    ).content.decode()
    certificate_page = client.get(certificate.get_absolute_url()).content.decode()
    pdf = client.get(reverse("learning:certificate_pdf", args=[certificate.pk]))

    assert "Module complete" in module_page
    assert certificate.get_absolute_url() in module_page
    assert "Alice Ahmed" in certificate_page and certificate.display_code in certificate_page
    assert "1.5 hours" in certificate_page
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert "no-store" in pdf["Cache-Control"]  # a personal document: never kept by a cache
    assert pdf.content.startswith(b"%PDF")


def test_the_pdf_holds_the_name_module_date_hours_and_code(learning_module, alice):
    certificate = complete(alice, learning_module)

    text = pdf_text(certificate_pdf(certificate=certificate))

    assert "Alice Ahmed" in text
    assert "Introduction to leading change" in text
    assert "1.5 hours" in text
    assert certificate.display_code in text
    assert f"{certificate.completed_on.day} {certificate.completed_on:%B %Y}" in text


def test_the_same_certificate_is_the_same_file_whenever_it_is_drawn(learning_module, alice):
    certificate = complete(alice, learning_module)
    certificate.issued_at = datetime.datetime(2025, 1, 2, 10, 30, tzinfo=datetime.UTC)
    certificate.save(update_fields=["issued_at"])

    first = certificate_pdf(certificate=certificate)

    # Dated by the issue, not by the drawing, so a copy matches any other copy.
    assert b"/CreationDate (D:20250102103000Z)" in first
    assert certificate_pdf(certificate=certificate) == first


def test_the_pdf_copes_with_names_beyond_latin_1(learning_module, alice):
    alice.display_name = "Zoë Łukasz “Ziggy” 李"
    alice.save()
    certificate = complete(alice, learning_module)

    text = pdf_text(certificate_pdf(certificate=certificate))

    # The font draws Ł and typographic quotes; a script it lacks comes out as "?".
    assert "Zo\xeb \u0141ukasz \u201cZiggy\u201d ?" in text


def test_a_certificate_is_seen_only_by_its_holder_and_admins(
    client_for, learning_module, alice, bob, admin_user
):
    certificate = complete(alice, learning_module)

    assert client_for(bob).get(certificate.get_absolute_url()).status_code == 404
    assert (
        client_for(bob).get(reverse("learning:certificate_pdf", args=[certificate.pk])).status_code
        == 404
    )
    assert client_for(admin_user).get(certificate.get_absolute_url()).status_code == 200


def test_the_public_verification_page_confirms_a_genuine_certificate(
    client, learning_module, alice
):
    certificate = complete(alice, learning_module)

    response = client.get(reverse("learning:verify_code", args=[certificate.display_code]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "This certificate is genuine" in page
    assert "Alice Ahmed" in page and "Introduction to leading change" in page


def test_verification_shows_the_name_only_as_the_holder_allows(client, learning_module, alice):
    alice.name_visibility = User.NameVisibility.HIDDEN
    alice.save()
    certificate = complete(alice, learning_module)

    page = client.get(
        reverse("learning:verify_code", args=[certificate.display_code])
    ).content.decode()

    assert "This certificate is genuine" in page
    assert "Alice Ahmed" not in page
    assert "chosen not to show their name" in page


def test_an_unknown_or_tampered_code_is_not_found(client, learning_module, alice):
    certificate = complete(alice, learning_module)
    tampered = certificate.display_code[:-1] + ("A" if certificate.display_code[-1] != "A" else "B")

    for code in (tampered, "ZZZZ-ZZZZ-ZZZZ-ZZZZ", "12345"):
        response = client.get(reverse("learning:verify_code", args=[code]))
        assert response.status_code == 404
        assert "We could not find that certificate" in response.content.decode()
        assert "Alice Ahmed" not in response.content.decode()
    certificate.refresh_from_db()
    assert not certificate.is_revoked


def test_a_revoked_certificate_shows_as_revoked_and_cannot_be_downloaded(
    client, client_for, learning_module, alice, admin_user
):
    certificate = complete(alice, learning_module)
    services.certificate_revoke(certificate=certificate, actor=admin_user, reason="Issued in error")

    page = client.get(
        reverse("learning:verify_code", args=[certificate.display_code])
    ).content.decode()
    pdf = client_for(alice).get(reverse("learning:certificate_pdf", args=[certificate.pk]))

    assert "This certificate was revoked" in page
    assert "genuine" not in page
    assert pdf.status_code == 302


def test_the_verify_form_takes_a_typed_code_and_explains_a_bad_one(client, learning_module, alice):
    certificate = complete(alice, learning_module)

    found = client.get(reverse("learning:verify"), {"code": certificate.code.lower()})
    bad = client.get(reverse("learning:verify"), {"code": "abc"})

    assert found.url == reverse("learning:verify_code", args=[certificate.display_code])
    assert bad.status_code == 400
    assert "16 letters and numbers" in bad.content.decode()
    assert 'value="abc"' in bad.content.decode()


def test_an_admin_revokes_certificates_from_the_admin_with_a_reason(
    learning_module, alice, admin_user
):
    certificate = complete(alice, learning_module)
    model_admin = CertificateAdmin(Certificate, AdminSite())
    request = RequestFactory().post(
        "/", {"reason": "Completed by someone else", "action": "revoke"}
    )
    request.user = admin_user
    request.session = {}
    request._messages = FallbackStorage(request)

    asked = model_admin.revoke(
        _request_without_reason(admin_user), Certificate.objects.filter(pk=certificate.pk)
    )
    assert asked.status_code == 200
    certificate.refresh_from_db()
    assert not certificate.is_revoked

    model_admin.revoke(request, Certificate.objects.filter(pk=certificate.pk))

    certificate.refresh_from_db()
    assert certificate.is_revoked
    assert certificate.revoked_reason == "Completed by someone else"
    assert certificate.revoked_by == admin_user


def _request_without_reason(user):
    request = RequestFactory().post("/", {"action": "revoke"})
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_the_admin_pages_for_learning_load(client_for, learning_module, alice, admin_user):
    certificate = complete(alice, learning_module)
    client = client_for(admin_user)

    for url in (
        reverse("admin:learning_module_changelist"),
        reverse("admin:learning_module_change", args=[learning_module.pk]),
        reverse("admin:learning_question_change", args=[learning_module.questions.first().pk]),
        reverse("admin:learning_certificate_changelist") + f"?q={certificate.display_code}",
        reverse("admin:learning_enrolment_changelist"),
        reverse("admin:learning_quizattempt_changelist"),
    ):
        assert client.get(url).status_code == 200, url


# --- My learning, profile and home page -----------------------------------------------------


def test_my_learning_lists_progress_and_certificates(client_for, learning_module, alice):
    certificate = complete(alice, learning_module)
    other = ModuleFactory(title="Making it stick")
    LessonFactory.create_batch(2, module=other)
    services.enrol(member=alice, module=other)
    services.lesson_complete(member=alice, lesson=other.lessons.first())

    page = client_for(alice).get(reverse("learning:my_learning")).content.decode()

    assert "Making it stick" in page and "1 of 2 lessons done" in page
    assert certificate.get_absolute_url() in page


def test_the_profile_shows_completed_modules_with_verification_links(
    client, learning_module, alice
):
    certificate = complete(alice, learning_module)

    page = client.get(reverse("members:profile", args=[alice.pk])).content.decode()

    assert "1 module completed" in page
    assert certificate.verify_url in page


def test_the_home_page_counts_modules_and_completions(client, learning_module, alice):
    complete(alice, learning_module)

    page = client.get(reverse("home")).content.decode()

    assert "learning modules available" in page
    assert "modules completed" in page


# --- Organisers ------------------------------------------------------------------------------


@pytest.fixture
def community(alice, bob, charlie):
    """Charlie organises the Ward 7 community; Alice and Bob are members."""
    community = Community.objects.create(name="Ward 7 radicals", slug="ward-7")
    Membership.objects.create(community=community, member=charlie, role=Membership.Role.ORGANISER)
    Membership.objects.create(community=community, member=alice)
    Membership.objects.create(community=community, member=bob)
    return community


def test_organisers_see_their_members_learning(
    client_for, community, learning_module, alice, bob, charlie
):
    complete(alice, learning_module)
    services.enrol(member=bob, module=learning_module)
    outsider = UserFactory(display_name="Olive Outsider")
    services.enrol(member=outsider, module=learning_module)

    response = client_for(charlie).get(
        reverse("learning:community_progress", args=[community.slug])
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Alice Ahmed" in page and "Bob Brown" in page
    assert "Olive Outsider" not in page
    summary = response.context["summary"]
    assert [(r["enrolled"], r["in_progress"], r["completed"]) for r in summary] == [(1, 0, 1)]


def test_organisers_download_progress_as_csv(
    client_for, community, learning_module, alice, bob, charlie
):
    complete(alice, learning_module)
    services.enrol(member=bob, module=learning_module)
    services.lesson_open(member=bob, lesson=learning_module.lessons.first())
    bob.display_name = "=HYPERLINK(evil)"
    bob.save()

    response = client_for(charlie).get(
        reverse("learning:community_progress_csv", args=[community.slug])
    )

    assert response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["Member", "Organisation", "Module", "Wave", "Status"]
    by_member = {row[0]: row for row in rows[1:]}
    assert by_member["Alice Ahmed"][4] == "Completed"
    assert by_member["'=HYPERLINK(evil)"][4] == "In progress"


def test_members_and_organisers_of_other_communities_cannot_see_progress(
    client_for, community, alice
):
    other = Community.objects.create(name="Elsewhere", slug="elsewhere")
    elsewhere_organiser = UserFactory()
    Membership.objects.create(
        community=other, member=elsewhere_organiser, role=Membership.Role.ORGANISER
    )

    for user in (alice, elsewhere_organiser):
        client = client_for(user)
        assert (
            client.get(reverse("learning:community_progress", args=[community.slug])).status_code
            == 403
        )
        assert (
            client.get(
                reverse("learning:community_progress_csv", args=[community.slug])
            ).status_code
            == 403
        )


def test_admins_see_any_communitys_progress(client_for, community, admin_user):
    assert (
        client_for(admin_user)
        .get(reverse("learning:community_progress", args=[community.slug]))
        .status_code
        == 200
    )


def test_learning_pages_need_a_login_where_personal(client, learning_module):
    lesson = learning_module.lessons.first()
    for url in (
        reverse("learning:my_learning"),
        lesson.get_absolute_url(),
        reverse("learning:quiz", args=[learning_module.slug]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and reverse("account_login") in response.url


# --- The closing call to pledge ------------------------------------------------------


def test_the_closing_call_opens_the_pledge_form_with_the_modules_campaign_and_theme(
    client_for, learning_enrolment, learning_module, alice
):
    learning_module.campaign = CampaignFactory(name="Change Day 2026", slug="change-day-2026")
    learning_module.theme = ThemeFactory(name="Patient experience", slug="patient-experience")
    learning_module.pledge_call = "Pledge to ask one patient what matters to them."
    learning_module.save()
    client = client_for(alice)
    module_url = reverse("learning:module", args=[learning_module.slug])
    pledge_url = (
        reverse("pledges:create") + "?campaign=change-day-2026&amp;theme=patient-experience"
    )

    before = client.get(module_url).content.decode()
    for lesson in learning_module.lessons.all():
        services.lesson_complete(member=alice, lesson=lesson)
    after = client.get(module_url).content.decode()
    last_lesson = client.get(learning_module.lessons.order_by("position").last().get_absolute_url())

    assert pledge_url not in before
    assert pledge_url in after
    assert "Pledge to ask one patient what matters to them." in after
    assert pledge_url in last_lesson.content.decode()
    assert "Change Day 2026" in after


def test_the_pledge_form_opens_with_the_campaign_and_theme_chosen(
    client_for, learning_module, alice
):
    campaign = CampaignFactory(slug="change-day-2026")
    theme = ThemeFactory(slug="patient-experience")
    learning_module.campaign, learning_module.theme = campaign, theme
    learning_module.save()

    response = client_for(alice).get(pledge_call.href(module=learning_module))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["campaign"] == campaign.pk and form.initial["theme"] == theme.pk


def test_without_a_campaign_or_theme_the_call_opens_an_empty_pledge_form(learning_module):
    assert pledge_call.href(module=learning_module) == reverse("pledges:create")


# --- Accessibility ------------------------------------------------------------------------


def _heading_levels(page: str) -> list[int]:
    main = page[page.index("<main") : page.index("</main>")]
    return [int(level) for level in re.findall(r"<h([1-6])[\s>]", main)]


def test_every_learning_page_has_one_h1_and_headings_in_order(
    client_for, learning_module, alice, bob, charlie, admin_user
):
    community = Community.objects.create(name="Ward 7 radicals", slug="ward-7")
    Membership.objects.create(community=community, member=charlie, role=Membership.Role.ORGANISER)
    Membership.objects.create(community=community, member=alice)
    certificate = complete(alice, learning_module)
    attempt = QuizAttempt.objects.get()
    draft = ModuleFactory(status=Module.Status.DRAFT)
    draft_lesson = LessonFactory(module=draft)
    services.certificate_revoke(certificate=certificate, actor=admin_user, reason="Test")
    pages = {
        alice: [
            reverse("learning:catalogue"),
            reverse("learning:module", args=[learning_module.slug]),
            learning_module.lessons.last().get_absolute_url(),
            reverse("learning:quiz", args=[learning_module.slug]),
            reverse("learning:attempt", args=[attempt.pk]),
            reverse("learning:my_learning"),
            certificate.get_absolute_url(),
            reverse("learning:verify"),
            reverse("learning:verify_code", args=[certificate.display_code]),
            reverse("learning:verify_code", args=["ZZZZ-ZZZZ-ZZZZ-ZZZZ"]),
        ],
        charlie: [reverse("learning:community_progress", args=[community.slug])],
        admin_user: [
            reverse("learning:module", args=[draft.slug]),
            draft_lesson.get_absolute_url(),
        ],
    }
    for user, urls in pages.items():
        client = client_for(user)
        for url in urls:
            levels = _heading_levels(client.get(url).content.decode())
            assert levels.count(1) == 1 and levels[0] == 1, url
            assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), (url, levels)


def test_the_community_page_links_organisers_to_their_members_learning(
    client_for, community, alice, charlie
):
    url = reverse("communities:detail", args=[community.slug])
    progress_url = reverse("learning:community_progress", args=[community.slug])

    assert progress_url in client_for(charlie).get(url).content.decode()
    assert progress_url not in client_for(alice).get(url).content.decode()
