from __future__ import annotations

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from learning import codes
from learning.models import Cohort, Question

SELF_PACED = "self"


def cohort_label(cohort: Cohort) -> str:
    return gettext("%(wave)s: %(start)s to %(end)s") % {
        "wave": cohort.name,
        "start": date_format(cohort.starts_on, "j F Y"),
        "end": date_format(cohort.ends_on, "j F Y"),
    }


class EnrolForm(forms.Form):
    """How to take a module: in one of its open waves, or at one's own pace."""

    cohort = forms.ChoiceField(
        label=_("How do you want to take this module?"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a wave or your own pace.")},
    )

    def __init__(self, *args, cohorts: list[Cohort], **kwargs):
        super().__init__(*args, **kwargs)
        self.cohorts = {str(c.pk): c for c in cohorts}
        self.fields["cohort"].choices = [(SELF_PACED, gettext("At my own pace"))] + [
            (str(c.pk), cohort_label(c)) for c in cohorts
        ]
        self.fields["cohort"].help_text = gettext(
            "In a wave you learn alongside others between its dates. "
            "At your own pace you can start now and finish when you like."
        )
        self.fields["cohort"].initial = SELF_PACED

    def chosen_cohort(self) -> Cohort | None:
        value = self.cleaned_data["cohort"]
        return None if value == SELF_PACED else self.cohorts[value]


class QuizForm(forms.Form):
    """One checkbox group per question. Every question is a checkbox group, whether it has
    one right answer or several, so the form says nothing about how many are right."""

    def __init__(self, *args, questions: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for number, question in enumerate(questions, start=1):
            self.fields[f"question_{question.pk}"] = forms.TypedMultipleChoiceField(
                label=f"{number}. {question.text}",
                choices=[(choice.pk, choice.text) for choice in question.choices.all()],
                coerce=int,
                widget=forms.CheckboxSelectMultiple,
                help_text=gettext("Select every answer you think is right."),
                error_messages={
                    "required": gettext("Choose at least one answer to question %(number)s.")
                    % {"number": number},
                    "invalid_choice": gettext(
                        "Choose from the answers given for question %(number)s."
                    )
                    % {"number": number},
                },
            )

    def answers(self) -> dict[int, list[int]]:
        return {
            question.pk: self.cleaned_data[f"question_{question.pk}"] for question in self.questions
        }


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("Certificate code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("Enter the code from the certificate.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = gettext(
            "The 16 letters and numbers on the certificate, for example %(example)s."
        ) % {"example": codes.EXAMPLE}

    def clean_code(self) -> str:
        normalised = codes.normalise(self.cleaned_data["code"])
        if normalised is None:
            raise forms.ValidationError(
                gettext(
                    "Enter the code exactly as it is on the certificate: 16 letters and "
                    "numbers, like %(example)s."
                )
                % {"example": codes.EXAMPLE}
            )
        return codes.display(normalised)


class RevokeForm(forms.Form):
    """Used by the admin action that revokes certificates."""

    reason = forms.CharField(
        label=_("Why are these certificates revoked?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with each certificate as the audit record."),
    )
