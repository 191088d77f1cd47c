from django import forms
from django.db.models import Q
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from communities.models import Community
from communities.selectors import member_community_ids
from kernel import written
from members.models import User
from pledges.models import Campaign, Pledge
from pledges.selectors import pledges_visible_to
from stories.models import (
    BODY_MAX_LENGTH,
    COMMENT_MAX_LENGTH,
    OUTCOME_MAX_LENGTH,
    REVIEW_NOTE_MAX_LENGTH,
    SUMMARY_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Story,
)


def _with_limit(message, limit: int) -> str:
    return str(message) % {"max": number_format(limit, force_grouping=True)}


# A help text with its limit filled in, in the language of the page it is shown on.
_limited = lazy(_with_limit, str)


class StoryForm(forms.Form):
    """What a story says. Lengths are checked by the service (with clear messages), so the
    form does not cut a long story off silently in the browser."""

    title = forms.CharField(
        label=_("Title"),
        help_text=_limited(_("A few words. Up to %(max)s characters."), TITLE_MAX_LENGTH),
        required=False,
    )
    summary = forms.CharField(
        label=_("Summary"),
        help_text=_limited(
            _("One or two sentences for the story feed. Up to %(max)s characters."),
            SUMMARY_MAX_LENGTH,
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    body = forms.CharField(
        label=_("Your story"),
        help_text=_limited(
            _(
                "What did you change, how, and what happened? You can use Markdown: "
                "**bold**, *italic*, lists and [links](https://www.nhs.uk). Up to %(max)s "
                "characters."
            ),
            BODY_MAX_LENGTH,
        ),
        widget=forms.Textarea(attrs={"rows": 16}),
        required=False,
        strip=False,
    )
    language = written.form_field()
    outcome = forms.CharField(
        label=_("Measured outcome (optional)"),
        help_text=_limited(
            _(
                'One sentence with a number, for example "42 patients asked what matters '
                'to them". Up to %(max)s characters.'
            ),
            OUTCOME_MAX_LENGTH,
        ),
        required=False,
    )
    community = forms.ModelChoiceField(
        label=_("Community (optional)"),
        queryset=Community.objects.none(),
        required=False,
        empty_label=_("None: share it with everyone"),
        to_field_name="slug",
        help_text=_(
            "Stories are read by everyone; organisers of the community look after this one."
        ),
    )
    tags = forms.CharField(
        label=_("Tags (optional)"),
        help_text=_("Separate tags with commas, for example: patient experience, nights."),
        required=False,
    )
    pledges = forms.ModelMultipleChoiceField(
        label=_("Pledges this story tells about (optional)"),
        queryset=Pledge.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Pledges you made or signed."),
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign (optional)"),
        queryset=Campaign.objects.none(),
        required=False,
        empty_label=_("None"),
        to_field_name="slug",
    )

    def __init__(
        self, *args, user=None, current_community=None, story=None, extra_pledge_ids=(), **kwargs
    ):
        super().__init__(*args, **kwargs)
        ids = set(member_community_ids(user)) if user is not None else set()
        if current_community is not None:
            ids.add(current_community.pk)
        self.fields["community"].queryset = Community.objects.filter(pk__in=ids).order_by("name")
        # The member's own commitments, the pledges already linked and any they started
        # from, but only those the member may see.
        offered = Q(signatures__member=user) if user is not None else Q(pk__in=[])
        if story is not None:
            offered |= Q(pk__in=story.pledges.values("pk"))
        if extra_pledge_ids:
            offered |= Q(pk__in=list(extra_pledge_ids))
        self.fields["pledges"].queryset = (
            pledges_visible_to(user).filter(offered).distinct().order_by("-created_at", "-id")
        )
        self.fields["pledges"].label_from_instance = lambda pledge: pledge.sentence
        self.fields["campaign"].queryset = Campaign.objects.order_by("-starts_on", "name")
        if not self.fields["pledges"].queryset.exists():
            del self.fields["pledges"]
        if not self.fields["campaign"].queryset.exists():
            del self.fields["campaign"]

    @classmethod
    def initial_for(cls, story: Story) -> dict:
        return {
            "title": story.title,
            "summary": story.summary,
            "body": story.body,
            "language": story.language,
            "outcome": story.outcome,
            "community": story.community.slug if story.community_id else "",
            "tags": ", ".join(t.name for t in story.tags.all()),
            "pledges": [p.pk for p in story.pledges.all()],
            "campaign": story.campaign.slug if story.campaign_id else "",
        }


class CoAuthorInviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Their email address"),
        help_text=_("They must have a Radicals account. We will send them an invitation."),
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_email(self) -> User:
        email = self.cleaned_data["email"].strip().lower()
        member = User.objects.filter(email__iexact=email, is_active=True).first()
        if member is None:
            raise forms.ValidationError(
                _("No member has that email address. Ask them to create an account first.")
            )
        self.member = member
        return email


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Your decision"),
        choices=[("publish", _("Publish the story")), ("return", _("Return it to the author"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note to the author"),
        help_text=_("Required when you return the story: say what to change."),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=REVIEW_NOTE_MAX_LENGTH,
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_limited(
            _("Be kind and specific. Up to %(max)s characters."), COMMENT_MAX_LENGTH
        ),
    )
    parent = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )
