from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from kernel.web import call_service
from notifications import kinds, selectors, services, tokens
from notifications.forms import PreferencesForm, UnsubscribeForm
from notifications.models import Notification

PAGE_SIZE = 20


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _own_notification(request, pk: int) -> Notification:
    try:
        return services.notification_mark_read(member=request.user, notification_id=pk)
    except Notification.DoesNotExist as exc:
        raise Http404(_("No such notification.")) from exc


@login_required
def notification_list(request):
    unread_only = request.GET.get("filter") == "unread"
    queryset = selectors.notifications_for(user=request.user, unread_only=unread_only)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.jinja",
        {
            "page": page,
            "unread_only": unread_only,
            "unread": selectors.unread_count(user=request.user),
        },
    )


@login_required
def notification_open(request, pk: int):
    """Follow a notification to what it is about, marking it read on the way."""
    notification = _own_notification(request, pk)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_mark_read(request, pk: int):
    notification = _own_notification(request, pk)
    if request.htmx:
        return render(
            request,
            "notifications/_item_read.jinja",
            {
                "notification": notification,
                "unread": selectors.unread_count(user=request.user),
                "next": _safe_next(request, ""),
            },
        )
    return redirect(_safe_next(request, "notifications:list"))


@login_required
@require_POST
def notifications_mark_all_read(request):
    count = services.notifications_mark_all_read(member=request.user)
    if count:
        messages.success(
            request,
            ngettext(
                "Marked %(count)s notification read.", "Marked %(count)s notifications read.", count
            )
            % {"count": count},
        )
    return redirect("notifications:list")


@login_required
def preferences(request):
    current = selectors.preferences_for(user=request.user)
    form = PreferencesForm(request.POST or None, initial_preferences=current)
    if request.method == "POST" and form.is_valid():
        changes = {
            kind: delivery
            for kind, delivery in form.cleaned_data.items()
            if delivery != current.get(kind)
        }
        if (
            call_service(form, services.preferences_update, member=request.user, changes=changes)
            is not None
        ):
            messages.success(request, _("Your email choices have been saved."))
            return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.jinja",
        {"form": form, "daily_cap": settings.NOTIFICATIONS_EMAIL_DAILY_CAP},
    )


def _masked(email: str) -> str:
    name, _, domain = email.partition("@")
    return f"{name[:1]}{'•' * max(1, min(len(name) - 1, 6))}@{domain}"


def _scope_label(scope: str) -> str:
    if scope == tokens.ALL_SCOPE:
        return _("all emails from Radicals")
    if scope == tokens.DIGEST_SCOPE:
        return _("the daily digest email")
    return _("emails about: %(kind)s") % {"kind": kinds.label_for(scope).lower()}


@csrf_exempt  # one-click unsubscribe (RFC 8058) posts from the mail provider, not our page
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """Stop some email without signing in. GET only asks; POST (our form, or a mail
    provider's one-click `List-Unsubscribe=One-Click`) turns it off."""
    try:
        claim = tokens.read_token(token)
    except tokens.ExpiredToken:
        return render(
            request, "notifications/unsubscribe_invalid.jinja", {"expired": True}, status=400
        )
    except tokens.InvalidToken:
        return render(
            request, "notifications/unsubscribe_invalid.jinja", {"expired": False}, status=400
        )
    member = get_user_model().objects.filter(pk=claim.user_id).first()
    if member is None:
        return render(
            request, "notifications/unsubscribe_invalid.jinja", {"expired": False}, status=400
        )

    form = UnsubscribeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        everything = not one_click and form.cleaned_data.get("scope") == "all"
        scope = tokens.ALL_SCOPE if everything else claim.scope
        turned_off = services.unsubscribe(member=member, scope=scope)
        return render(
            request,
            "notifications/unsubscribe_done.jinja",
            {
                "scope_label": _scope_label(scope),
                "turned_off": [kinds.label_for(kind) for kind in turned_off],
            },
        )
    return render(
        request,
        "notifications/unsubscribe.jinja",
        {
            "form": form,
            "claim": claim,
            "scope_label": _scope_label(claim.scope),
            "offer_all": claim.scope != tokens.ALL_SCOPE,
            "email": _masked(member.email),
        },
    )
