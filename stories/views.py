"""Story pages: the feed, a story, writing and editing, co-authors, comments and review."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from communities import services as community_services
from communities.moderation import ModerationStatus, initial_status_for
from communities.permissions import can_moderate
from kernel import written
from kernel.ratelimit import rate_limited
from kernel.web import call_service
from members.models import User
from stories import permissions, pledge_links, selectors, services
from stories.forms import CoAuthorInviteForm, CommentForm, ReasonForm, ReviewForm, StoryForm
from stories.models import Story

FEED_PAGE_SIZE = 20


def _messages_of(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _run(request, service, success: str, **kwargs):
    """Run an action's service; its refusal becomes an error message on the next page."""
    try:
        result = service(**kwargs)
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
        return None
    if success:
        messages.success(request, success)
    return result


def _page_links(page, request) -> dict:
    params = request.GET.copy()
    params.pop("page", None)
    links = {}
    if page.has_previous():
        params["page"] = page.previous_page_number()
        links["previous"] = f"?{params.urlencode()}"
    if page.has_next():
        params["page"] = page.next_page_number()
        links["next"] = f"?{params.urlencode()}"
    return links


# --- Reading ---------------------------------------------------------------------------


def feed(request):
    filters = {
        "q": (request.GET.get("q") or "").strip()[:200],
        "community": request.GET.get("community") or "",
        "tag": request.GET.get("tag") or "",
        "campaign": request.GET.get("campaign") or "",
        # A language among those members write in; anything else shows every language.
        "language": written.known(request.GET.get("language")),
    }
    stories = selectors.story_feed(user=request.user, **{k: v or None for k, v in filters.items()})
    page = Paginator(stories, FEED_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "stories": list(page.object_list),
        "links": _page_links(page, request),
        "filters": filters,
        "filtered": any(filters.values()),
        "tags": selectors.tags_in_use(),
        "language_choices": written.choices(),
        "communities": selectors.communities_with_stories(),
        "campaigns": selectors.campaigns_with_stories(),
    }
    if request.htmx and request.htmx.target == "story-results":
        return render(request, "stories/_feed_results.jinja", context)
    return render(request, "stories/feed.jinja", context)


def _detail_context(request, story: Story) -> dict:
    user = request.user
    can_edit = permissions.can_edit_story(user, story)
    return {
        "story": story,
        "co_authors": story.accepted_co_authors,
        "can_edit": can_edit,
        "can_manage": permissions.can_manage_story(user, story),
        "can_read_review_note": permissions.can_read_review_note(user, story),
        "needs_review": story.is_private
        and initial_status_for(author=story.author, community=story.community)
        == ModerationStatus.PENDING,
        "can_review": permissions.can_review_story(user, story),
        "can_feature": permissions.can_feature_story(user, story) and story.is_public,
        "can_moderate": can_moderate(user, story.community),
        "can_react": permissions.can_react(user, story),
        "has_reacted": selectors.has_reacted(user=user, story=story),
        "can_comment": permissions.can_comment(user, story),
        "threads": selectors.comment_threads(
            user=user, story=story, page=request.GET.get("comments")
        )
        if story.is_public or can_edit
        else [],
        "comment_form": CommentForm(),
        "events": list(story.events.select_related("actor")) if can_edit else [],
        "can_edit_comment": lambda c: permissions.can_edit_comment(user, c),
        "linked_pledges": story.visible_pledges,
    }


def detail(request, slug: str):
    story = selectors.story_get_for(user=request.user, slug=slug)
    context = _detail_context(request, story)
    if request.htmx and request.htmx.target == "comments-more":
        # "More comments": the next page's threads, and the link to the one after.
        return render(request, "stories/_comments.jinja", {**context, "comments_page_only": True})
    return render(request, "stories/detail.jinja", context)


def print_view(request, slug: str):
    story = selectors.story_get_for(user=request.user, slug=slug)
    return render(
        request,
        "stories/print.jinja",
        {
            "story": story,
            "co_authors": story.accepted_co_authors,
            "linked_pledges": story.visible_pledges,
        },
    )


@login_required
def mine(request):
    return render(
        request,
        "stories/mine.jinja",
        {
            "stories": list(selectors.stories_of(user=request.user)),
            "invitations": selectors.invitations_for(user=request.user),
            "review_count": selectors.stories_to_review(user=request.user).count(),
        },
    )


# --- Writing ---------------------------------------------------------------------------


def _form_changes(form: StoryForm) -> dict:
    """The service's arguments from the form; optional fields the form did not offer
    (no pledges or campaigns to choose from) are left out, so they keep their value."""
    data = form.cleaned_data
    return {name: data[name] for name in services.EDITABLE_FIELDS if name in form.fields}


@login_required
def create(request):
    started = pledge_links.prefill(user=request.user, pledge_id=request.GET.get("pledge"))
    extra = [started["pledge"].pk] if started else []
    if request.method == "POST":
        form = StoryForm(request.POST, user=request.user, extra_pledge_ids=extra)
        if form.is_valid():
            story = call_service(
                form,
                services.story_create,
                author=request.user,
                **_form_changes(form),
            )
            if story is not None:
                messages.success(
                    request,
                    _(
                        "Your story is saved as a draft. Only you and your co-authors can see "
                        "it until you publish it."
                    ),
                )
                return redirect(story.get_absolute_url())
    else:
        initial = dict(started["initial"]) if started else {}
        if not started and request.GET.get("community"):
            initial["community"] = request.GET["community"]
        form = StoryForm(initial=initial, user=request.user, extra_pledge_ids=extra)
    return render(
        request,
        "stories/form.jinja",
        {
            "form": form,
            "story": None,
            "prefilled_from": started["pledge"].sentence if started else None,
        },
    )


def _editable(request, slug: str) -> Story:
    story = selectors.story_get_for(user=request.user, slug=slug)
    if not permissions.can_edit_story(request.user, story):
        raise PermissionDenied(_("Only the story's author and co-authors can change it."))
    return story


@login_required
def edit(request, slug: str):
    story = _editable(request, slug)
    form = StoryForm(
        request.POST if request.method == "POST" else None,
        initial=StoryForm.initial_for(story),
        user=request.user,
        current_community=story.community,
        story=story,
    )
    if not permissions.can_move_story(request.user, story):
        del form.fields["community"]
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form, services.story_update, story=story, actor=request.user, **_form_changes(form)
        )
    ):
        messages.success(request, _("Your changes are saved."))
        return redirect(story.get_absolute_url())
    return render(request, "stories/form.jinja", {"form": form, "story": story})


@login_required
@require_POST
def publish(request, slug: str):
    story = _editable(request, slug)
    story = _run(request, services.story_publish, "", story=story, actor=request.user)
    if story is not None:
        if story.status == Story.Status.SUBMITTED:
            messages.success(
                request,
                _(
                    "Your story is with the organisers of %(community)s. "
                    "They will publish it or return it to you with a note."
                )
                % {"community": story.community.name},
            )
        else:
            messages.success(request, _("Your story is published. Thank you for telling it."))
    return redirect("stories:detail", slug=slug)


@login_required
@require_POST
def withdraw(request, slug: str):
    story = _editable(request, slug)
    _run(
        request,
        services.story_withdraw,
        _("Your story is a private draft again."),
        story=story,
        actor=request.user,
    )
    return redirect("stories:detail", slug=slug)


@login_required
def delete(request, slug: str):
    story = _editable(request, slug)
    if not permissions.can_manage_story(request.user, story):
        raise PermissionDenied(_("Only the story's author can delete it."))
    if request.method == "POST":
        services.story_delete(story=story, actor=request.user)
        messages.success(request, _("“%(title)s” is deleted.") % {"title": story.title})
        return redirect("stories:mine")
    return render(
        request,
        "stories/confirm.jinja",
        {
            "story": story,
            "title": _("Delete “%(title)s”?") % {"title": story.title},
            "lede": _(
                "The story, its comments and reactions are deleted for good. "
                "If you only want to hide it for a while, take it back to draft instead."
            ),
            "button": _("Delete the story"),
            "warning": True,
            "form": None,
        },
    )


# --- Co-authors ------------------------------------------------------------------------


@login_required
@rate_limited("coauthor_invite")
def co_authors(request, slug: str):
    story = _editable(request, slug)
    can_manage = permissions.can_manage_story(request.user, story)
    form = CoAuthorInviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied(_("Only the story's author can invite co-authors."))
        if form.is_valid() and call_service(
            form,
            services.co_author_invite,
            story=story,
            actor=request.user,
            member=form.member,
        ):
            messages.success(
                request,
                _("We have invited %(name)s to co-author.")
                % {"name": form.member.name_for(request.user)},
            )
            return redirect("stories:co_authors", slug=slug)
    return render(
        request,
        "stories/co_authors.jinja",
        {
            "story": story,
            "form": form,
            "can_manage": can_manage,
            "co_authors": selectors.co_authors_of(story=story),
        },
    )


@login_required
@require_POST
def co_author_remove(request, slug: str, member_id: int):
    story = _editable(request, slug)
    member = User.objects.filter(pk=member_id).first()
    if member is None:
        raise Http404(_("No such member."))
    leaving = member.pk == request.user.pk
    _run(
        request,
        services.co_author_remove,
        _("You have left the story.") if leaving else _("The co-author is removed."),
        story=story,
        actor=request.user,
        member=member,
    )
    if leaving:
        return redirect("stories:mine")
    return redirect("stories:co_authors", slug=slug)


@login_required
@require_POST
def co_author_respond(request, pk: int):
    story = Story.objects.filter(pk=pk).first()
    if story is None:
        raise Http404(_("No such story."))
    accept = request.POST.get("answer") == "accept"
    co_author = _run(
        request,
        services.co_author_respond,
        _("You are now a co-author of “%(title)s”.") % {"title": story.title}
        if accept
        else _("You declined the invitation."),
        story=story,
        member=request.user,
        accept=accept,
    )
    if co_author is not None and accept:
        return redirect(story.get_absolute_url())
    return redirect("stories:mine")


# --- Reactions and comments ------------------------------------------------------------


@login_required
@require_POST
def react(request, slug: str):
    story = selectors.story_get_for(user=request.user, slug=slug)
    undo = request.POST.get("undo") == "1"
    error = None
    try:
        if undo:
            story = services.reaction_remove(story=story, member=request.user)
        else:
            services.reaction_add(story=story, member=request.user)
            story.refresh_from_db(fields=["inspired_count"])
    except ValidationError as exc:
        error = _messages_of(exc)
    if request.htmx:
        return render(
            request,
            "stories/_reaction.jinja",
            {
                "story": story,
                "can_react": permissions.can_react(request.user, story),
                "has_reacted": selectors.has_reacted(user=request.user, story=story),
                "reaction_error": error,
            },
        )
    if error:
        messages.error(request, error)
    return redirect(f"{story.get_absolute_url()}#reactions")


def _comment_url(user, comment) -> str:
    """The story page that shows `comment`: its page of comments, at the comment."""
    page = selectors.comment_thread_page(user=user, comment=comment)
    query = f"?comments={page}" if page > 1 else ""
    return f"{comment.story.get_absolute_url()}{query}#comment-{comment.pk}"


@login_required
@require_POST
@rate_limited("comment")
def comment_create(request, slug: str):
    story = selectors.story_get_for(user=request.user, slug=slug)
    form = CommentForm(request.POST)
    parent = None
    if form.is_valid() and form.cleaned_data.get("parent"):
        parent = (
            selectors.comments_visible_to(user=request.user, story=story)
            .filter(pk=form.cleaned_data["parent"])
            .first()
        )
        if parent is None:
            form.add_error(None, _("The comment you replied to is no longer here."))
    comment = None
    if form.is_valid():
        comment = call_service(
            form,
            services.comment_create,
            story=story,
            author=request.user,
            body=form.cleaned_data["body"],
            parent=parent,
        )
    if comment is not None:
        if comment.is_published:
            messages.success(request, _("Your comment is posted."))
        else:
            messages.success(
                request,
                _("Your comment is waiting for an organiser's approval before others see it."),
            )
        return redirect(_comment_url(request.user, comment))
    context = _detail_context(request, story)
    context["comment_form"] = form
    context["reply_to"] = parent.pk if parent is not None else form.data.get("parent")
    return render(request, "stories/detail.jinja", context, status=400)


@login_required
def comment_edit(request, pk: int):
    comment = selectors.comment_get_for(user=request.user, pk=pk)
    if comment.author_id != request.user.pk:
        raise PermissionDenied(_("You can only change your own comments."))
    form = CommentForm(
        request.POST if request.method == "POST" else None, initial={"body": comment.body}
    )
    form.fields.pop("parent")
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            services.comment_update,
            comment=comment,
            actor=request.user,
            body=form.cleaned_data["body"],
        )
    ):
        messages.success(request, _("Your comment is changed."))
        return redirect(_comment_url(request.user, comment))
    return render(
        request,
        "stories/comment_edit.jinja",
        {
            "comment": comment,
            "story": comment.story,
            "form": form,
            "can_edit": permissions.can_edit_comment(request.user, comment),
        },
    )


# --- Flags and moderation --------------------------------------------------------------


def _target(request, kind: str, pk: int):
    if kind == "story":
        story = selectors.stories_visible_to(request.user).filter(pk=pk).first()
        if story is None:
            raise Http404(_("No such story."))
        return story, story
    if kind == "comment":
        comment = selectors.comment_get_for(user=request.user, pk=pk)
        return comment, comment.story
    raise Http404(_("No such content."))


@login_required
@rate_limited("flag")
def flag(request, kind: str, pk: int):
    target, story = _target(request, kind, pk)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    form.fields["reason"].label = _("What is wrong with it?")
    form.fields["reason"].help_text = _("The organisers will read this. The author will not.")
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            community_services.flag_create,
            reporter=request.user,
            target=target,
            reason=form.cleaned_data["reason"],
        )
    ):
        messages.success(request, _("Thank you. The organisers will look at it."))
        return redirect(target.get_absolute_url())
    return render(
        request,
        "stories/confirm.jinja",
        {
            "story": story,
            "title": _("Report this story") if kind == "story" else _("Report this comment"),
            "lede": _(
                "Tell the organisers if it breaks the community's guidelines, shares "
                "someone's private information, or is unkind."
            ),
            "button": _("Send the report"),
            "form": form,
            "quote": target.body if kind == "comment" else target.title,
        },
    )


# What the moderation pages say, whole sentences for each kind of content and action.
MODERATION_WORDING = {
    ("story", "hide"): {
        "title": gettext_lazy("Hide this story"),
        "button": gettext_lazy("Hide the story"),
        "done": gettext_lazy("The story is hidden."),
    },
    ("story", "restore"): {
        "title": gettext_lazy("Restore this story"),
        "button": gettext_lazy("Restore the story"),
        "done": gettext_lazy("The story is visible again."),
    },
    ("comment", "hide"): {
        "title": gettext_lazy("Hide this comment"),
        "button": gettext_lazy("Hide the comment"),
        "done": gettext_lazy("The comment is hidden."),
    },
    ("comment", "restore"): {
        "title": gettext_lazy("Restore this comment"),
        "button": gettext_lazy("Restore the comment"),
        "done": gettext_lazy("The comment is visible again."),
    },
}


@login_required
def moderate(request, kind: str, pk: int, action: str):
    """Hide or restore a story or comment: the communities app's moderation, with a reason."""
    target, story = _target(request, kind, pk)
    if not can_moderate(request.user, story.community):
        raise PermissionDenied(_("Only the organisers of this story's community can moderate it."))
    services_by_action = {
        "hide": community_services.content_hide,
        "restore": community_services.content_restore,
    }
    if action not in services_by_action:
        raise Http404(_("No such action."))
    form = ReasonForm(request.POST if request.method == "POST" else None)
    form.fields["reason"].help_text = _("The author will see this.")
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            services_by_action[action],
            item=target,
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
    ):
        messages.success(request, MODERATION_WORDING[kind, action]["done"])
        return redirect(target.get_absolute_url())
    return render(
        request,
        "stories/confirm.jinja",
        {
            "story": story,
            "title": MODERATION_WORDING[kind, action]["title"],
            "lede": (
                _("Hidden content is seen only by its author and the moderators.")
                if action == "hide"
                else _("Everyone who can read the story will see it again.")
            ),
            "button": MODERATION_WORDING[kind, action]["button"],
            "form": form,
            "quote": target.body if kind == "comment" else target.title,
            "warning": action == "hide",
        },
    )


@login_required
def review_queue(request):
    return render(
        request,
        "stories/review_queue.jinja",
        {"stories": list(selectors.stories_to_review(user=request.user))},
    )


@login_required
def review(request, slug: str):
    story = selectors.story_get_for(user=request.user, slug=slug)
    if not permissions.can_review_story(request.user, story):
        raise PermissionDenied(_("Only organisers of this story's community can review it."))
    form = ReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        publish_it = form.cleaned_data["decision"] == "publish"
        if call_service(
            form,
            services.story_review,
            story=story,
            actor=request.user,
            publish=publish_it,
            note=form.cleaned_data["note"],
        ):
            messages.success(
                request,
                _("The story is published.")
                if publish_it
                else _("The story is returned to its author."),
            )
            return redirect("stories:review_queue")
    return render(request, "stories/review.jinja", {"story": story, "form": form})


@login_required
@require_POST
def feature(request, slug: str):
    story = selectors.story_get_for(user=request.user, slug=slug)
    featured = request.POST.get("featured") == "1"
    _run(
        request,
        services.story_feature,
        _("The story is featured.") if featured else _("The story is no longer featured."),
        story=story,
        actor=request.user,
        featured=featured,
    )
    return redirect(story.get_absolute_url())
