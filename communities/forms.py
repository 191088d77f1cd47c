from django import forms
from django.utils.translation import gettext_lazy as _

from communities.models import Community
from members.models import Organisation, Region, User

BAN_DURATIONS = [
    ("7", _("1 week")),
    ("30", _("30 days")),
    ("90", _("3 months")),
    ("365", _("1 year")),
    ("indefinite", _("Indefinitely, until an organiser lifts the ban")),
]
INVITATION_DAYS = [
    ("1", _("1 day")),
    ("7", _("1 week")),
    ("14", _("2 weeks")),
    ("30", _("30 days")),
    ("90", _("90 days")),
]


class CommunitySearchForm(forms.Form):
    q = forms.CharField(label=_("Search communities"), max_length=100, required=False)


class CommunityForm(forms.Form):
    """Asking for (members) or creating (admins) a community."""

    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("What is the community for?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Who it is for and what it wants to change. You can use Markdown."),
    )
    guidelines = forms.CharField(
        label=_("Community guidelines"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("How members treat each other. Moderators point to these when they act."),
    )
    joining_policy = forms.ChoiceField(
        label=_("Who can join"),
        choices=Community.JoiningPolicy.choices,
        initial=Community.JoiningPolicy.OPEN,
        widget=forms.RadioSelect,
    )
    organisation = forms.ModelChoiceField(
        label=_("Parent organisation (optional)"),
        queryset=Organisation.objects.order_by("name"),
        required=False,
    )
    region = forms.ModelChoiceField(
        label=_("Region (optional)"), queryset=Region.objects.order_by("name"), required=False
    )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Enter the community's name."))
        return name


class AdminCommunityForm(CommunityForm):
    organiser_email = forms.EmailField(
        label=_("First organiser's email address (optional)"),
        required=False,
        help_text=_("Leave empty to run the community yourself until you appoint someone."),
    )

    def clean_organiser_email(self):
        email = (self.cleaned_data.get("organiser_email") or "").strip().lower()
        if not email:
            return None
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("No member has this email address."))
        return user


class CommunitySettingsForm(forms.ModelForm):
    class Meta:
        model = Community
        fields = [
            "description",
            "guidelines",
            "joining_policy",
            "premoderate_first_posts",
            "organisation",
            "region",
        ]
        labels = {
            "description": _("What is the community for?"),
            "guidelines": _("Community guidelines"),
            "joining_policy": _("Who can join"),
            "premoderate_first_posts": _("Pre-moderation: posts of new members that wait"),
            "organisation": _("Parent organisation (optional)"),
            "region": _("Region (optional)"),
        }
        help_texts = {
            "description": _("You can use Markdown."),
            "premoderate_first_posts": _(
                "The first this many posts of each new member wait for an "
                "organiser to approve them. 0 switches pre-moderation off."
            ),
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "guidelines": forms.Textarea(attrs={"rows": 5}),
            "joining_policy": forms.RadioSelect,
        }

    def clean_premoderate_first_posts(self) -> int:
        value = self.cleaned_data["premoderate_first_posts"]
        if value > 20:
            raise forms.ValidationError(_("Pre-moderate at most the first 20 posts."))
        return value


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the organisers (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Say who you are and why you would like to join."),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Your decision"),
        choices=[("approve", _("Approve")), ("decline", _("Decline"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (optional when approving)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The person who asked will see it."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "decline" and not (data.get("reason") or "").strip():
            self.add_error(
                "reason", _("Give a reason for declining. The person who asked will see it.")
            )
        return data


class ReasonForm(forms.Form):
    """A moderation action: every one needs a reason, which goes on the record."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The member will see it, and it is kept in the audit log."),
    )

    def __init__(self, *args, reason_required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not reason_required:
            self.fields["reason"].required = False
            self.fields["reason"].label = _("Reason (optional)")


class BanForm(ReasonForm):
    duration = forms.ChoiceField(
        label=_("How long for"), choices=BAN_DURATIONS, initial="30", widget=forms.RadioSelect
    )

    field_order = ["duration", "reason"]

    def ban_days(self) -> int | None:
        value = self.cleaned_data["duration"]
        return None if value == "indefinite" else int(value)


class FlagForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with it?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "For example, it breaks the community guidelines, shares personal "
            "information about a patient, or is abusive. Only moderators see this."
        ),
    )


class InvitationForm(forms.Form):
    days_valid = forms.TypedChoiceField(
        label=_("The link works for"),
        choices=INVITATION_DAYS,
        coerce=int,
        initial="14",
    )
    note = forms.CharField(
        label=_("Note for organisers (optional)"),
        max_length=200,
        required=False,
        help_text=_("For example, who you will send it to."),
    )
