"""Community pages: browse, join, run a community, moderate it, and read its audit log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from communities import permissions, sections, selectors, services
from communities.filters import AuditEntryFilter
from communities.forms import (
    AdminCommunityForm,
    BanForm,
    CommunityForm,
    CommunitySearchForm,
    CommunitySettingsForm,
    DecisionForm,
    FlagForm,
    InvitationForm,
    JoinRequestForm,
    ReasonForm,
)
from communities.models import Community, Flag, Invitation, Membership
from communities.moderation import ModerationStatus, moderated_type_by_key
from communities.selectors import can_see
from kernel import caching
from kernel.ratelimit import rate_limited
from kernel.web import call_service
from members.models import User


def _community(request, slug: str) -> Community:
    return selectors.community_for(slug=slug, user=request.user)


def _require_moderator(request, community: Community | None) -> None:
    if not permissions.can_moderate(request.user, community):
        if community is None:
            raise PermissionDenied(
                _("Only the organisers of this community and platform admins can do this.")
            )
        raise PermissionDenied(
            _("Only the organisers of %(community)s and platform admins can do this.")
            % {"community": community.name}
        )


def _messages_from(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _page(request, items, per_page: int = 20):
    return Paginator(items, per_page).get_page(request.GET.get("page"))


# --- Browsing ---------------------------------------------------------------------------


def community_list(request):
    form = CommunitySearchForm(request.GET or None)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    page = _page(request, selectors.communities_list(q=q))
    return render(
        request,
        "communities/list.jinja",
        {
            "form": form,
            "q": q,
            "page": page,
            "memberships": selectors.memberships_for_user(request.user),
            "my_requests": selectors.communities_requested_by(request.user),
            "can_create": permissions.can_create_community(request.user),
        },
    )


def community_detail(request, slug: str):
    community, membership, organisers = selectors.community_page_for(slug=slug, user=request.user)
    # Named right after the community's row is read (with its organisers and the
    # viewer's membership, in the same statement), before everything else the page
    # shows (its pledges, stories, members).
    caching.page_shows(request, caching.community(community.pk))
    return render(
        request,
        "communities/detail.jinja",
        {
            "community": community,
            "membership": membership,
            "organisers": organisers,
            "can_moderate": permissions.can_moderate(request.user, community),
            "can_see_members": permissions.can_see_members(request.user, community),
            "is_banned": selectors.membership_is_banned(membership),
            "sections": sections.community_page.collect(request=request, community=community),
        },
    )


@login_required
def community_create(request):
    """Admins create a community; members ask for one, which waits for an admin."""
    is_admin = permissions.can_create_community(request.user)
    form_class = AdminCommunityForm if is_admin else CommunityForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if is_admin:
            organiser = data.pop("organiser_email")
            community = call_service(
                form, services.community_create, actor=request.user, organiser=organiser, **data
            )
            if community:
                messages.success(
                    request,
                    _("%(community)s has been created.") % {"community": community.name},
                )
                return redirect("communities:detail", slug=community.slug)
        else:
            community = call_service(
                form, services.community_request, requester=request.user, **data
            )
            if community:
                messages.success(
                    request,
                    _(
                        "Thank you. An admin will look at your request for %(community)s; "
                        "we will let you know their answer."
                    )
                    % {"community": community.name},
                )
                return redirect("communities:list")
    return render(request, "communities/create.jinja", {"form": form, "is_admin": is_admin})


@login_required
def communities_requested(request):
    if not request.user.is_staff:
        raise PermissionDenied(_("Only platform admins approve communities."))
    return render(
        request,
        "communities/requested.jinja",
        {"communities": selectors.communities_requested(), "form": DecisionForm()},
    )


@login_required
def community_decide(request, slug: str):
    if not request.user.is_staff:
        raise PermissionDenied(_("Only platform admins approve communities."))
    community = get_object_or_404(Community, slug=slug)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        if call_service(
            form,
            services.community_decide,
            community=community,
            actor=request.user,
            approve=approve,
            reason=form.cleaned_data["reason"],
        ):
            done = (
                _("%(community)s has been approved.")
                if approve
                else _("%(community)s has been declined.")
            )
            messages.success(request, done % {"community": community.name})
            return redirect("communities:requested")
    return render(
        request, "communities/decide_community.jinja", {"community": community, "form": form}
    )


# --- Joining and leaving ------------------------------------------------------------------


@login_required
@require_POST
def join(request, slug: str):
    community = _community(request, slug)
    try:
        services.membership_join(community=community, member=request.user)
    except ValidationError as exc:
        _messages_from(request, exc)
    else:
        messages.success(request, _("Welcome to %(community)s.") % {"community": community.name})
    return redirect("communities:detail", slug=community.slug)


@login_required
def request_to_join(request, slug: str):
    community = _community(request, slug)
    form = JoinRequestForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            services.membership_request,
            community=community,
            member=request.user,
            message=form.cleaned_data["message"],
        )
    ):
        messages.success(
            request,
            _("You have asked to join %(community)s. We will tell you when an organiser answers.")
            % {"community": community.name},
        )
        return redirect("communities:detail", slug=community.slug)
    return render(request, "communities/request.jinja", {"community": community, "form": form})


@login_required
def leave(request, slug: str):
    community = _community(request, slug)
    membership = selectors.membership_of(request.user, community)
    if membership is None or membership.status not in (
        Membership.Status.ACTIVE,
        Membership.Status.PENDING,
    ):
        messages.error(
            request, _("You are not a member of %(community)s.") % {"community": community.name}
        )
        return redirect("communities:detail", slug=community.slug)
    if request.method == "POST":
        try:
            services.membership_leave(community=community, member=request.user)
        except ValidationError as exc:
            _messages_from(request, exc)
        else:
            done = (
                _("You have withdrawn your request to join %(community)s.")
                if membership.status == "pending"
                else _("You have left %(community)s.")
            )
            messages.success(request, done % {"community": community.name})
        return redirect("communities:detail", slug=community.slug)
    return render(
        request, "communities/leave.jinja", {"community": community, "membership": membership}
    )


@login_required
def invitation(request, token: str):
    found = selectors.invitation_by_token(token)
    problem = services.invitation_problem(found)
    status = 404 if found is None else 410 if problem else 200
    if request.method == "POST" and not problem:
        try:
            services.invitation_accept(token=token, member=request.user)
        except ValidationError as exc:
            problem, status = " ".join(exc.messages), 400
        else:
            messages.success(
                request, _("Welcome to %(community)s.") % {"community": found.community.name}
            )
            return redirect("communities:detail", slug=found.community.slug)
    membership = selectors.membership_of(request.user, found.community) if found else None
    return render(
        request,
        "communities/invitation.jinja",
        {"invitation": found, "problem": problem, "membership": membership},
        status=status,
    )


# --- Members -----------------------------------------------------------------------------


@login_required
def members(request, slug: str):
    community = _community(request, slug)
    if not permissions.can_see_members(request.user, community):
        raise PermissionDenied(
            _("Only members of %(community)s can see who belongs to it.")
            % {"community": community.name}
        )
    page = _page(request, selectors.memberships_of(community), per_page=50)
    return render(request, "communities/members.jinja", {"community": community, "page": page})


@login_required
@rate_limited("flag")
def flag_member(request, slug: str, member_id: int):
    community = _community(request, slug)
    if not permissions.can_see_members(request.user, community):
        raise PermissionDenied(
            _("Only members of %(community)s can flag its members.") % {"community": community.name}
        )
    member = get_object_or_404(User, pk=member_id, memberships__community=community, is_active=True)
    form = FlagForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            services.flag_create,
            reporter=request.user,
            target=member,
            community=community,
            reason=form.cleaned_data["reason"],
        )
    ):
        messages.success(request, _("Thank you. The organisers will look at what you told them."))
        return redirect("communities:members", slug=community.slug)
    return render(
        request,
        "communities/flag.jinja",
        {
            "form": form,
            "what": _("%(member)s, a member of %(community)s")
            % {"member": member.name_for(request.user), "community": community.name},
            "back": reverse("communities:members", args=[community.slug]),
            "community": community,
        },
    )


def _content(key: str, pk: int):
    mtype = moderated_type_by_key(key)
    if mtype is None:
        raise Http404(_("Nothing of this kind can be flagged or moderated."))
    item = mtype.model._base_manager.filter(pk=pk).first()
    return mtype, item


@login_required
@rate_limited("flag")
def flag_content(request, key: str, pk: int):
    mtype, item = _content(key, pk)
    if item is None:
        raise Http404(_("No such %(what)s.") % {"what": mtype.name})
    # Content the member cannot see does not exist for them.
    if not can_see(member=request.user, item=item):
        raise Http404(_("No such %(what)s.") % {"what": mtype.name})
    form = FlagForm(request.POST or None)
    back = mtype.url_of(item)
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            services.flag_create,
            reporter=request.user,
            target=item,
            reason=form.cleaned_data["reason"],
        )
    ):
        messages.success(request, _("Thank you. The moderators will look at what you told them."))
        return redirect(back)
    return render(
        request,
        "communities/flag.jinja",
        {
            "form": form,
            "what": _("this %(what)s: “%(text)s”")
            % {"what": mtype.name, "text": mtype.text_of(item)},
            "back": back,
            "community": item.moderation_community,
        },
    )


# --- Running a community -------------------------------------------------------------------


def _manage_context(request, community: Community, **forms) -> dict:
    return {
        "community": community,
        "requests": selectors.pending_requests(community),
        "memberships": selectors.memberships_of(
            community, statuses=[Membership.Status.ACTIVE, Membership.Status.BANNED]
        ),
        "invitations": selectors.invitations_of(community)[:50],
        "invitation_form": forms.get("invitation_form") or InvitationForm(),
        "queue_count": len(selectors.moderation_queue(request.user, community=community)),
    }


@login_required
def manage(request, slug: str):
    community = _community(request, slug)
    _require_moderator(request, community)
    return render(request, "communities/manage.jinja", _manage_context(request, community))


@login_required
def edit(request, slug: str):
    community = _community(request, slug)
    _require_moderator(request, community)
    form = CommunitySettingsForm(request.POST or None, instance=community)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.fields}
        community.refresh_from_db()
        if call_service(
            form, services.community_update, community=community, actor=request.user, **changes
        ):
            messages.success(request, _("The community's settings have been saved."))
            return redirect("communities:manage", slug=community.slug)
    return render(request, "communities/edit.jinja", {"community": community, "form": form})


@login_required
def decide_request(request, slug: str, membership_id: int):
    community = _community(request, slug)
    _require_moderator(request, community)
    membership = get_object_or_404(
        Membership.objects.select_related("member"), pk=membership_id, community=community
    )
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        if call_service(
            form,
            services.membership_decide,
            membership=membership,
            actor=request.user,
            approve=approve,
            reason=form.cleaned_data["reason"],
        ):
            who = membership.member.display_name or membership.member.email
            messages.success(
                request,
                (
                    _("%(member)s is now a member.")
                    if approve
                    else _("You declined %(member)s's request.")
                )
                % {"member": who},
            )
            return redirect("communities:manage", slug=community.slug)
    return render(
        request,
        "communities/decide_request.jinja",
        {"community": community, "membership": membership, "form": form},
    )


MEMBER_ACTIONS = {
    # action: (form class, reason required, success message)
    "appoint": (ReasonForm, False, gettext_lazy("%(name)s is now an organiser.")),
    "demote": (ReasonForm, False, gettext_lazy("%(name)s is no longer an organiser.")),
    "warn": (ReasonForm, True, gettext_lazy("%(name)s has been sent your warning.")),
    "dismiss": (ReasonForm, True, gettext_lazy("The flags on %(name)s have been dismissed.")),
    "remove": (ReasonForm, True, gettext_lazy("%(name)s has been removed from the community.")),
    "ban": (BanForm, True, gettext_lazy("%(name)s has been banned.")),
    "unban": (ReasonForm, False, gettext_lazy("%(name)s's ban has been lifted.")),
}


def _member_forms(bound_action: str | None = None, bound_form=None) -> dict:
    forms = {}
    for action, (form_class, required, _success) in MEMBER_ACTIONS.items():
        if action == bound_action:
            forms[action] = bound_form
        else:
            forms[action] = form_class(prefix=action, reason_required=required)
    return forms


def _run_member_action(request, action, form, *, community, member):
    actor = request.user
    reason = form.cleaned_data.get("reason", "")
    common = {"community": community, "actor": actor}
    if action == "appoint":
        return call_service(
            form, services.organiser_appoint, member=member, reason=reason, **common
        )
    if action == "demote":
        return call_service(form, services.organiser_remove, member=member, reason=reason, **common)
    if action == "warn":
        return call_service(form, services.author_warn, target=member, reason=reason, **common)
    if action == "dismiss":
        result = call_service(form, services.flags_dismiss, target=member, reason=reason, **common)
        return result if result is None else True
    if action == "remove":
        return call_service(form, services.member_remove, member=member, reason=reason, **common)
    if action == "ban":
        try:
            until = services.ban_until_from_days(form.ban_days())
        except ValidationError as exc:
            form.add_error("duration", exc.messages)
            return None
        return call_service(
            form, services.member_ban, member=member, reason=reason, until=until, **common
        )
    if action == "unban":
        return call_service(form, services.member_unban, member=member, reason=reason, **common)
    raise Http404(_("No such action."))


@login_required
def manage_member(request, slug: str, member_id: int):
    community = _community(request, slug)
    _require_moderator(request, community)
    membership = get_object_or_404(
        Membership.objects.select_related("member", "invited_by"),
        community=community,
        member_id=member_id,
    )
    member = membership.member
    bound_action, bound_form = None, None
    if request.method == "POST":
        bound_action = request.POST.get("action", "")
        if bound_action not in MEMBER_ACTIONS:
            raise Http404(_("No such action."))
        form_class, required, success = MEMBER_ACTIONS[bound_action]
        bound_form = form_class(request.POST, prefix=bound_action, reason_required=required)
        if bound_form.is_valid():
            done = _run_member_action(
                request, bound_action, bound_form, community=community, member=member
            )
            if done is not None:
                messages.success(
                    request, str(success) % {"name": member.display_name or member.email}
                )
                return redirect("communities:manage_member", slug=slug, member_id=member.pk)
    return render(
        request,
        "communities/manage_member.jinja",
        {
            "community": community,
            "membership": membership,
            "member": member,
            "flags": selectors.open_flags_on(member, community=community),
            "forms": _member_forms(bound_action, bound_form),
            "bound_action": bound_action,
            "history": selectors.audit_entries_for(request.user, community=community).filter(
                target_type=ContentType.objects.get_for_model(User), target_id=member.pk
            )[:20],
        },
        status=400 if bound_form is not None and bound_form.errors else 200,
    )


@login_required
@require_POST
def invitation_create(request, slug: str):
    community = _community(request, slug)
    _require_moderator(request, community)
    form = InvitationForm(request.POST)
    if form.is_valid():
        invitation = call_service(
            form,
            services.invitation_create,
            community=community,
            actor=request.user,
            days_valid=form.cleaned_data["days_valid"],
            note=form.cleaned_data["note"],
        )
        if invitation:
            messages.success(
                request, _("Your invitation link is ready. Copy it from the list of invitations.")
            )
            return redirect(reverse("communities:manage", args=[slug]) + "#invitations")
    return render(
        request,
        "communities/manage.jinja",
        _manage_context(request, community, invitation_form=form),
        status=400,
    )


@login_required
@require_POST
def invitation_revoke(request, slug: str, pk: int):
    community = _community(request, slug)
    _require_moderator(request, community)
    found = get_object_or_404(Invitation, pk=pk, community=community)
    services.invitation_revoke(invitation=found, actor=request.user)
    messages.success(request, _("The invitation link has been revoked. It no longer works."))
    return redirect(reverse("communities:manage", args=[slug]) + "#invitations")


# --- Moderation -------------------------------------------------------------------------------


@login_required
def moderation_queue(request):
    if not permissions.can_use_moderation(request.user):
        raise PermissionDenied(_("The moderation queue is for organisers and platform admins."))
    return render(
        request,
        "communities/queue.jinja",
        {"items": selectors.moderation_queue(request.user), "community": None},
    )


@login_required
def community_queue(request, slug: str):
    community = _community(request, slug)
    _require_moderator(request, community)
    return render(
        request,
        "communities/queue.jinja",
        {
            "items": selectors.moderation_queue(request.user, community=community),
            "community": community,
        },
    )


CONTENT_ACTIONS = {
    # action: (reason required, success message)
    "approve": (False, gettext_lazy("The %(what)s has been approved and published.")),
    "hide": (True, gettext_lazy("The %(what)s has been hidden.")),
    "restore": (True, gettext_lazy("The %(what)s is visible again.")),
    "warn": (True, gettext_lazy("The author has been sent your warning.")),
    "dismiss": (True, gettext_lazy("The flags on this %(what)s have been dismissed.")),
}


def _content_actions_for(status: str, has_flags: bool) -> list[str]:
    if status == ModerationStatus.PENDING:
        actions = ["approve", "hide"]
    elif status == ModerationStatus.HIDDEN:
        actions = ["restore"]
    else:
        actions = ["hide"]
    actions.append("warn")
    if has_flags:
        actions.append("dismiss")
    return actions


@login_required
def moderate_content(request, key: str, pk: int):
    mtype, item = _content(key, pk)
    target_type = ContentType.objects.get_for_model(mtype.model)
    if item is None:
        return _moderate_missing(request, mtype, target_type, pk)
    community = item.moderation_community
    _require_moderator(request, community)
    flags = selectors.open_flags_on(item)
    bound_action, bound_form = None, None
    if request.method == "POST":
        bound_action = request.POST.get("action", "")
        if bound_action not in CONTENT_ACTIONS:
            raise Http404(_("No such action."))
        required, success = CONTENT_ACTIONS[bound_action]
        bound_form = ReasonForm(request.POST, prefix=bound_action, reason_required=required)
        if bound_form.is_valid():
            service = {
                "approve": services.content_approve,
                "hide": services.content_hide,
                "restore": services.content_restore,
            }.get(bound_action)
            reason = bound_form.cleaned_data["reason"]
            if service is not None:
                done = call_service(
                    bound_form, service, item=item, actor=request.user, reason=reason
                )
            else:
                service = services.author_warn if bound_action == "warn" else services.flags_dismiss
                done = call_service(
                    bound_form, service, target=item, actor=request.user, reason=reason
                )
                done = True if done is not None else None
            if done is not None:
                messages.success(request, str(success) % {"what": mtype.name})
                next_url = (
                    reverse("communities:community_queue", args=[community.slug])
                    if community
                    else reverse("communities:moderation")
                )
                return redirect(next_url)
    refusals = {
        action: services.decision_refusal(item=item, actor=request.user, action=action)
        for action in _content_actions_for(item.moderation_status, flags.exists())
    }
    forms = {
        action: (
            bound_form
            if action == bound_action
            else ReasonForm(prefix=action, reason_required=CONTENT_ACTIONS[action][0])
        )
        for action, refusal in refusals.items()
        if not refusal
    }
    return render(
        request,
        "communities/moderate.jinja",
        {
            "mtype": mtype,
            "item": item,
            "text": mtype.text_of(item),
            "item_url": mtype.url_of(item),
            "community": community,
            "author": item.moderation_author,
            "flags": flags,
            "forms": forms,
            "refusals": sorted({refusal for refusal in refusals.values() if refusal}),
            "bound_action": bound_action,
            "history": selectors.audit_entries_for(request.user, community=community).filter(
                target_type=target_type, target_id=item.pk
            )[:20]
            if community
            else selectors.audit_entries_for(request.user).filter(
                target_type=target_type, target_id=item.pk
            )[:20],
        },
        status=400 if bound_form is not None and bound_form.errors else 200,
    )


def _moderate_missing(request, mtype, target_type, pk: int):
    """Flags can outlive the content they point at (its author deleted it): dismiss them."""
    flags = list(
        Flag.objects.filter(target_type=target_type, target_id=pk, status=Flag.Status.OPEN)
        .select_related("community", "reporter")
        .order_by("created_at")
    )
    if not flags:
        raise Http404(_("No such %(what)s.") % {"what": mtype.name})
    community = flags[0].community
    _require_moderator(request, community)
    form = ReasonForm(request.POST or None, prefix="dismiss")
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            services.flags_dismiss_orphaned,
            actor=request.user,
            target_type=target_type,
            target_id=pk,
            reason=form.cleaned_data["reason"],
        )
    ):
        messages.success(request, _("The flags have been dismissed."))
        return redirect("communities:moderation")
    return render(
        request,
        "communities/moderate_missing.jinja",
        {"mtype": mtype, "flags": flags, "form": form, "community": community},
    )


# --- Audit log ------------------------------------------------------------------------------


def _audit_page(request, *, community: Community | None):
    entries = selectors.audit_entries_for(request.user, community=community)
    data = request.GET.copy()
    if community is not None:
        data.pop("community", None)
    filterset = AuditEntryFilter(data or None, queryset=entries, request=request)
    if community is not None:
        del filterset.form.fields["community"]
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else entries
    query = data.copy()
    query.pop("page", None)
    return render(
        request,
        "communities/audit.jinja",
        {
            "community": community,
            "form": filterset.form,
            "page": _page(request, rows, per_page=50),
            "query": query.urlencode(),
        },
        status=400 if filterset.is_bound and filterset.errors else 200,
    )


@login_required
def audit_log(request):
    if not permissions.can_use_moderation(request.user):
        raise PermissionDenied(_("The audit log is for organisers and platform admins."))
    return _audit_page(request, community=None)


@login_required
def community_audit_log(request, slug: str):
    community = _community(request, slug)
    if not permissions.can_read_audit(request.user, community):
        raise PermissionDenied(
            _("Only the organisers of %(community)s and platform admins can read its audit log.")
            % {"community": community.name}
        )
    return _audit_page(request, community=community)
