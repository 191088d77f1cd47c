"""Email for notifications: rendering (one HTML and one plain-text template per kind),
the headers mail providers need for one-click unsubscribe, and telling a passing mail
server problem from a permanent one."""

from __future__ import annotations

import functools
import smtplib
import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from notifications import kinds, tokens
from notifications.models import Delivery, Notification
from radicals.jinja2 import date, pluralize

TEMPLATE_DIR = "notifications/email"


class TransientEmailError(Exception):
    """The mail server could not take the message now; trying again later may work."""


class PermanentEmailError(Exception):
    """The mail server refused the message for good (bad address, policy)."""


TRANSIENT_EXCEPTIONS = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    ConnectionError,
    socket.timeout,
    TimeoutError,
)


def is_transient(exc: BaseException) -> bool:
    """A dropped connection, a timeout or a 4xx answer: worth trying again."""
    if isinstance(exc, TRANSIENT_EXCEPTIONS):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return False


@functools.cache
def _environment(template_dirs: tuple[str, ...]) -> Environment:
    # Plain-text templates must not be HTML-escaped, so email has an environment of its
    # own: autoescape for .html only.
    env = Environment(  # noqa: S701 - autoescape is on for the HTML templates
        loader=FileSystemLoader(template_dirs),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(date=date, pluralize=pluralize, absolute=absolute)
    return env


def environment() -> Environment:
    return _environment(tuple(str(d) for d in settings.TEMPLATES[0]["DIRS"]))


def absolute(url: str) -> str:
    """An address a mail client can open: our own paths get SITE_URL in front."""
    if not url:
        return ""
    if url.startswith("/") and not url.startswith("//"):
        return settings.SITE_URL + url
    if urlsplit(url).scheme in ("http", "https"):
        return url
    return ""


def unsubscribe_url(*, user_id: int, scope: str) -> str:
    token = tokens.make_token(user_id=user_id, scope=scope)
    return absolute(reverse("notifications:unsubscribe", args=[token]))


def _site_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "radicals.local"


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _message(
    *, subject: str, recipient, template: str, context: dict, unsubscribe: str, message_id: str
) -> EmailMultiAlternatives:
    env = environment()
    context = {
        **context,
        "recipient": recipient,
        "recipient_name": recipient.get_short_name(),
        "site_url": settings.SITE_URL,
        "preferences_url": absolute(reverse("notifications:preferences")),
        "notifications_url": absolute(reverse("notifications:list")),
        "unsubscribe_url": unsubscribe,
        "subject": subject,
    }
    text = env.get_template(f"{TEMPLATE_DIR}/{template}.txt").render(context)
    html = env.get_template(f"{TEMPLATE_DIR}/{template}.html").render(context)
    message = EmailMultiAlternatives(
        subject=_one_line(subject)[:200],
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            # The same nudge always has the same Message-ID, so a mail client can tell
            # a copy from a second message.
            "Message-ID": f"<{message_id}@{_site_domain()}>",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def notification_message(notification: Notification) -> EmailMultiAlternatives:
    """The email for one notification, rendered from its kind's two templates."""
    recipient = notification.recipient
    message = _message(
        subject=notification.title,
        recipient=recipient,
        template=notification.kind,
        context={
            "notification": notification,
            "data": notification.data or {},
            "paragraphs": _paragraphs(notification.body),
            "item_url": absolute(notification.url),
            "kind_label": kinds.label_for(notification.kind),
            "reason": kinds.REASONS.get(notification.kind, "you have a Radicals account"),
        },
        unsubscribe=unsubscribe_url(user_id=recipient.pk, scope=notification.kind),
        message_id=f"radicals.notification.{notification.pk}",
    )
    message.extra_headers["X-Radicals-Notification"] = str(notification.pk)
    return message


def digest_message(
    *, recipient, notifications: Sequence[Notification], digest_id: int, day
) -> EmailMultiAlternatives:
    """One email gathering a member's waiting notifications, grouped by kind."""
    groups: list[dict] = []
    by_kind: dict[str, list[Notification]] = {}
    for notification in notifications:
        by_kind.setdefault(notification.kind, []).append(notification)
    for _title, group_kinds in kinds.GROUPS:
        for kind in group_kinds:
            if kind in by_kind:
                groups.append(
                    {
                        "label": kinds.label_for(kind),
                        "items": [
                            {
                                "title": n.title,
                                "summary": _one_line(n.body)[:300],
                                "url": absolute(n.url),
                            }
                            for n in by_kind[kind]
                        ],
                    }
                )
    count = len(notifications)
    message = _message(
        subject=f"Your Radicals digest: {count} update{pluralize(count)}",
        recipient=recipient,
        template="digest",
        context={"groups": groups, "count": count, "day": day, "delivery": Delivery.DIGEST},
        unsubscribe=unsubscribe_url(user_id=recipient.pk, scope=tokens.DIGEST_SCOPE),
        message_id=f"radicals.digest.{digest_id}",
    )
    message.extra_headers["X-Radicals-Digest"] = str(digest_id)
    return message
