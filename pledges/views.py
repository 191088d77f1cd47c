"""Pledge pages: the wall, a pledge, making and editing one, co-signing (htmx or a plain
form post), check-ins, marking done, withdrawing, "My pledges" and campaigns.

Views parse, call one service or selector, and render; services hold the rules.
"""

from __future__ import annotations

from allauth.core.internal import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from communities.moderation import ModerationStatus
from kernel import written
from kernel.rendering import fragment
from kernel.web import call_service
from pledges import check_in_links, outcomes, permissions, sections, selectors, services
from pledges.check_in_links import LinkRefused
from pledges.filters import PledgeFilter
from pledges.forms import CheckInForm, DoneForm, PledgeEditForm, PledgeForm, ThanksForm
from pledges.models import Campaign, Pledge, format_quantity

WALL_PAGE_SIZE = 20


def _page_url(request, number: int) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    if number > 1:
        params["page"] = str(number)
    query = params.urlencode()
    return f"{request.path}?{query}" if query else request.path


def _community_href(community) -> str:
    """The community's own page when the communities app serves one, else the wall
    filtered to its pledges."""
    try:
        return reverse("communities:detail", args=[community.slug])
    except NoReverseMatch:
        return f"{reverse('pledges:wall')}?{urlencode({'community': community.slug})}"


# --- The wall ------------------------------------------------------------------------


def wall(request):
    # Always bound, so the default order and the hiding of withdrawn pledges apply.
    filterset = PledgeFilter(request.GET, queryset=selectors.pledge_wall(user=request.user))
    notice = None
    if "q" in filterset.errors:
        # A search too long to read: say so rather than show the wall unsearched.
        notice = _("Your search is too long: search with up to %(count)s characters.") % {
            "count": selectors.SEARCH_MAX_LENGTH
        }
        page = selectors.Page(items=[], number=1, size=WALL_PAGE_SIZE, has_next=False)
    else:
        page = filterset.page(page=request.GET.get("page"), size=WALL_PAGE_SIZE)
    if page.past_last_page:
        notice = _past_last_page_notice(page, searched=bool(filterset.search_text))
    choices = selectors.filter_choices()
    context = {
        "notice": notice,
        "last_page_url": _page_url(request, page.last_page) if page.past_last_page else None,
        "last_page_label": _("Go to page %(max)s") % {"max": page.last_page},
        "filterset": filterset,
        "form": filterset.form,
        "page": page,
        "choices": choices,
        "status_choices": Pledge.Status.choices,
        "language_choices": written.choices(),
        "sort_choices": selectors.Sort.CHOICES,
        "values": {name: request.GET.get(name, "") for name in filterset.filters},
        "previous_url": _page_url(request, page.number - 1) if page.has_previous else None,
        "next_url": _page_url(request, page.number + 1) if page.has_next else None,
        "filtered": any(request.GET.get(name) for name in filterset.filters if name != "sort"),
    }
    if request.htmx and request.htmx.target == "pledge-results":
        return render(request, "pledges/_wall_results.jinja", context)
    return render(request, "pledges/wall.jinja", context)


def _past_last_page_notice(page: selectors.Page, *, searched: bool) -> str:
    if searched:
        return _(
            "A search shows its first %(max)s pages. Add a word or choose a filter to narrow it."
        ) % {"max": page.last_page}
    return _("Pages stop at page %(max)s. Search or choose a filter to find older pledges.") % {
        "max": page.last_page
    }


# --- One pledge ----------------------------------------------------------------------


def _sign_panel_context(request, pledge: Pledge, signature, error: str | None = None) -> dict:
    user = request.user
    return {
        "pledge": pledge,
        "signature": signature,
        "can_sign": permissions.can_sign(user, pledge, signature),
        "can_unsign": permissions.can_unsign(user, pledge, signature),
        "sign_error": error,
    }


def detail(request, pk: int):
    # Read once, with what the page shows and the viewer's signature: a primary-key
    # read whose joins cost little next to a second round trip.
    pledge, signature = selectors.pledge_and_signature_for(user=request.user, pk=pk)
    return _detail_page(request, pledge, signature)


def _detail_page(request, pledge: Pledge, signature):
    user = request.user
    if signature is not None:
        signature.pledge = pledge
    lists = selectors.pledge_page_lists(pledge=pledge, user=user)
    share_url = f"{settings.SITE_URL}{pledge.get_absolute_url()}"
    thanks = lists.thanks
    context = {
        **_sign_panel_context(request, pledge, signature),
        "signatures": lists.signatures,
        "check_ins": lists.check_ins,
        "check_in_form": CheckInForm(unit=pledge.unit)
        if permissions.can_check_in(user, pledge, signature)
        else None,
        "done_form": DoneForm() if permissions.can_mark_done(user, pledge, signature) else None,
        "can_edit": permissions.can_edit_pledge(user, pledge),
        "can_withdraw": permissions.can_withdraw_pledge(user, pledge),
        "community_href": _community_href(pledge.community) if pledge.community_id else None,
        "share_url": share_url,
        "sections": sections.pledge_page.collect(
            request=request, pledge=pledge, signature=signature
        ),
        "outcome": outcomes.outcome_of(pledge=pledge, user=user),
        "thanked_check_ins": thanks.thanked_check_ins,
        "thanked_commitments": thanks.thanked_commitments,
        "check_in_thanks": thanks.check_in_counts,
        "commitment_thanks": thanks.commitment_counts,
        "thanks_notes": lists.thanks_notes,
    }
    return render(request, "pledges/detail.jinja", context)


def _load_for_action(request, pk: int) -> Pledge:
    # The bare row: the service locks it again, and the panel reads little beyond it.
    return selectors.pledge_get_for(user=request.user, pk=pk, related=False)


@require_POST
def sign(request, pk: int):
    """ "I'll do it too". With htmx the sign panel is swapped in place; without
    JavaScript the form posts here and the browser comes back to the pledge."""
    if not request.user.is_authenticated:
        target = reverse("pledges:detail", args=[pk])
        if request.htmx:
            return HttpResponseClientRedirect(f"{reverse(settings.LOGIN_URL)}?next={target}")
        return redirect_to_login(target)
    return _signature_action(request, pk, signing=True)


@require_POST
@login_required
def unsign(request, pk: int):
    return _signature_action(request, pk, signing=False)


def _signature_action(request, pk: int, *, signing: bool):
    # Signing locks and checks the pledge itself, so the busiest action on the site
    # reads it once; taking a signature back reads it first (the service does not ask
    # whether the member may see a pledge they have not signed).
    pledge = None if signing else _load_for_action(request, pk)
    error = None
    try:
        if signing:
            signature = services.pledge_sign(pledge=pk, member=request.user)
            pledge = signature.pledge
            if not selectors.can_see_pledge(request.user, pledge):
                raise Http404(_("No such pledge."))  # signed once, no longer theirs to see
        else:
            pledge = services.pledge_unsign(pledge=pledge, member=request.user)
            signature = None
    except Pledge.DoesNotExist:
        raise Http404(_("No such pledge.")) from None
    except (ValidationError, PermissionDenied) as exc:
        error = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
        pledge = _load_for_action(request, pk)  # 404 for a pledge they may not see
        signature = selectors.signature_of(user=request.user, pledge=pledge)
    if request.htmx:
        return fragment(
            request,
            "pledges/_sign_panel.jinja",
            {**_sign_panel_context(request, pledge, signature, error), "oob": True},
        )
    if error:
        messages.error(request, error)
    elif signing:
        messages.success(request, _("You have signed this pledge. Thank you for joining in."))
    else:
        messages.success(request, _("Your signature has been removed."))
    return redirect(pledge.get_absolute_url())


# --- Making and changing ---------------------------------------------------------------


def _prefill(request, form: PledgeForm) -> dict:
    """?campaign=<slug>&theme=<slug>&community=<slug>, as other pages link here."""
    initial = {}
    for name in ("campaign", "theme", "community"):
        slug = request.GET.get(name)
        field = form.fields.get(name)
        if slug and field is not None:
            chosen = field.queryset.filter(slug=slug).first()
            if chosen is not None:
                initial[name] = chosen.pk
    if "community" in initial:
        initial["visibility"] = Pledge.Visibility.PUBLIC
    return initial


@login_required
def create(request):
    if request.method == "POST":
        form = PledgeForm(request.POST, user=request.user)
        if form.is_valid():
            pledge = call_service(
                form, services.pledge_create, author=request.user, **form.cleaned_data
            )
            if pledge is not None:
                if pledge.moderation_status == ModerationStatus.PENDING:
                    messages.success(
                        request,
                        _(
                            "Your pledge is made. It will appear to others once an organiser "
                            "of the community has approved it."
                        ),
                    )
                elif pledge.status == Pledge.Status.GATHERING:
                    messages.success(
                        request,
                        ngettext(
                            "Your pledge is made. Share it: it starts when %(num)s other "
                            "person signs.",
                            "Your pledge is made. Share it: it starts when %(num)s other "
                            "people sign.",
                            pledge.threshold,
                        )
                        % {"num": pledge.threshold},
                    )
                else:
                    messages.success(
                        request, _("Your pledge is made. Share it so others join you.")
                    )
                return redirect(pledge.get_absolute_url())
    else:
        form = PledgeForm(user=request.user)
        form.initial.update(_prefill(request, form))
    return render(request, "pledges/create.jinja", {"form": form})


@login_required
def edit(request, pk: int):
    pledge = selectors.pledge_get_for(user=request.user, pk=pk)
    if not permissions.can_edit_pledge(request.user, pledge):
        raise PermissionDenied(_("Only the author can change an open pledge."))
    initial = {name: getattr(pledge, name) for name in services.EDITABLE_FIELDS}
    form = PledgeEditForm(request.POST or None, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form, services.pledge_update, pledge=pledge, actor=request.user, **form.cleaned_data
        )
    ):
        messages.success(request, _("Your pledge has been saved."))
        return redirect(pledge.get_absolute_url())
    return render(request, "pledges/edit.jinja", {"form": form, "pledge": pledge})


@login_required
def withdraw(request, pk: int):
    pledge = selectors.pledge_get_for(user=request.user, pk=pk)
    if not permissions.can_withdraw_pledge(request.user, pledge):
        raise PermissionDenied(_("Only the author can withdraw an open pledge."))
    error = None
    if request.method == "POST":
        try:
            services.pledge_withdraw(pledge=pledge, actor=request.user)
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            messages.success(
                request, _("Your pledge has been withdrawn. It stays, shown as withdrawn.")
            )
            return redirect(pledge.get_absolute_url())
    return render(request, "pledges/withdraw.jinja", {"pledge": pledge, "error": error})


# --- Check-ins and done ------------------------------------------------------------------


@login_required
def check_in(request, pk: int):
    pledge = selectors.pledge_get_for(user=request.user, pk=pk)
    form = CheckInForm(request.POST or None, unit=pledge.unit)
    if request.method == "POST" and form.is_valid():
        created = call_service(
            form,
            services.check_in_create,
            pledge=pledge,
            author=request.user,
            note=form.cleaned_data["note"],
            quantity=form.cleaned_data.get("quantity"),
            language=form.cleaned_data.get("language"),
        )
        if created is not None:
            if created.moderation_status == ModerationStatus.PENDING:
                messages.success(request, _("Thank you. Your check-in will show once approved."))
            else:
                messages.success(request, _("Thank you for checking in."))
            return redirect(f"{pledge.get_absolute_url()}#check-ins")
    return render(request, "pledges/check_in.jinja", {"form": form, "pledge": pledge})


@login_required
def done(request, pk: int):
    pledge = selectors.pledge_get_for(user=request.user, pk=pk)
    form = DoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        signature = call_service(
            form,
            services.signature_mark_done,
            pledge=pledge,
            member=request.user,
            outcome=form.cleaned_data["outcome"],
        )
        if signature is not None:
            messages.success(request, _("Well done: your commitment is marked done."))
            return redirect(pledge.get_absolute_url())
    return render(request, "pledges/done.jinja", {"form": form, "pledge": pledge})


# --- One-tap check-in links --------------------------------------------------------------

TOO_MANY = "too_many"
LINK_REFUSALS = {
    LinkRefused.FORGED: (
        400,
        gettext_lazy("This check-in link is not right. It may have been cut short or changed."),
    ),
    LinkRefused.EXPIRED: (
        410,
        gettext_lazy("This check-in link has expired. Links in our emails work for a few days."),
    ),
    LinkRefused.USED: (
        410,
        gettext_lazy("This check-in link has already been used. Each link works once."),
    ),
    LinkRefused.STALE: (
        403,
        gettext_lazy(
            "This check-in link no longer works, because the account’s password or email "
            "address changed since it was sent."
        ),
    ),
    TOO_MANY: (
        429,
        gettext_lazy("Too many check-in links were tried from your connection. Wait a minute."),
    ),
}


def _link_refused(request, reason: str):
    status, message = LINK_REFUSALS[reason]
    login = f"{reverse('account_login')}?{urlencode({'next': reverse('pledges:mine')})}"
    return render(
        request,
        "pledges/check_in_link_refused.jinja",
        {"message": message, "login_url": login},
        status=status,
    )


def check_in_link(request, token: str):
    """The short check-in form a "how is your pledge going?" email links to: the signed
    link stands in for signing in, for that member and pledge alone, once."""
    # Opening the link counts too: a guessed token is tried with a GET. With the cache
    # down the limit lets requests through rather than failing them.
    if not ratelimit.consume(
        request,
        app="pledges",
        action="check_in_link",
        config={"check_in_link": settings.CHECK_IN_LINK_RATE},
        limit_get=True,
    ):
        return _link_refused(request, TOO_MANY)
    try:
        link = check_in_links.read(token)
    except LinkRefused as refused:
        return _link_refused(request, refused.reason)
    pledge = link.pledge
    form = CheckInForm(request.POST if request.method == "POST" else None, unit=pledge.unit)
    if request.method == "POST" and form.is_valid():
        try:
            created = call_service(
                form,
                services.check_in_by_link,
                token=token,
                note=form.cleaned_data["note"],
                quantity=form.cleaned_data.get("quantity"),
                language=form.cleaned_data.get("language"),
            )
        except LinkRefused as refused:
            return _link_refused(request, refused.reason)
        except PermissionDenied as denied:
            form.add_error(None, str(denied))
            created = None
        if created is not None:
            return render(
                request,
                "pledges/check_in_link_done.jinja",
                {"pledge": pledge, "check_in": created, "member": link.member},
            )
    return render(
        request,
        "pledges/check_in_link.jinja",
        {"form": form, "pledge": pledge, "member": link.member},
        status=400 if request.method == "POST" else 200,
    )


# --- Thanks ------------------------------------------------------------------------------


def _thanks_button_context(request, *, kind: str, item, error: str | None = None) -> dict:
    """What the "Thank" button of one check-in or commitment shows (pledges/_thanks.jinja)."""
    thanks = selectors.thanks_on(pledge=item.pledge, user=request.user)
    if kind == "check_in":
        thanked, counts = thanks.thanked_check_ins, thanks.check_in_counts
        colleague = item.author
    else:
        thanked, counts = thanks.thanked_commitments, thanks.commitment_counts
        colleague = item.member
    return {
        "kind": kind,
        "item": item,
        "colleague": colleague,
        "thanked": item.pk in thanked,
        "thanks_count": counts.get(item.pk, 0),
        "thanks_error": error,
    }


def _thank(request, *, kind: str, item):
    """A plain form post (redirect back to the pledge), an htmx post (the button swaps
    to "Thanked" in place) or the page with the note form."""
    form = ThanksForm(request.POST if request.method == "POST" else None)
    target = {"check_in": item} if kind == "check_in" else {"commitment": item}
    thanks = None
    if request.method == "POST" and form.is_valid():
        thanks = call_service(
            form, services.thanks_give, giver=request.user, note=form.cleaned_data["note"], **target
        )
    if request.htmx and request.method == "POST":
        error = " ".join(str(e) for e in form.errors.get("note", []) + form.non_field_errors())
        context = _thanks_button_context(request, kind=kind, item=item, error=error or None)
        return render(request, "pledges/_thanks.jinja", context, status=200 if thanks else 400)
    if thanks is not None:
        messages.success(request, _("Thank you: we have told them."))
        return redirect(thanks.get_absolute_url())
    context = {
        **_thanks_button_context(request, kind=kind, item=item),
        "form": form,
        "pledge": item.pledge,
    }
    return render(
        request, "pledges/thank.jinja", context, status=400 if request.method == "POST" else 200
    )


@login_required
def thank_check_in(request, pk: int):
    return _thank(
        request, kind="check_in", item=selectors.check_in_get_for(user=request.user, pk=pk)
    )


@login_required
def thank_commitment(request, pk: int):
    return _thank(
        request, kind="commitment", item=selectors.commitment_get_for(user=request.user, pk=pk)
    )


# --- My pledges and campaigns ------------------------------------------------------------

MINE_TABS = [
    ("made", gettext_lazy("Made")),
    ("signed", gettext_lazy("Signed")),
    ("done", gettext_lazy("Done")),
]


@login_required
def mine(request):
    show = request.GET.get("show", "made")
    if show not in dict(MINE_TABS):
        show = "made"
    user = request.user
    if show == "made":
        queryset = selectors.pledges_made_by(member=user, viewer=user)
    elif show == "signed":
        queryset = selectors.signatures_of_member(member=user, viewer=user)
    else:
        queryset = selectors.commitments_done_by(member=user)
    page = selectors.page_of(queryset, page=request.GET.get("page"), size=WALL_PAGE_SIZE)
    return render(
        request,
        "pledges/mine.jinja",
        {
            "show": show,
            "tabs": MINE_TABS,
            "page": page,
            "previous_url": _page_url(request, page.number - 1) if page.has_previous else None,
            "next_url": _page_url(request, page.number + 1) if page.has_next else None,
        },
    )


def campaigns(request):
    counted = Q(
        pledges__moderation_status=ModerationStatus.PUBLISHED,
    ) & ~Q(pledges__status=Pledge.Status.WITHDRAWN)
    rows = selectors.campaigns_list().annotate(
        pledge_total=Count("pledges", filter=counted),
        quantity_total=Sum("pledges__total_quantity", filter=counted),
    )
    rows = list(rows)
    for campaign in rows:
        campaign.quantity_text = format_quantity(campaign.quantity_total)
    return render(request, "pledges/campaigns.jinja", {"campaigns": rows})


def campaign_detail(request, slug: str):
    campaign: Campaign = selectors.campaign_get(slug=slug)
    recent = list(
        selectors.pledge_wall(user=request.user)
        .filter(campaign=campaign)
        .exclude(status=Pledge.Status.WITHDRAWN)
        .order_by("-created_at", "-id")[:10]
    )
    return render(
        request,
        "pledges/campaign.jinja",
        {
            "campaign": campaign,
            "sections": sections.campaign_page.collect(request=request, campaign=campaign),
            "pledges": recent,
            "is_open": campaign.is_open(),
            "wall_url": f"{reverse('pledges:wall')}?{urlencode({'campaign': campaign.slug})}",
            "create_url": f"{reverse('pledges:create')}?{urlencode({'campaign': campaign.slug})}",
        },
    )
