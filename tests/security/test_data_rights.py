"""Data rights: "Download your data" and "Delete your account".

A member's copy of their data holds every row that is theirs (and nobody else's),
built by a worker after the request commits, kept privately and downloadable only by
them until it expires. Deleting an account erases the person and keeps what they did,
anonymous, so every figure stays the same; an erasure survives a restore from backup.
"""

import io
import json
import stat
import zipfile
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.management import call_command
from django.test import RequestFactory
from django.test.utils import isolate_apps
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from members import personal_data, services
from members.models import FORMER_MEMBER, DataExport, ErasureRecord, User
from pledges.models import CheckIn, Pledge
from tests.factories import PASSWORD, StoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def alices_world(
    pledge_met,
    alice,
    bob,
    charlie,
    alice_in_community,
    community,
    story_with_co_author,
    learning_enrolment,
    learning_module,
):
    """Alice has made a pledge (Bob and Charlie signed it) and checked in, wrote a story
    Bob co-authors, commented, was inspired by Bob's story, belongs to a community,
    reported something, is learning (a lesson done, a quiz passed), has notifications
    and a preference. Bob has rows of his own everywhere too."""
    from communities.services import flag_create
    from learning.services import lesson_complete, quiz_submit
    from notifications.services import notify, preferences_update
    from pledges.services import check_in_create
    from stories.services import comment_create, reaction_add

    check_in_create(pledge=pledge_met, author=alice, note="Asked 12 patients today.")
    check_in_create(pledge=pledge_met, author=bob, note="Bob's own check-in.")
    comment_create(story=story_with_co_author, author=alice, body="Thank you all!")
    bobs_story = StoryFactory(author=bob, status="published", published_at=timezone.now())
    reaction_add(story=bobs_story, member=alice)
    flag_create(reporter=alice, target=bobs_story, reason="It names a ward sister.")
    for lesson in learning_module.lessons.all():
        lesson_complete(member=alice, lesson=lesson)
    right = {
        question.pk: [choice.pk for choice in question.choices.all() if choice.is_correct]
        for question in learning_module.questions.all()
    }
    quiz_submit(member=alice, module=learning_module, answers=right)
    notify(kind="story_comment", recipient=alice, title="A comment on your story")
    notify(kind="story_comment", recipient=bob, title="Bob's own notification")
    preferences_update(member=alice, changes={"story_comment": "off"})
    Token.objects.create(user=alice)
    SocialAccount.objects.create(user=alice, provider="openid_connect", uid="alice-at-nhs")
    UserSession.objects.create(
        user=alice, ip="10.0.0.7", session_key="k" * 32, user_agent="Firefox"
    )
    return alice


def export_files(content: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {
            name: archive.read(name).decode()
            if name.endswith(".txt")
            else json.loads(archive.read(name))
            for name in archive.namelist()
        }


def request_export(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("members:data_export_request"))


# --- Every relation to a member is decided ----------------------------------------------


def test_every_relation_to_the_user_model_is_exported_or_excluded_with_a_reason():
    undecided = personal_data.user_relations() - personal_data.covered_relations()
    undecided -= set(personal_data.NOT_EXPORTED)

    assert not undecided, (
        "Add a Holding to members/personal_data.py (or a NOT_EXPORTED entry with the reason) "
        f"for: {sorted(undecided)}"
    )


@isolate_apps("members")
def test_the_walk_finds_foreign_keys_one_to_ones_and_many_to_manys_to_members():
    from django.db import models

    class Rota(models.Model):
        owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
        deputy = models.OneToOneField(User, on_delete=models.CASCADE, related_name="+")
        staff = models.ManyToManyField(User, related_name="+")

        class Meta:
            app_label = "members"

        def __str__(self) -> str:
            return "rota"

    assert personal_data.user_relations([Rota]) == {
        "members.Rota.owner",
        "members.Rota.deputy",
        "members.Rota.staff",
    }


def test_every_exclusion_names_a_real_relation_and_gives_a_reason():
    relations = personal_data.user_relations()

    for relation, reason in personal_data.NOT_EXPORTED.items():
        assert relation in relations, f"{relation} is not a relation to the user model"
        assert len(reason) > 20


def test_every_holding_names_an_installed_model_and_a_real_path_to_the_member(alice):
    for holding in personal_data.HOLDINGS:
        assert holding.model_class() is not None, f"{holding.model} is not installed"
        holding.rows_of(alice).count()  # a wrong lookup raises FieldError
        assert holding.on_erasure in (personal_data.KEEP, personal_data.DELETE)
        assert holding.description


def test_models_reached_through_another_row_are_exported_too():
    exported = {holding.model for holding in personal_data.HOLDINGS}

    assert {"learning.LessonProgress", "learning.QuizAttempt", "learning.AttemptAnswer"} <= exported


# --- Download your data -------------------------------------------------------------------


def test_the_settings_page_offers_the_download_and_the_deletion(client_for, alice):
    html = client_for(alice).get(reverse("members:edit_profile", args=[alice.pk])).content.decode()

    assert reverse("members:data_export_request") in html
    assert "Download your data" in html
    assert reverse("members:account_delete") in html


def test_asking_for_a_copy_builds_it_after_commit_and_emails_a_link(
    client_for, alices_world, django_capture_on_commit_callbacks, settings
):
    alice = alices_world
    client = client_for(alice)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("members:data_export_request"))
    export = DataExport.objects.get(member=alice)
    assert response.status_code == 302
    assert export.status == DataExport.Status.QUEUED  # nothing built before the commit
    assert len(callbacks) == 1

    callbacks[0]()

    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    assert export.expires_at - export.finished_at == timedelta(days=settings.DATA_EXPORT_DAYS)
    path = services.data_export_path(export)
    assert path.exists()
    assert path.parent.name == "members" and path.parent.parent.name == "exports"
    assert export.token in path.name and len(export.token) >= 40
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [alice.email]
    assert reverse("members:data_export", args=[export.token]) in mail.outbox[0].body


def test_the_copy_holds_one_file_per_kind_of_record_with_every_row_of_hers(
    client_for, alices_world, bob, django_capture_on_commit_callbacks
):
    alice = alices_world
    client = client_for(alice)
    request_export(client, django_capture_on_commit_callbacks)
    export = DataExport.objects.get(member=alice)

    response = client.get(reverse("members:data_export", args=[export.token]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    files = export_files(b"".join(response.streaming_content))
    for holding in personal_data.holdings():
        rows = files[holding.file_name]
        assert sorted(row["id"] for row in rows) == sorted(
            holding.rows_of(alice).values_list("pk", flat=True)
        ), holding.model
    non_empty = {name for name, rows in files.items() if rows and name.endswith(".json")}
    assert {
        "members.user.json",
        "account.emailaddress.json",
        "socialaccount.socialaccount.json",
        "usersessions.usersession.json",
        "communities.membership.json",
        "communities.flag.json",
        "pledges.pledge.json",
        "pledges.signature.json",
        "pledges.checkin.json",
        "stories.story.json",
        "stories.comment.json",
        "stories.reaction.json",
        "learning.enrolment.json",
        "learning.lessonprogress.json",
        "learning.quizattempt.json",
        "learning.attemptanswer.json",
        "learning.certificate.json",
        "notifications.notification.json",
        "notifications.notificationpreference.json",
    } <= non_empty
    assert files["pledges.pledge.json"][0]["title"] == "ask every patient what matters to them"
    assert files["members.user.json"][0]["email"] == alice.email
    assert "README.txt" in files


def test_the_copy_holds_no_password_token_or_anyone_elses_data(
    client_for, alices_world, bob, django_capture_on_commit_callbacks
):
    alice = alices_world
    client = client_for(alice)
    request_export(client, django_capture_on_commit_callbacks)
    export = DataExport.objects.get(member=alice)

    content = b"".join(
        client.get(reverse("members:data_export", args=[export.token])).streaming_content
    )

    text = json.dumps(export_files(content))
    assert "password" not in export_files(content)["members.user.json"][0]
    assert alice.password not in text
    assert Token.objects.get(user=alice).key not in text
    assert "k" * 32 not in text  # the session key
    assert bob.email not in text
    assert "Bob's own" not in text


def test_only_the_owner_can_download_it(
    client, client_for, alices_world, bob, admin_user, django_capture_on_commit_callbacks
):
    request_export(client_for(alices_world), django_capture_on_commit_callbacks)
    url = reverse("members:data_export", args=[DataExport.objects.get().token])
    client.logout()

    assert client.get(url).status_code == 302  # to the login page
    assert client_for(bob).get(url).status_code == 404
    assert client_for(admin_user).get(url).status_code == 404


def test_a_guessed_token_is_a_404(client_for, alice):
    assert client_for(alice).get(reverse("members:data_export", args=["x" * 43])).status_code == 404


def test_an_expired_copy_is_gone_and_its_file_deleted(
    client_for, alice, django_capture_on_commit_callbacks
):
    client = client_for(alice)
    request_export(client, django_capture_on_commit_callbacks)
    export = DataExport.objects.get()
    path = services.data_export_path(export)

    expired = services.data_exports_expire(now=export.expires_at + timedelta(seconds=1))

    assert expired == 1
    assert not path.exists()
    response = client.get(reverse("members:data_export", args=[export.token]))
    assert response.status_code == 410
    assert "no longer available" in response.content.decode()


def test_building_twice_sends_one_email_and_one_file(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        export = services.data_export_request(member=alice)

    services.data_export_build(export_id=export.pk)

    assert len(mail.outbox) == 1
    assert len(list(services.data_exports_dir().iterdir())) == 1


def test_asking_again_while_one_is_prepared_returns_it(alice):
    first = services.data_export_request(member=alice)

    assert services.data_export_request(member=alice) == first
    assert DataExport.objects.count() == 1


def test_asking_too_often_is_refused_with_a_message(client_for, alice, settings):
    settings.DATA_EXPORT_DAILY_LIMIT = 2
    DataExport.objects.create(member=alice, status=DataExport.Status.READY)
    DataExport.objects.create(member=alice, status=DataExport.Status.READY)

    response = client_for(alice).post(reverse("members:data_export_request"), follow=True)

    assert "2 times today" in response.content.decode()
    assert DataExport.objects.count() == 2


def test_anonymous_visitors_cannot_ask_for_a_copy(client):
    response = client.post(reverse("members:data_export_request"))

    assert response.status_code == 302
    assert DataExport.objects.count() == 0


# --- Delete your account ------------------------------------------------------------------


def figures() -> dict:
    """Every total other people see: counters on pledges, communities and stories,
    the home page's figures and, when reports is installed, every daily rollup."""
    from communities.models import Community
    from kernel import sections
    from stories.models import Story

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    if apps.is_installed("reports"):
        from reports import rollups

        # The home page's figures are the rollups' (reports.ScopeTotal): counted first.
        rollups.rollups_full()
    result = {
        "pledges": list(
            Pledge.objects.order_by("pk").values_list("pk", "signer_count", "done_count", "status")
        ),
        "communities": list(Community.objects.order_by("pk").values_list("pk", "member_count")),
        "stories": list(Story.objects.order_by("pk").values_list("pk", "inspired_count")),
        "home": [(f.label, f.value) for f in sections.home_figures.collect(request=request)],
    }
    if apps.is_installed("reports"):
        from reports.models import DailyRollup

        result["rollups"] = sorted(
            (str(row.pop("day")), sorted(row.items()))
            for row in DailyRollup.objects.values(
                "day", "scope", "scope_id", *[f for f in rollups.METRIC_NAMES]
            )
        )
    return result


def test_deleting_asks_for_the_password_and_a_wrong_one_changes_nothing(client_for, alice):
    client = client_for(alice)
    page = client.get(reverse("members:account_delete"))

    response = client.post(reverse("members:account_delete"), {"password": "not-my-password"})

    assert page.status_code == 200
    assert "This cannot be undone" in page.content.decode()
    assert response.status_code == 200
    assert "password" in response.context["form"].errors
    alice.refresh_from_db()
    assert alice.email == "alice@example.nhs.uk"
    assert not ErasureRecord.objects.exists()


def test_deleting_erases_the_person_and_keeps_what_they_did_with_every_figure_unchanged(
    client, client_for, alices_world, bob
):
    alice = alices_world
    before = figures()
    owner = client_for(alice)
    other_session = Session.objects.get(session_key=owner.session.session_key)

    response = owner.post(reverse("members:account_delete"), {"password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert figures() == before
    alice.refresh_from_db()
    assert alice.display_name == FORMER_MEMBER
    assert alice.email.endswith("@erased.invalid") and "alice" not in alice.email
    assert (alice.job_role, alice.bio, alice.last_login) == ("", "", None)
    assert not alice.has_usable_password()
    assert alice.is_erased and not alice.is_staff
    assert not EmailAddress.objects.filter(user=alice).exists()
    assert not SocialAccount.objects.filter(user=alice).exists()
    assert not Token.objects.filter(user=alice).exists()
    assert not UserSession.objects.filter(user=alice).exists()
    assert not Session.objects.filter(session_key=other_session.session_key).exists()
    assert not alice.notifications.exists()
    assert ErasureRecord.objects.filter(user_id=alice.pk).exists()
    assert Pledge.objects.filter(author=alice).exists()
    assert CheckIn.objects.filter(author=alice).exists()
    assert User.objects.get(pk=bob.pk).display_name == "Bob Brown"


def test_a_deleted_account_can_never_log_in_again(client, alice):
    services.account_erase(member=alice)

    response = client.post(
        reverse("account_login"), {"login": "alice@example.nhs.uk", "password": PASSWORD}
    )
    reset = client.post(reverse("account_reset_password"), {"email": "alice@example.nhs.uk"})

    assert "_auth_user_id" not in client.session
    assert response.status_code == 200
    assert reset.status_code == 302
    # The reset form answers alike for every address; no reset link is ever sent.
    assert not any("/password/reset/key/" in message.body for message in mail.outbox)


def test_what_they_did_shows_as_by_a_former_member(client_for, pledge_met, alice, bob):
    services.account_erase(member=alice)

    page = client_for(bob).get(reverse("pledges:detail", args=[pledge_met.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert FORMER_MEMBER in html
    assert "Alice Ahmed" not in html


def test_a_former_members_profile_is_gone(client, alice):
    services.account_erase(member=alice)

    assert client.get(reverse("members:profile", args=[alice.pk])).status_code == 404
    assert client.get(f"/api/members/{alice.pk}/").status_code == 404


def test_nothing_is_emailed_to_an_erased_account(alice, pledge):
    from notifications.models import Notification
    from notifications.services import notify

    services.account_erase(member=alice)
    notification, _ = notify(kind="pledge_due_soon", recipient=alice, title="Due soon")

    assert notification.email_status == Notification.EmailStatus.SKIPPED
    assert not mail.outbox


def test_erasing_twice_changes_nothing_more(alice):
    first = services.account_erase(member=alice)
    alice.refresh_from_db()
    email = alice.email

    second = services.account_erase(member=alice)

    alice.refresh_from_db()
    assert first == second
    assert alice.email == email
    assert ErasureRecord.objects.count() == 1


def test_an_erasure_record_holds_no_personal_data():
    fields = {field.name for field in ErasureRecord._meta.get_fields()}

    assert fields == {"id", "user_id", "erased_at"}


def test_an_account_without_a_password_confirms_with_its_email(client_for, alice):
    alice.set_unusable_password()
    alice.save()
    client = client_for(alice)

    wrong = client.post(reverse("members:account_delete"), {"password": "bob@example.nhs.uk"})
    right = client.post(reverse("members:account_delete"), {"password": "alice@example.nhs.uk"})

    assert wrong.status_code == 200
    assert right.status_code == 302
    assert ErasureRecord.objects.filter(user_id=alice.pk).exists()


# --- Restores from backup -------------------------------------------------------------------


def restore_from_backup(member: User, snapshot: dict) -> None:
    """What restoring a backup taken before the erasure does to one account."""
    User.objects.filter(pk=member.pk).update(**snapshot)
    EmailAddress.objects.create(user=member, email=snapshot["email"], verified=True, primary=True)


def snapshot(member: User) -> dict:
    fields = ["email", "display_name", "job_role", "bio", "password", "erased_at"]
    return {field: getattr(member, field) for field in fields}


def test_reapply_erasures_erases_again_an_account_a_restore_brought_back(alice, bob):
    before = snapshot(alice)
    services.account_erase(member=alice)
    restore_from_backup(alice, before)

    call_command("reapply_erasures", stdout=io.StringIO())

    alice.refresh_from_db()
    assert alice.display_name == FORMER_MEMBER
    assert alice.is_erased
    assert not EmailAddress.objects.filter(user=alice).exists()
    assert User.objects.get(pk=bob.pk).display_name == "Bob Brown"


def test_a_saved_erasure_list_is_reapplied_to_a_database_restored_without_it(alice, tmp_path):
    before = snapshot(alice)
    services.account_erase(member=alice)
    saved = tmp_path / "erasures.json"
    call_command("reapply_erasures", save=str(saved), stdout=io.StringIO())
    # The backup predates the erasure: the account is back and the list is empty.
    ErasureRecord.objects.all().delete()
    restore_from_backup(alice, before)

    out = io.StringIO()
    call_command("reapply_erasures", source=str(saved), stdout=out)

    alice.refresh_from_db()
    assert alice.is_erased
    assert alice.email.endswith("@erased.invalid")
    assert ErasureRecord.objects.filter(user_id=alice.pk).exists()
    assert str(alice.pk) in out.getvalue()


def test_reapplying_when_nothing_came_back_changes_nothing(alice):
    services.account_erase(member=alice)

    out = io.StringIO()
    call_command("reapply_erasures", stdout=out)

    assert "Every account in the erasure list is erased" in out.getvalue()


# --- Admin ------------------------------------------------------------------------------------


def test_admins_can_read_erasure_records_but_never_change_them(client_for, admin_user, alice):
    record = services.account_erase(member=alice)
    client = client_for(admin_user)

    listing = client.get(reverse("admin:members_erasurerecord_changelist"))
    detail = client.get(reverse("admin:members_erasurerecord_change", args=[record.pk]))
    add = client.get(reverse("admin:members_erasurerecord_add"))
    delete = client.post(
        reverse("admin:members_erasurerecord_delete", args=[record.pk]), {"post": "yes"}
    )

    assert listing.status_code == 200
    assert str(alice.pk) in listing.content.decode()
    assert detail.status_code == 200
    assert add.status_code == 403
    assert delete.status_code == 403
    assert ErasureRecord.objects.filter(pk=record.pk).exists()


def test_the_new_pages_keep_to_the_content_security_policy(client_for, alice):
    from tests.security.test_csp import assert_keeps_to_the_policy

    client = client_for(alice)
    services.data_export_request(member=alice)
    DataExport.objects.update(status=DataExport.Status.EXPIRED)

    for response in [
        client.get(reverse("members:edit_profile", args=[alice.pk])),
        client.get(reverse("members:account_delete")),
        client.post(reverse("members:account_delete"), {"password": "wrong"}),
        client.get(reverse("members:data_export", args=[DataExport.objects.get().token])),
    ]:
        assert_keeps_to_the_policy(response)


def test_the_development_server_never_serves_exports_from_media():
    from django.urls import Resolver404, URLResolver
    from django.urls.resolvers import RegexPattern

    from radicals.urls import debug_media_patterns

    resolver = URLResolver(RegexPattern(r"^/"), debug_media_patterns())

    assert resolver.resolve("/media/avatars/alice.png").kwargs["path"] == "avatars/alice.png"
    for path in ["/media/exports/members/radicals-data-abc.zip", "/media/exports/x.csv"]:
        with pytest.raises(Resolver404):
            resolver.resolve(path)


def test_an_export_the_queue_lost_is_built_by_the_hourly_job(alice):
    from members.tasks import expire_data_exports

    lost = services.data_export_request(member=alice)  # never enqueued: no commit here
    DataExport.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(hours=1))

    expire_data_exports()

    lost.refresh_from_db()
    assert lost.status == DataExport.Status.READY
    assert len(mail.outbox) == 1


def test_the_email_and_readme_are_plain_text_not_html(alice, django_capture_on_commit_callbacks):
    alice.display_name = "Siobhán O'Brien & co"
    alice.save()

    with django_capture_on_commit_callbacks(execute=True):
        export = services.data_export_request(member=alice)

    export.refresh_from_db()
    body = mail.outbox[0].body
    readme = export_files(services.data_export_path(export).read_bytes())["README.txt"]
    assert "Siobhán O'Brien & co" in body
    assert "&#39;" not in body + readme and "&amp;" not in body + readme
    assert "pledges.pledge.json" in readme


def test_an_admin_can_erase_an_account_from_the_members_list(client_for, admin_user, alice, bob):
    response = client_for(admin_user).post(
        reverse("admin:members_user_changelist"),
        {"action": "erase_accounts", "_selected_action": [alice.pk]},
        follow=True,
    )

    alice.refresh_from_db()
    assert response.status_code == 200
    assert "1 account erased." in response.content.decode()
    assert alice.is_erased
    assert ErasureRecord.objects.filter(user_id=alice.pk).exists()
    assert not User.objects.get(pk=bob.pk).is_erased
