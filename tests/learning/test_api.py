"""The learning API: modules, lessons, enrolments, progress, quiz attempts, certificates."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities.models import Community, Membership
from learning import services
from learning.models import Certificate, Enrolment, LessonProgress, Module, QuizAttempt
from tests.factories import (
    CampaignFactory,
    ChoiceFactory,
    CohortFactory,
    LessonFactory,
    ModuleFactory,
    QuestionFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db


def right_answers(module) -> list[dict]:
    return [
        {"question": q.pk, "choices": [c.pk for c in q.choices.all() if c.is_correct]}
        for q in module.questions.all()
    ]


def test_anyone_lists_published_modules(api_client, learning_module):
    ModuleFactory(status=Module.Status.DRAFT, title="Hidden draft")

    response = api_client.get("/api/learning/modules/")

    assert response.status_code == 200
    [module] = response.json()["results"]
    assert module["slug"] == "intro-to-change"
    assert module["lesson_count"] == 3 and module["has_quiz"] is True
    assert module["learning_outcomes"] == [
        "Explain why change spreads from the edge",
        "Plan a small test of change",
    ]


def test_the_module_list_makes_the_same_number_of_queries_however_many_modules(api_client):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api_client.get("/api/learning/modules/").status_code == 200
        return len(queries)

    module = ModuleFactory(campaign=CampaignFactory(), theme=ThemeFactory())
    LessonFactory(module=module)
    CohortFactory(module=module)
    few = count()
    for _ in range(4):
        module = ModuleFactory(campaign=CampaignFactory(), theme=ThemeFactory())
        LessonFactory.create_batch(2, module=module)
        CohortFactory(module=module)

    assert count() == few


def test_a_module_has_its_ordered_lessons_and_waves(api_client, learning_module):
    CohortFactory(module=learning_module, name="Wave 1")
    learning_module.theme = ThemeFactory(slug="safety")
    learning_module.save()

    body = api_client.get(f"/api/learning/modules/{learning_module.slug}/").json()

    assert [lesson["title"] for lesson in body["lessons"]] == [
        "Change from the edge",
        "What matters",
        "Small tests",
    ]
    assert body["cohorts"][0]["name"] == "Wave 1"
    assert body["cohorts"][0]["open_for_enrolment"] is True
    assert body["pledge_url"] == "/pledges/new/?theme=safety"


def test_a_member_enrols_and_sees_their_progress(api_for, learning_module, alice):
    api = api_for(alice)

    created = api.post("/api/learning/enrolments/", {"module": learning_module.slug}, format="json")
    again = api.post("/api/learning/enrolments/", {"module": learning_module.slug}, format="json")

    assert created.status_code == 201 and again.status_code == 200
    body = created.json()
    assert body["status"] == "enrolled" and body["percent"] == 0
    assert body["lessons_total"] == 3 and body["cohort"] is None
    assert api.get("/api/learning/enrolments/").json()["results"][0]["id"] == body["id"]


def test_enrolling_refuses_unknown_fields_and_closed_waves(api_for, learning_module, alice):
    api = api_for(alice)
    closed = CohortFactory(
        module=learning_module,
        name="Wave 1",
        starts_on=timezone.localdate() - datetime.timedelta(days=20),
        ends_on=timezone.localdate() - datetime.timedelta(days=1),
    )

    sneaky = api.post(
        "/api/learning/enrolments/",
        {"module": learning_module.slug, "completed_at": "2020-01-01T00:00:00Z"},
        format="json",
    )
    late = api.post(
        "/api/learning/enrolments/",
        {"module": learning_module.slug, "cohort": closed.pk},
        format="json",
    )
    draft = api.post(
        "/api/learning/enrolments/",
        {"module": ModuleFactory(status=Module.Status.DRAFT).slug},
        format="json",
    )

    assert sneaky.status_code == 400 and "completed_at" in sneaky.json()
    assert late.status_code == 400 and "Wave 1 closed on" in late.json()["cohort"][0]
    assert draft.status_code == 400 and "module" in draft.json()
    assert not Enrolment.objects.exists()


def test_lessons_need_an_enrolment(api_for, learning_module, alice):
    lesson = learning_module.lessons.first()
    api = api_for(alice)

    read = api.get(f"/api/learning/lessons/{lesson.pk}/")
    progress = api.post(
        f"/api/learning/lessons/{lesson.pk}/progress/", {"state": "completed"}, format="json"
    )

    assert read.status_code == 403
    assert "Enrol in" in read.json()["detail"]
    assert progress.status_code == 400
    assert "Enrol in" in progress.json()["non_field_errors"][0]
    assert not LessonProgress.objects.exists()


def test_an_enrolled_member_reads_a_lesson_and_records_progress(
    api_for, learning_enrolment, learning_module, alice
):
    lesson = learning_module.lessons.first()
    api = api_for(alice)

    read = api.get(f"/api/learning/lessons/{lesson.pk}/")
    opened = api.post(
        f"/api/learning/lessons/{lesson.pk}/progress/", {"state": "opened"}, format="json"
    )
    done = api.post(
        f"/api/learning/lessons/{lesson.pk}/progress/", {"state": "completed"}, format="json"
    )
    bad = api.post(
        f"/api/learning/lessons/{lesson.pk}/progress/", {"state": "skipped"}, format="json"
    )

    assert read.status_code == 200
    assert "<strong>what matters to you</strong>" in read.json()["body_html"]
    assert opened.json()["status"] == "in_progress" and opened.json()["last_lesson"] == lesson.pk
    assert done.json()["lessons_done"] == 1 and done.json()["percent"] == 25
    assert bad.status_code == 400 and "state" in bad.json()


def test_questions_never_say_which_answers_are_right(
    api_for, learning_enrolment, learning_module, alice
):
    response = api_for(alice).get(f"/api/learning/modules/{learning_module.slug}/questions/")

    assert response.status_code == 200
    raw = response.content.decode()
    assert "is_correct" not in raw and "explanation" not in raw and "correct" not in raw
    body = response.json()
    assert [len(q["choices"]) for q in body] == [2, 3]
    assert set(body[0]["choices"][0]) == {"id", "text"}


def test_no_endpoint_exposes_right_answers_before_an_attempt(
    api_for, learning_enrolment, learning_module, alice
):
    api = api_for(alice)
    lesson = learning_module.lessons.first()
    for url in (
        "/api/learning/modules/",
        f"/api/learning/modules/{learning_module.slug}/",
        f"/api/learning/modules/{learning_module.slug}/questions/",
        f"/api/learning/modules/{learning_module.slug}/attempts/",
        f"/api/learning/lessons/{lesson.pk}/",
        "/api/learning/enrolments/",
    ):
        raw = api.get(url).content.decode()
        assert "is_correct" not in raw and "at the edge*" not in raw, url
        assert "quick, cheap and local" not in raw, url


def test_questions_need_an_enrolment(api_for, learning_module, alice):
    response = api_for(alice).get(f"/api/learning/modules/{learning_module.slug}/questions/")

    assert response.status_code == 403


def test_an_attempt_is_scored_on_the_server_with_explanations_after(
    api_for, learning_enrolment, learning_module, alice
):
    api = api_for(alice)
    answers = right_answers(learning_module)
    answers[1]["choices"] = answers[1]["choices"][:1]

    response = api.post(
        f"/api/learning/modules/{learning_module.slug}/attempts/",
        {"answers": answers},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["score"], body["passed"], body["pass_mark"]) == (50, False, 70)
    assert [q["correct"] for q in body["questions"]] == [True, False]
    assert "at the edge" in body["questions"][0]["explanation"]
    assert "<em>at the edge</em>" in body["questions"][0]["explanation_html"]
    assert api.get(f"/api/learning/attempts/{body['id']}/").json() == body
    history = api.get(f"/api/learning/modules/{learning_module.slug}/attempts/").json()
    assert [a["score"] for a in history] == [50]


def test_a_passing_attempt_after_all_lessons_completes_the_module(
    api_for, learning_enrolment, learning_module, alice
):
    api = api_for(alice)
    for lesson in learning_module.lessons.all():
        api.post(
            f"/api/learning/lessons/{lesson.pk}/progress/", {"state": "completed"}, format="json"
        )

    response = api.post(
        f"/api/learning/modules/{learning_module.slug}/attempts/",
        {"answers": right_answers(learning_module)},
        format="json",
    )

    assert response.json()["module_completed"] is True
    enrolment = api.get(f"/api/learning/enrolments/{learning_enrolment.pk}/").json()
    assert enrolment["status"] == "completed" and enrolment["percent"] == 100
    code = enrolment["certificate"]["code"]
    assert api.get("/api/learning/certificates/").json()["results"][0]["code"] == code


def test_answers_to_another_modules_questions_are_refused(
    api_for, learning_enrolment, learning_module, alice
):
    foreign = QuestionFactory()
    ChoiceFactory(question=foreign, is_correct=True)
    answers = right_answers(learning_module) + [
        {"question": foreign.pk, "choices": [foreign.choices.first().pk]}
    ]

    response = api_for(alice).post(
        f"/api/learning/modules/{learning_module.slug}/attempts/",
        {"answers": answers},
        format="json",
    )

    assert response.status_code == 400
    assert "is not part of this module's quiz" in response.json()["answers"][0]
    assert not QuizAttempt.objects.exists()


def test_malformed_attempts_are_refused(api_for, learning_enrolment, learning_module, alice):
    api = api_for(alice)
    url = f"/api/learning/modules/{learning_module.slug}/attempts/"
    first = learning_module.questions.first()

    duplicate = api.post(
        url,
        {"answers": [{"question": first.pk, "choices": []}, {"question": first.pk, "choices": []}]},
        format="json",
    )
    extra_field = api.post(
        url, {"answers": right_answers(learning_module), "score": 100}, format="json"
    )
    wrong_type = api.post(url, {"answers": "all of them"}, format="json")

    assert duplicate.status_code == 400 and "Answer each question once." in json.dumps(
        duplicate.json()
    )
    assert extra_field.status_code == 400 and "score" in extra_field.json()
    assert wrong_type.status_code == 400
    assert not QuizAttempt.objects.exists()


def test_an_attempt_in_a_closed_wave_is_refused(api_for, learning_module, alice):
    wave = CohortFactory(module=learning_module, name="Wave 1")
    services.enrol(member=alice, module=learning_module, cohort=wave)
    wave.starts_on = timezone.localdate() - datetime.timedelta(days=30)
    wave.ends_on = timezone.localdate() - datetime.timedelta(days=1)
    wave.save()

    response = api_for(alice).post(
        f"/api/learning/modules/{learning_module.slug}/attempts/",
        {"answers": right_answers(learning_module)},
        format="json",
    )

    assert response.status_code == 400
    assert "Wave 1 closed on" in response.json()["non_field_errors"][0]
    assert not QuizAttempt.objects.exists()


def test_another_members_attempt_and_enrolment_are_not_found(
    api_for, learning_enrolment, learning_module, alice, bob
):
    attempt = services.quiz_submit(
        member=alice,
        module=learning_module,
        answers={a["question"]: a["choices"] for a in right_answers(learning_module)},
    )
    api = api_for(bob)

    assert api.get(f"/api/learning/attempts/{attempt.pk}/").status_code == 404
    assert api.get(f"/api/learning/enrolments/{learning_enrolment.pk}/").status_code == 404


def _certificate(alice, module) -> Certificate:
    services.enrol(member=alice, module=module)
    for lesson in module.lessons.all():
        services.lesson_complete(member=alice, lesson=lesson)
    services.quiz_submit(
        member=alice,
        module=module,
        answers={a["question"]: a["choices"] for a in right_answers(module)},
    )
    return Certificate.objects.get()


def test_anyone_verifies_a_certificate_code(api_client, learning_module, alice, admin_user):
    certificate = _certificate(alice, learning_module)
    url = f"/api/learning/certificates/verify/{certificate.display_code}/"

    genuine = api_client.get(url)
    last = "X" if certificate.code[-1] != "X" else "Y"
    tampered = api_client.get(f"/api/learning/certificates/verify/{certificate.code[:-1]}{last}/")
    services.certificate_revoke(certificate=certificate, actor=admin_user, reason="Duplicate")
    revoked = api_client.get(url)

    assert genuine.status_code == 200
    assert genuine.json()["status"] == "genuine"
    assert genuine.json()["holder"] == "Alice Ahmed"
    assert genuine.json()["module_title"] == "Introduction to leading change"
    assert tampered.status_code == 404 and tampered.json()["status"] == "unknown"
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"


def test_organisers_read_their_communitys_learning_progress(
    api_for, learning_module, alice, bob, charlie
):
    community = Community.objects.create(name="Ward 7 radicals", slug="ward-7")
    Membership.objects.create(community=community, member=charlie, role=Membership.Role.ORGANISER)
    Membership.objects.create(community=community, member=alice)
    services.enrol(member=alice, module=learning_module)
    url = f"/api/learning/communities/{community.slug}/progress/"

    allowed = api_for(charlie).get(url)
    refused = api_for(bob).get(url)

    assert allowed.status_code == 200
    [row] = allowed.json()["results"]
    assert row["member_name"] == "Alice Ahmed" and row["status"] == "enrolled"
    assert refused.status_code == 403
