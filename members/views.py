from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from rest_framework.authtoken.models import Token

from kernel import i18n
from kernel.web import call_service
from members import sections, selectors, services
from members.authentication import token_expires_at
from members.forms import AccountDeleteForm, ProfileForm
from members.permissions import can_edit_profile


def profile_detail(request, pk: int):
    member = selectors.member_profile_for(pk=pk, viewer=request.user)
    return render(
        request,
        "members/profile.jinja",
        {
            "member": member,
            "can_edit": can_edit_profile(request.user, member),
            "sections": sections.profile.collect(request=request, member=member),
        },
    )


# The page shows the member's API token: no browser or proxy may keep a copy.
@never_cache
@login_required
def profile_edit(request, pk: int):
    member = selectors.member_get(pk=pk)
    if not can_edit_profile(request.user, member):
        raise PermissionDenied(_("You can only change your own profile."))
    form = ProfileForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.fields}
        member.refresh_from_db()
        if call_service(
            form, services.profile_update, member=member, actor=request.user, **changes
        ):
            messages.success(request, _("Your profile has been saved."))
            return redirect("members:profile", pk=member.pk)
    own = member == request.user
    token = Token.objects.filter(user=member).first() if own else None
    expires_at = token_expires_at(token) if token else None
    return render(
        request,
        "members/profile_edit.jinja",
        {
            "form": form,
            "member": member,
            "token": token,
            "token_expires_at": expires_at,
            "token_expired": expires_at is not None and expires_at <= timezone.now(),
            "data_exports": selectors.data_exports_of(member) if own else [],
            "data_export_days": settings.DATA_EXPORT_DAYS,
        },
    )


@never_cache
@login_required
@require_POST
def api_token_reset(request):
    services.api_token_reset(member=request.user)
    messages.success(request, _("You have a new API token. The old one no longer works."))
    return redirect("members:edit_profile", pk=request.user.pk)


@login_required
@require_POST
def data_export_request(request):
    try:
        services.data_export_request(member=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(
            request,
            _(
                "We are preparing a copy of your data. We will email you a link to download "
                "it, usually within a few minutes."
            ),
        )
    return redirect("members:edit_profile", pk=request.user.pk)


@never_cache
@login_required
def data_export_download(request, token: str):
    export = selectors.data_export_for_download(member=request.user, token=token)
    path = services.data_export_path(export)
    if not export.is_downloadable or not path.exists():
        return render(request, "members/data_export_expired.jinja", {"export": export}, status=410)
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"radicals-my-data-{export.finished_at:%Y-%m-%d}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def account_delete(request):
    member = request.user
    form = AccountDeleteForm(request.POST or None, member=member)
    confirmed = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            services.account_erase_confirm,
            member=member,
            password=form.cleaned_data["password"],
        )
    )
    if confirmed:
        logout(request)
        messages.success(
            request,
            _(
                "Your account has been deleted. Your pledges, check-ins and stories stay, "
                "shown as by a former member."
            ),
        )
        return redirect("home")
    return render(request, "members/account_delete.jinja", {"form": form})


@require_GET
def set_language(request, code: str):
    """The header's English | Cymraeg switch: remembered in a cookie and, for a signed-in
    member, on their profile; then back to the page they were on."""
    language = i18n.supported(code)
    if language is None or language not in dict(settings.LANGUAGES):
        raise Http404(_("No such language."))
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    if request.user.is_authenticated:
        services.member_set_language(member=request.user, language=language)
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )
    return response
