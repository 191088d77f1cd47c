from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from members import profile_sections, selectors, services
from members.forms import ProfileForm
from members.permissions import can_edit_profile
from radicals.web import call_service


def profile_detail(request, pk: int):
    member = selectors.member_get(pk=pk)
    return render(
        request,
        "members/profile.jinja",
        {
            "member": member,
            "can_edit": can_edit_profile(request.user, member),
            "sections": profile_sections.sections_for(request=request, member=member),
        },
    )


@login_required
def profile_edit(request, pk: int):
    member = selectors.member_get(pk=pk)
    if not can_edit_profile(request.user, member):
        raise PermissionDenied("You can only change your own profile.")
    form = ProfileForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.fields}
        member.refresh_from_db()
        if call_service(
            form, services.profile_update, member=member, actor=request.user, **changes
        ):
            messages.success(request, "Your profile has been saved.")
            return redirect("members:profile", pk=member.pk)
    token = Token.objects.filter(user=member).first() if member == request.user else None
    return render(
        request,
        "members/profile_edit.jinja",
        {"form": form, "member": member, "token": token},
    )


@login_required
@require_POST
def api_token_reset(request):
    services.api_token_reset(member=request.user)
    messages.success(request, "You have a new API token. The old one no longer works.")
    return redirect("members:edit_profile", pk=request.user.pk)
