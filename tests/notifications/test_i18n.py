"""Notifications in English and Welsh: every page marked for translation, notices shown
in the reader's language, and emails sent in the recipient's."""

import datetime
import re
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy, ngettext_lazy

from notifications import digest_sections, emails, services, tasks, tokens
from notifications.models import Kind, Notification
from notifications.text import Text
from tests.factories import UserFactory
from tests.pseudo_locale import unmarked_english

pytestmark = pytest.mark.django_db

LIST = reverse("notifications:list")
PREFERENCES = reverse("notifications:preferences")
WELSH = {"HTTP_ACCEPT_LANGUAGE": "cy"}
# Members' own words the tests put in notices: never translated.
OWN_WORDS = ("Switch off unused monitors at night", "Ward 7 improvers", "Bob Brown", "Bob")
# The project's form macro (macros/forms.jinja, the chrome's catalogue) still shows
# its error summary title in English; it is not this app's to mark.
CHROME = ("There is a problem",)

# Every fact an email template can show, so each template's every branch renders.
ALL_FACTS = {
    "module": "Making change stick",
    "progress": 40,
    "inviter": "Bob Brown",
    "story_title": "Switch off unused monitors at night",
    "community": "Ward 7 improvers",
    "reason": "Bob Brown",
    "requester": "Bob Brown",
    "count": 3,
    "total": 8,
    "days": 9,
    "due_date": "5",
    "commenter": "Bob Brown",
    "reactor": "Bob Brown",
    "signers": 4,
    "threshold": 10,
    "sections": [
        {"title": "Ward 7 improvers", "items": ["Bob Brown"], "url": "/communities/", "order": 1}
    ],
}


def notice(member, kind=Kind.PLEDGE_DUE_SOON, period="", **kwargs):
    kwargs.setdefault("title", Text(Kind(kind).label))
    kwargs.setdefault(
        "body", Text(gettext_lazy("Continue “%(module)s”"), module="Switch off unused monitors")
    )
    kwargs.setdefault("url", "/pledges/1/")
    return services.notify(kind=kind, recipient=member, period=period, **kwargs)[0]


def english_in_email(text: str) -> list[str]:
    """English left in an email, its addresses (whose paths hold English words) apart."""
    return unmarked_english(
        machine_words_out(re.sub(r"https?://\S+", " ", text)), allowed=OWN_WORDS
    )


def main_of(html: str) -> str:
    return html.split("<main", 1)[1].rsplit("</main>", 1)[0]


def assert_all_marked(response, *, allowed=()):
    assert response.status_code in (200, 400), response.status_code
    html = response.content.decode()
    part = main_of(html) if "<main" in html else html
    assert unmarked_english(machine_words_out(part), allowed=OWN_WORDS + CHROME + allowed) == []


def machine_words_out(html: str) -> str:
    """The page without what nobody reads (a hidden field's return address, a radio
    button's value), and with translated words inside translated sentences ("This link
    stops ⟦all emails⟧ to …") taken out first, as the check knows no nesting."""
    html = re.sub(r'<input type="hidden"[^>]*>', "", html)
    html = re.sub(r'(<input[^>]*type="radio"[^>]*?) value="[^"]*"', r"\1", html)
    while True:
        inner = re.sub("⟦[^⟦⟧]*⟧", " ", html)
        if inner == html:
            return html
        html = inner


def token_url(member, scope=Kind.PLEDGE_DUE_SOON):
    return reverse(
        "notifications:unsubscribe", args=[tokens.make_token(user_id=member.pk, scope=scope)]
    )


# --- Every page marked ----------------------------------------------------------------


def test_every_notifications_page_has_every_string_marked(client, alice, bob, pseudo_welsh):
    for n in range(21):
        notice(alice, period=str(n))
    notice(alice, kind=Kind.NEW_CO_SIGNERS, title="Bob Brown")  # a member's own words
    first = Notification.objects.filter(recipient=alice).first()
    client.force_login(alice)

    pages = [
        client.get(LIST, **WELSH),
        client.get(LIST, {"page": 2}, **WELSH),
        client.get(LIST, {"filter": "unread"}, **WELSH),
        client.get(LIST, {"filter": "unread", "page": 2}, **WELSH),
        client.get(PREFERENCES, **WELSH),
        client.post(PREFERENCES, {Kind.PLEDGE_DUE_SOON: "loudly"}, **WELSH),
        client.post(
            reverse("notifications:mark_read", args=[first.pk]),
            {"next": LIST},
            HTTP_HX_REQUEST="true",
            **WELSH,
        ),
        client.post(PREFERENCES, {kind: "off" for kind in Kind.values}, follow=True, **WELSH),
        client.post(reverse("notifications:mark_all_read"), follow=True, **WELSH),
        client.get(LIST, {"filter": "unread"}, **WELSH),
    ]
    client.force_login(bob)
    pages.append(client.get(LIST, **WELSH))
    client.logout()
    for scope in (Kind.PLEDGE_DUE_SOON, tokens.DIGEST_SCOPE, tokens.ALL_SCOPE):
        pages.append(client.get(token_url(alice, scope), **WELSH))
    pages.append(client.post(token_url(alice), {"scope": "all"}, **WELSH))
    pages.append(client.post(token_url(alice, tokens.DIGEST_SCOPE), **WELSH))
    pages.append(client.get(reverse("notifications:unsubscribe", args=["nonsense"]), **WELSH))
    later = timezone.now().timestamp() + settings.NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE + 60
    url = token_url(alice)
    with mock.patch("django.core.signing.time.time", return_value=later):
        pages.append(client.get(url, **WELSH))

    for response in pages:
        assert_all_marked(response)
    assert "⟦This unsubscribe link has expired⟧" in pages[-1].content.decode()
    assert 'class="nhsuk-error-summary' in pages[5].content.decode()


def test_the_check_finds_a_notice_left_in_english(client, alice, pseudo_welsh):
    notice(alice, title="Your pledge is due soon")
    client.force_login(alice)

    html = client.get(LIST, **WELSH).content.decode()

    assert unmarked_english(main_of(html)) != []


# --- Real Welsh -----------------------------------------------------------------------


def test_a_welsh_reader_sees_the_notifications_page_in_welsh(client, alice):
    client.force_login(alice)

    html = client.get(LIST, **WELSH).content.decode()

    assert '<h1 class="nhsuk-heading-xl">Hysbysiadau</h1>' in html
    assert "Nid oes gennych unrhyw hysbysiadau heb eu darllen." in html


def test_one_notice_reads_in_each_readers_language(client, alice):
    notice(alice, kind=Kind.STORY_REACTION)
    client.force_login(alice)

    welsh = client.get(LIST, **WELSH).content.decode()
    english = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Mae eich stori wedi ysbrydoli rhywun" in welsh
    assert "Parhau â “Switch off unused monitors”" in welsh
    assert "Someone was inspired by your story" in english
    assert "Continue “Switch off unused monitors”" in english


def test_the_api_gives_notices_and_its_errors_in_the_requests_language(api_for, alice):
    notice(alice, kind=Kind.STORY_REACTION)
    api = api_for(alice)

    listed = api.get(reverse("api:notification-list"), **WELSH).json()
    refused = api.patch(
        reverse("api:notification-preferences"), {Kind.STORY_COMMENT: "loudly"}, **WELSH
    )
    missing = api.post(reverse("api:notification-read", args=[987654]), **WELSH)

    item = listed["results"][0] if isinstance(listed, dict) else listed[0]
    assert item["title"] == "Mae eich stori wedi ysbrydoli rhywun"
    assert item["kind_display"] == "Mae eich stori wedi ysbrydoli rhywun"
    assert refused.status_code == 400
    assert refused.json()[Kind.STORY_COMMENT] == ["Dewiswch immediate, digest neu off."]
    assert missing.status_code == 404
    assert missing.json()["detail"] == "Does dim hysbysiad o’r fath."
    english = api.get(reverse("api:notification-list"), HTTP_ACCEPT_LANGUAGE="en").json()
    item = english["results"][0] if isinstance(english, dict) else english[0]
    assert item["title"] == "Someone was inspired by your story"


# --- Writing notices down in every language ---------------------------------------------


def test_notify_writes_a_notice_down_in_english_and_welsh_in_one_statement(
    alice, django_assert_num_queries
):
    title = Text(
        ngettext_lazy(
            "Your pledge “%(pledge)s” is due in %(count)s day",
            "Your pledge “%(pledge)s” is due in %(count)s days",
            3,
        ),
        pledge="Switch off unused monitors at night",
        count=3,
    )
    with django_assert_num_queries(1):
        notification, created = services.notify(
            kind=Kind.PLEDGE_DUE_SOON, recipient=alice, title=title, data={"days": 3}
        )

    assert created
    notification.refresh_from_db()
    assert (
        notification.title == "Your pledge “Switch off unused monitors at night” is due in 3 days"
    )
    assert notification.words("cy")[0] == (
        "Mae eich addewid “Switch off unused monitors at night” i’w gwblhau ymhen 3 diwrnod"
    )
    assert notification.data["days"] == 3


def test_dates_in_a_notice_are_written_out_in_each_language(alice):
    notification = notice(
        alice,
        body=Text(gettext_lazy("Your pledge is due on %(date)s."), date=datetime.date(2027, 1, 5)),
    )

    assert notification.words("en-gb")[1] == "Your pledge is due on 5 January 2027."
    assert notification.words("cy")[1] == "Dyddiad cwblhau eich addewid yw 5 Ionawr 2027."


def test_notify_many_writes_the_welsh_for_everyone_it_tells(alice, bob, charlie):
    made = services.notify_many(
        kind=Kind.THRESHOLD_REACHED,
        recipient_ids=[alice.pk, bob.pk, charlie.pk],
        subject=charlie,
        title=Text(Kind.THRESHOLD_REACHED.label),
    )

    assert made == 3
    for notification in Notification.objects.filter(kind=Kind.THRESHOLD_REACHED):
        assert notification.title == "A pledge you signed reached its threshold"
        assert notification.words("cy")[0] == (
            "Mae addewid a lofnodwyd gennych wedi cyrraedd ei drothwy"
        )


def test_a_rewritten_body_brings_its_welsh_and_keeps_the_other_facts(alice):
    def co_signers(count):
        return Text(
            ngettext_lazy(
                "%(num)s more person co-signed your pledge.",
                "%(num)s more people co-signed your pledge.",
                count,
            ),
            num=count,
        )

    notice(alice, kind=Kind.NEW_CO_SIGNERS, body=co_signers(1), data={"n": 1})
    again, created = services.notify(
        kind=Kind.NEW_CO_SIGNERS,
        recipient=alice,
        title="ignored",
        body=co_signers(2),
        update_body=True,
    )

    again.refresh_from_db()
    assert not created
    assert again.body == "2 more people co-signed your pledge."
    assert again.words("cy")[1] == "Mae 2 o bobl eraill wedi cyd-lofnodi eich addewid."
    assert again.data["n"] == 1


def test_a_plain_string_is_kept_as_it_is_for_every_reader(alice):
    notification = notice(alice, title="Bob Brown", body="Ward 7 improvers")

    assert notification.data == {}
    assert notification.words("cy") == ("Bob Brown", "Ward 7 improvers")


# --- Emails in the recipient's language --------------------------------------------------


def test_every_email_has_every_string_marked(pseudo_welsh):
    member = UserFactory(language="cy", display_name="Bob")
    for facts in (ALL_FACTS, {}):
        for kind in Kind.values:
            notification = notice(member, kind=kind, data=facts, period=str(bool(facts)))

            message = emails.notification_message(notification)

            html = message.alternatives[0].content
            assert '<html lang="cy">' in html
            assert english_in_email(html) == [], (kind, facts)
            assert english_in_email(message.body) == [], (kind, facts)
            assert message.subject.startswith("⟦")


@pytest.mark.parametrize("kind", Kind.values)
def test_a_welsh_speakers_email_is_in_welsh_subject_included(kind):
    member = UserFactory(language="cy", display_name="Bob")
    notification = notice(member, kind=kind)

    message = emails.notification_message(notification)

    html = message.alternatives[0].content
    assert message.subject == notification.words("cy")[0] != notification.title
    assert '<html lang="cy">' in html
    for text in (message.body, html):
        assert "Helo Bob," in text
        assert "Rydych yn cael yr e-bost hwn oherwydd" in text
        if kind != Kind.ORGANISER_DIGEST:  # its sections stand in for the body
            assert "Parhau â “Switch off unused monitors”" in text
        assert "Hello" not in text and "You are getting this email" not in text


@pytest.mark.parametrize("kind", Kind.values)
def test_an_english_speakers_email_is_in_english(kind):
    member = UserFactory(language="en-gb", display_name="Bob")
    notification = notice(member, kind=kind)

    message = emails.notification_message(notification)

    html = message.alternatives[0].content
    assert message.subject == Kind(kind).label
    assert '<html lang="en-GB">' in html
    for text in (message.body, html):
        assert "Hello Bob," in text and "You are getting this email because" in text
        assert "Helo" not in text


@pytest.mark.parametrize("stored", ["", "xx", "klingon-\u00e9"])
def test_a_member_with_no_or_an_unknown_language_gets_english(stored):
    member = UserFactory(display_name="Bob")
    type(member).objects.filter(pk=member.pk).update(language=stored)
    notification = notice(member, kind=Kind.STORY_REACTION)
    notification = Notification.objects.select_related("recipient").get(pk=notification.pk)

    message = emails.notification_message(notification)

    assert message.subject == "Someone was inspired by your story"
    assert '<html lang="en-GB">' in message.alternatives[0].content
    assert "Hello Bob," in message.body


def test_the_outbox_sends_each_member_their_own_language(alice, bob):
    type(alice).objects.filter(pk=alice.pk).update(language="cy")
    for member in (alice, bob):
        notice(member, kind=Kind.CERTIFICATE_ISSUED, data={"module": "Making change stick"})
    mail.outbox.clear()

    services.send_due_batch(limit=10)

    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert by_recipient[alice.email].subject == "Mae eich tystysgrif wedi’i dyroddi"
    assert "Llongyfarchiadau: rydych wedi cwblhau “Making change stick”" in (
        by_recipient[alice.email].body
    )
    assert by_recipient[bob.email].subject == "Your certificate was issued"
    assert "Congratulations: you completed “Making change stick”" in by_recipient[bob.email].body


def test_the_daily_digest_goes_in_each_members_language(alice, bob, settings):
    settings.NOTIFICATIONS_DIGEST_HOUR = 0
    type(alice).objects.filter(pk=alice.pk).update(language="cy")
    for member in (alice, bob):
        for n in range(2):
            notice(member, kind=Kind.STORY_COMMENT, period=str(n))
    mail.outbox.clear()

    assert tasks.send_daily_digests.apply().get() == 2

    by_recipient = {message.to[0]: message for message in mail.outbox}
    welsh, english = by_recipient[alice.email], by_recipient[bob.email]
    assert welsh.subject == "Eich crynodeb Radicals: 2 diweddariad"
    assert '<html lang="cy">' in welsh.alternatives[0].content
    for text in (welsh.body, welsh.alternatives[0].content):
        assert "Dyma 2 diweddariad gan Radicals ers eich crynodeb diwethaf." in text
        assert "Sylw ar eich stori" in text  # each notice, in Welsh
        assert "Dad-danysgrifio o’r crynodeb dyddiol" in text
    assert "RHYWUN YN RHOI SYLW AR EICH STORI NEWID" in welsh.body
    assert english.subject == "Your Radicals digest: 2 updates"
    assert '<html lang="en-GB">' in english.alternatives[0].content
    assert "Here are 2 updates from Radicals since your last digest." in english.body
    assert "A comment on your story" in english.body


def test_the_digest_has_every_string_marked(alice, settings, pseudo_welsh):
    settings.NOTIFICATIONS_DIGEST_HOUR = 0
    type(alice).objects.filter(pk=alice.pk).update(language="cy")
    for kind in Kind.values:
        notice(alice, kind=kind, period="digest")
    Notification.objects.update(email_status=Notification.EmailStatus.DIGEST)
    mail.outbox.clear()

    assert tasks.send_daily_digests.apply().get() == 1

    message = mail.outbox[0]
    assert message.subject.startswith("⟦")
    assert english_in_email(message.body) == []
    assert english_in_email(message.alternatives[0].content) == []


@pytest.fixture
def welsh_organiser(alice):
    type(alice).objects.filter(pk=alice.pk).update(language="cy")

    def recipients():
        return [alice.pk]

    def waiting(*, organiser, since, until):
        return digest_sections.DigestSection(
            title=Kind.MEMBERSHIP_REQUEST.label,
            items=[Kind.STORY_COMMENT.label],
            url="/communities/",
        )

    digest_sections.register_recipients(recipients)
    digest_sections.register(waiting)
    yield alice
    digest_sections.unregister(recipients)
    digest_sections.unregister(waiting)


def test_the_weekly_organiser_digest_is_written_in_the_organisers_language(welsh_organiser):
    assert services.organiser_digests_build() == 1

    notification = Notification.objects.select_related("recipient").get(kind=Kind.ORGANISER_DIGEST)
    message = emails.notification_message(notification)

    assert (
        notification.data["sections"][0]["title"] == "Mae rhywun wedi gofyn am ymuno â’ch cymuned"
    )
    assert notification.data["sections"][0]["items"] == ["Sylw ar eich stori"]
    assert message.subject == "Eich wythnos fel trefnydd ar Radicals"
    assert "Agor Mae rhywun wedi gofyn am ymuno â’ch cymuned" in message.body
    assert "Dyma eich wythnos yn y cymunedau rydych yn eu trefnu" in message.body


@pytest.mark.parametrize(
    "subject",
    [
        "Mae eich stori wedi ysbrydoli rhywun",
        "Mae’n digwydd — mae 12 o bobl wedi llofnodi “Diffodd monitorau nad ydynt yn cael eu "
        "defnyddio bob nos, ym mhob ward, o ddydd Llun ymlaen” 🎉 ŵ ŷ â",
    ],
)
def test_a_welsh_subject_reaches_the_mail_client_as_it_was_written(subject):
    import email as email_package
    from email import policy

    member = UserFactory(language="cy")
    notification = notice(member, title=subject)

    raw = emails.notification_message(notification).message().as_bytes(linesep="\r\n")

    parsed = email_package.message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == subject
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii() and max(len(line) for line in head.split(b"\r\n")) <= 998
