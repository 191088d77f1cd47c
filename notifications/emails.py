"""Email for notifications: rendering (one HTML and one plain-text template per kind),
the headers mail providers need for one-click unsubscribe, and telling a passing mail
server problem from a permanent one."""

from __future__ import annotations

import base64
import binascii
import contextlib
import contextvars
import email
import functools
import re
import secrets
import smtplib
import socket
from collections.abc import Sequence
from email.utils import formatdate, make_msgid, parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address
from django.core.mail.utils import DNS_NAME
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext, trans_real
from jinja2 import Environment, FileSystemLoader, select_autoescape

from kernel.formats import date, pluralize
from kernel.i18n import html_lang
from notifications import kinds, tokens
from notifications.models import Delivery, Notification
from notifications.text import language_of

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


def is_server_unreachable(exc: BaseException) -> bool:
    """The mail server itself is away (no connection, a timeout): every message would
    fail alike, so nobody in particular is to blame."""
    return isinstance(exc, TRANSIENT_EXCEPTIONS)


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
        # Templates are compiled once per process; a worker is restarted to pick up a
        # changed template, as it is for changed code.
        auto_reload=False,
        extensions=["jinja2.ext.i18n"],
    )
    # As on the site: Django's catalogues, new-style gettext. Each email is rendered
    # in_language(its recipient's language).
    env.install_gettext_callables(
        gettext=_gettext,
        ngettext=translation.ngettext,
        pgettext=translation.pgettext,
        newstyle=True,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.globals.update(html_lang=html_lang)
    env.filters.update(date=date, pluralize=pluralize, absolute=absolute)
    return env


# The words of the language an email is being written in, each looked up once: an
# email holds some twenty strings and a worker writes thousands of emails, while one
# lookup walks Django's chain of catalogues (for English, all of them, to find none),
# which tripled the cost of writing an email.
_WORDS: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "notification_email_words", default=None
)


def _gettext(message: str) -> str:
    words = _WORDS.get()
    if words is None:
        return translation.gettext(message)
    try:
        return words[message]
    except KeyError:
        words[message] = found = translation.gettext(message)
        return found


@contextlib.contextmanager
def in_language(language: str):
    """Write an email in `language`: Django's translation.override, and the words
    already looked up in it. They are kept on Django's catalogue object for the
    language, so they go when Django reloads its catalogues (a changed LOCALE_PATHS)."""
    with translation.override(language):
        catalogue = trans_real.translation(translation.get_language())
        words = catalogue.__dict__.setdefault("_notification_email_words", {})
        token = _WORDS.set(words)
        try:
            yield
        finally:
            _WORDS.reset(token)


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


@functools.cache
def _links(site_url: str) -> tuple[str, str, tuple[str, str]]:
    """The addresses every email shares, reversed once per process: preferences, the
    notification list, and the unsubscribe address around its token."""
    marker = "TOKEN"
    unsubscribe = absolute(reverse("notifications:unsubscribe", args=[marker]))
    before, _, after = unsubscribe.partition(marker)
    return (
        absolute(reverse("notifications:preferences")),
        absolute(reverse("notifications:list")),
        (before, after),
    )


def unsubscribe_url(*, user_id: int, scope: str) -> str:
    token = tokens.make_token(user_id=user_id, scope=scope)
    before, after = _links(settings.SITE_URL)[2]
    return f"{before}{token}{after}"


def _site_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "radicals.local"


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def _one_line(text: str) -> str:
    return " ".join(text.split())


class PreparedMessage:
    """What OutboxEmail.message() returns: the message's bytes, written once, with the
    parts of email.message.Message that mail backends and callers use. Headers are
    read from a parse made on first use; sending never needs one."""

    def __init__(self, raw: bytes):
        self._raw = raw  # CRLF line endings, 7-bit
        self._parsed: email.message.Message | None = None

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n", policy=None) -> bytes:
        if linesep == "\r\n":
            return self._raw
        return self._raw.replace(b"\r\n", linesep.encode("ascii"))

    def as_string(self, unixfrom: bool = False, maxheaderlen: int = 0, policy=None) -> str:
        return self.as_bytes().decode("ascii")

    def _message(self) -> email.message.Message:
        if self._parsed is None:
            self._parsed = email.message_from_bytes(self._raw)
        return self._parsed

    def __getitem__(self, name: str):
        return self._message()[name]

    def __getattr__(self, name: str):
        return getattr(self._message(), name)


_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


@functools.cache
def _from_header(from_email: str) -> str:
    return sanitize_address(from_email, "utf-8")


def _address_header(address: str) -> str:
    # A plain ASCII address needs none of sanitize_address()'s parsing.
    if _PLAIN_ADDRESS.fullmatch(address):
        return address
    return sanitize_address(address, "utf-8")


def _header_value(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise ValueError("A header cannot hold a line break.")
    if value.isascii():
        return value
    return _encoded_words(value)


# 45 bytes of UTF-8 make 60 characters of base64: with "=?utf-8?b?" and "?=" an
# encoded word stays within RFC 2047's 75.
_ENCODED_WORD_BYTES = 45


def _encoded_words(value: str) -> str:
    """A header value in RFC 2047 encoded words, each whole characters, folded onto
    lines of their own. Welsh subjects (â, ŵ, ’) are most subjects in Welsh, and
    email.header.Header took a third of an email's cost to write them."""
    words, chunk, size = [], [], 0
    for char in value:
        length = len(char.encode("utf-8"))
        if size + length > _ENCODED_WORD_BYTES:
            words.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(char)
        size += length
    words.append("".join(chunk))
    return "\r\n ".join(
        "=?utf-8?b?" + base64.b64encode(word.encode("utf-8")).decode("ascii") + "?="
        for word in words
    )


def _text_part(content: str, subtype: str) -> bytes:
    # Quoted-printable: 7-bit, lines short enough for any server, and it never holds
    # "==", so it can never contain the multipart boundary below.
    text = content.replace("\r\n", "\n").encode("utf-8")
    body = binascii.b2a_qp(text, istext=True).replace(b"\n", b"\r\n")
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    ).encode("ascii") + body


class OutboxEmail(EmailMultiAlternatives):
    """A notification or digest email: a plain-text body and one HTML alternative.

    message() writes the MIME bytes directly rather than through the email package's
    generator, which costs several times more than rendering the templates: sending
    thousands of nudges a second is mostly this. Anything of another shape (an
    attachment, a Cc) goes through Django's own message().
    """

    def message(self):
        if (
            self.cc
            or self.bcc
            or self.reply_to
            or self.attachments
            or len(self.alternatives) != 1
            or self.alternatives[0][1] != "text/html"
            or self.content_subtype != "plain"
            or (self.encoding or settings.DEFAULT_CHARSET).lower() != "utf-8"
        ):
            return super().message()
        headers = {
            "From": _from_header(self.extra_headers.get("From", self.from_email)),
            "To": ", ".join(_address_header(address) for address in self.to),
            "Subject": _header_value(self.subject),
            "Date": formatdate(localtime=settings.EMAIL_USE_LOCALTIME),
        }
        names = {name.lower() for name in self.extra_headers}
        if "message-id" not in names:
            headers["Message-ID"] = make_msgid(domain=DNS_NAME)
        for name, value in self.extra_headers.items():
            if name.lower() not in {"from", "to", "cc", "reply-to"}:
                headers[name] = _header_value(str(value))
        boundary = f"==============={secrets.token_hex(12)}=="
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        head += (
            "MIME-Version: 1.0\r\n"
            f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'
        )
        marker = f"--{boundary}\r\n".encode("ascii")
        raw = b"".join(
            [
                head.encode("ascii"),
                marker,
                _text_part(self.body, "plain"),
                b"\r\n",
                marker,
                _text_part(self.alternatives[0][0], "html"),
                f"\r\n--{boundary}--\r\n".encode("ascii"),
            ]
        )
        return PreparedMessage(raw)


def send_over(mailer, message: EmailMultiAlternatives) -> None:
    """Send `message` over `mailer`, a mail connection kept open across messages.

    With Django's SMTP backend the message's bytes go straight to its smtplib
    connection: the backend's own send re-parses the sender's and recipient's addresses
    for every message, which costs as much as writing the message. Any other backend
    (the test outbox, files) sends as usual."""
    mailer.open()  # no-op while the connection is open
    if not isinstance(mailer, SmtpBackend) or mailer.connection is None:
        message.connection = mailer
        message.send(fail_silently=False)
        return
    data = message.message().as_bytes(linesep="\r\n")
    sender = _envelope_address(_from_header(message.from_email))
    recipients = message.recipients()
    if sender and len(recipients) == 1 and _PLAIN_ADDRESS.fullmatch(recipients[0]):
        _transact(mailer.connection, sender=sender, recipient=recipients[0], data=data)
    else:
        mailer.connection.sendmail(
            _from_header(message.from_email),
            [_address_header(address) for address in recipients],
            data,
        )


@functools.cache
def _envelope_address(from_header: str) -> str:
    address = parseaddr(from_header)[1]
    return address if _PLAIN_ADDRESS.fullmatch(address) else ""


def _transact(smtp: smtplib.SMTP, *, sender: str, recipient: str, data: bytes) -> None:
    """One SMTP transaction for one plain address: smtplib's sendmail() without its
    parsing of both addresses on every message, raising the same exceptions."""
    smtp.ehlo_or_helo_if_needed()
    code, reply = smtp.docmd("mail", f"FROM:<{sender}>")
    if code != 250:
        _abandon(smtp, code)
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    code, reply = smtp.docmd("rcpt", f"TO:<{recipient}>")
    if code not in (250, 251):
        _abandon(smtp, code)
        raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
    code, reply = smtp.data(data)
    if code != 250:
        _abandon(smtp, code)
        raise smtplib.SMTPDataError(code, reply)


def _abandon(smtp: smtplib.SMTP, code: int) -> None:
    # As sendmail(): 421 means the server is closing the connection.
    if code == 421:
        smtp.close()
        return
    with contextlib.suppress(smtplib.SMTPServerDisconnected):
        smtp.rset()


def _message(
    *, subject: str, recipient, template: str, context: dict, unsubscribe: str, message_id: str
) -> EmailMultiAlternatives:
    env = environment()
    preferences_url, notifications_url, _ = _links(settings.SITE_URL)
    context = {
        **context,
        "recipient": recipient,
        "recipient_name": recipient.get_short_name(),
        "site_url": settings.SITE_URL,
        "preferences_url": preferences_url,
        "notifications_url": notifications_url,
        "unsubscribe_url": unsubscribe,
        "subject": subject,
    }
    text = env.get_template(f"{TEMPLATE_DIR}/{template}.txt").render(context)
    html = env.get_template(f"{TEMPLATE_DIR}/{template}.html").render(context)
    message = OutboxEmail(
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


# A notification may give its emails an address of their own (data["email_url"]), such
# as a signed one-tap link that works without signing in; the app links to `url`.
EMAIL_URL = "email_url"


def email_url_of(notification: Notification) -> str:
    email_url = (notification.data or {}).get(EMAIL_URL)
    return email_url if isinstance(email_url, str) and email_url else notification.url


def notification_message(notification: Notification) -> EmailMultiAlternatives:
    """The email for one notification, rendered from its kind's two templates in the
    recipient's language (English when they chose none)."""
    recipient = notification.recipient
    with in_language(language_of(recipient)):
        title, body = notification.words()
        message = _message(
            subject=title,
            recipient=recipient,
            template=notification.kind,
            context={
                "notification": notification,
                "title": title,
                "data": notification.data or {},
                "paragraphs": _paragraphs(body),
                "item_url": absolute(email_url_of(notification)),
                "kind_label": kinds.label_for(notification.kind),
                "reason": kinds.reason_for(notification.kind),
            },
            unsubscribe=unsubscribe_url(user_id=recipient.pk, scope=notification.kind),
            message_id=f"radicals.notification.{notification.pk}",
        )
    message.extra_headers["X-Radicals-Notification"] = str(notification.pk)
    return message


def _digest_groups(notifications: Sequence[Notification]) -> list[dict]:
    """The digest's sections, one a kind in the preferences page's order, each
    notification in the active language."""
    groups: list[dict] = []
    by_kind: dict[str, list[Notification]] = {}
    for notification in notifications:
        by_kind.setdefault(notification.kind, []).append(notification)
    for _group, group_kinds in kinds.GROUPS:
        for kind in group_kinds:
            if kind not in by_kind:
                continue
            items = []
            for notification in by_kind[kind]:
                title, body = notification.words()
                items.append(
                    {
                        "title": title,
                        "summary": _one_line(body)[:300],
                        "url": absolute(email_url_of(notification)),
                    }
                )
            groups.append({"label": kinds.label_for(kind), "items": items})
    return groups


def digest_message(
    *, recipient, notifications: Sequence[Notification], digest_id: int, day
) -> EmailMultiAlternatives:
    """One email gathering a member's waiting notifications, grouped by kind, in the
    recipient's language."""
    with in_language(language_of(recipient)):
        groups = _digest_groups(notifications)
        count = len(notifications)
        message = _message(
            subject=ngettext(
                "Your Radicals digest: %(count)s update",
                "Your Radicals digest: %(count)s updates",
                count,
            )
            % {"count": count},
            recipient=recipient,
            template="digest",
            context={"groups": groups, "count": count, "day": day, "delivery": Delivery.DIGEST},
            unsubscribe=unsubscribe_url(user_id=recipient.pk, scope=tokens.DIGEST_SCOPE),
            message_id=f"radicals.digest.{digest_id}",
        )
    message.extra_headers["X-Radicals-Digest"] = str(digest_id)
    return message
