from django import forms
from django.db.models import Q

from communities.models import Community
from communities.selectors import member_community_ids
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


class StoryForm(forms.Form):
    """What a story says. Lengths are checked by the service (with clear messages), so the
    form does not cut a long story off silently in the browser."""

    title = forms.CharField(
        label="Title",
        help_text=f"A few words. Up to {TITLE_MAX_LENGTH} characters.",
        required=False,
    )
    summary = forms.CharField(
        label="Summary",
        help_text=f"One or two sentences for the story feed. Up to {SUMMARY_MAX_LENGTH} "
        "characters.",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    body = forms.CharField(
        label="Your story",
        help_text="What did you change, how, and what happened? You can use Markdown: "
        "**bold**, *italic*, lists and [links](https://www.nhs.uk). Up to "
        f"{BODY_MAX_LENGTH:,} characters.",
        widget=forms.Textarea(attrs={"rows": 16}),
        required=False,
        strip=False,
    )
    outcome = forms.CharField(
        label="Measured outcome (optional)",
        help_text='One sentence with a number, for example "42 patients asked what matters '
        f'to them". Up to {OUTCOME_MAX_LENGTH} characters.',
        required=False,
    )
    community = forms.ModelChoiceField(
        label="Community (optional)",
        queryset=Community.objects.none(),
        required=False,
        empty_label="None: share it with everyone",
        to_field_name="slug",
        help_text="Stories are read by everyone; organisers of the community look after this one.",
    )
    tags = forms.CharField(
        label="Tags (optional)",
        help_text="Separate tags with commas, for example: patient experience, nights.",
        required=False,
    )
    pledges = forms.ModelMultipleChoiceField(
        label="Pledges this story tells about (optional)",
        queryset=Pledge.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Pledges you made or signed.",
    )
    campaign = forms.ModelChoiceField(
        label="Campaign (optional)",
        queryset=Campaign.objects.none(),
        required=False,
        empty_label="None",
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
            "outcome": story.outcome,
            "community": story.community.slug if story.community_id else "",
            "tags": ", ".join(t.name for t in story.tags.all()),
            "pledges": [p.pk for p in story.pledges.all()],
            "campaign": story.campaign.slug if story.campaign_id else "",
        }


class CoAuthorInviteForm(forms.Form):
    email = forms.EmailField(
        label="Their email address",
        help_text="They must have a Radicals account. We will send them an invitation.",
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_email(self) -> User:
        email = self.cleaned_data["email"].strip().lower()
        member = User.objects.filter(email__iexact=email, is_active=True).first()
        if member is None:
            raise forms.ValidationError(
                "No member has that email address. Ask them to create an account first."
            )
        self.member = member
        return email


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[("publish", "Publish the story"), ("return", "Return it to the author")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Note to the author",
        help_text="Required when you return the story: say what to change.",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=REVIEW_NOTE_MAX_LENGTH,
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Your comment",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=f"Be kind and specific. Up to {COMMENT_MAX_LENGTH:,} characters.",
    )
    parent = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )
