"""Forms: they parse and validate; the services write."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from community.network.models import Region, Space
from profiles.avatars import MAX_AVATAR_BYTES, avatar_validate
from profiles.models import LANGUAGE_NAMES, Member
from profiles.selectors import SORTS
from profiles.services import MAX_SKILLS_PER_LIST, PROFILE_FIELDS, split_skill_terms, validate_skill_terms


def language_choices() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in LANGUAGE_NAMES.items()]


class SkillListField(forms.CharField):
    """A comma-separated list of skills as typed; cleans to a list of terms."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 2000)
        kwargs.setdefault(
            "help_text",
            _("Separate skills with commas. Type in French, Dutch or English: we recognise the usual words."),
        )
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off", "data-skill-input": ""}))
        super().__init__(**kwargs)

    def to_python(self, value) -> list[str]:  # type: ignore[override]
        return split_skill_terms(super().to_python(value) or "")

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return value

    def validate(self, value) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        validate_skill_terms(value)

    def run_validators(self, value) -> None:
        # The max_length validator is for the raw text: check it on the joined list.
        super().run_validators(", ".join(value))


def _formfield(model_field, **kwargs):
    # Links typed without a scheme ("vera.be") are taken as https.
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return model_field.formfield(**kwargs)


class ProfileForm(forms.ModelForm):
    languages = forms.MultipleChoiceField(
        label=_("Languages I speak"),
        choices=language_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_spaces = forms.ModelMultipleChoiceField(
        label=_("Other spaces I use"),
        queryset=Space.objects.order_by("name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    skills_offered = SkillListField(label=_("I can help with"))
    skills_wanted = SkillListField(label=_("I am looking for"))
    avatar = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=_("JPEG, PNG or WebP, %(limit)d MB at most. We resize it to 512 pixels.")
        % {"limit": MAX_AVATAR_BYTES // 1024 // 1024},
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    class Meta:
        model = Member
        formfield_callback = _formfield
        fields = list(PROFILE_FIELDS)
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 6}),
            "headline": forms.TextInput(attrs={"placeholder": _("Freelance translator FR/NL/EN")}),
        }
        help_texts = {
            "visibility": _("Your email address is never shown to other members."),
            "available": _("Shown on your card; people looking for help see you first."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["home_space"].queryset = Space.objects.order_by("name")
        member: Member = self.instance
        if member.pk and not self.is_bound:
            self.initial["languages"] = [lang.code for lang in member.languages.all()]
            self.initial["other_spaces"] = list(member.other_spaces.all())
            self.initial["skills_offered"] = [tag.label for tag in member.offered_tags]
            self.initial["skills_wanted"] = [tag.label for tag in member.wanted_tags]

    def clean_avatar(self):
        upload = self.cleaned_data.get("avatar")
        if upload is False:  # "clear" ticked
            return False
        if upload:
            avatar_validate(upload)
        return upload

    def clean(self) -> dict:
        cleaned = super().clean()
        offered, wanted = cleaned.get("skills_offered") or [], cleaned.get("skills_wanted") or []
        if len(offered) + len(wanted) > 2 * MAX_SKILLS_PER_LIST:
            raise ValidationError(_("That is a lot of skills: keep the ones that matter most."))
        return cleaned

    def profile_changes(self) -> dict:
        """The keyword arguments for `member_update_profile`."""
        data = self.cleaned_data
        avatar = data.get("avatar")
        return {
            **{name: data[name] for name in self.Meta.fields if name in data},
            "languages": data.get("languages", []),
            "other_spaces": list(data.get("other_spaces") or []),
            "avatar": avatar or None,
            "remove_avatar": avatar is False,
            "skills_offered": data.get("skills_offered", []),
            "skills_wanted": data.get("skills_wanted", []),
        }


class DirectoryFilterForm(forms.Form):
    """The directory's query string. Bad values are reported and left out, never a server error."""

    q = forms.CharField(label=_("Name, profession or skill"), required=False, max_length=100)
    space = forms.SlugField(label=_("Space"), required=False, max_length=120)
    region = forms.ChoiceField(
        label=_("Region"), required=False, choices=[("", _("All regions")), *Region.choices]
    )
    language = forms.ChoiceField(
        label=_("Speaks"), required=False, choices=lambda: [("", _("Any language")), *language_choices()]
    )
    available = forms.BooleanField(label=_("Available to help"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("", _("Default")),
            ("relevance", _("Relevance")),
            ("newest", _("Newest")),
            ("name", _("Name")),
        ],
    )
    cursor = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def __init__(self, data=None, **kwargs) -> None:
        self.skill_values: list[str] = []
        if data is not None:
            self.skill_values = [v for v in data.getlist("skill") if v.strip()][:10]
        super().__init__(data, **kwargs)
        self.fields["space"].widget = forms.Select(
            choices=[("", _("All spaces")), *Space.objects.order_by("name").values_list("slug", "name")]
        )

    def clean_space(self) -> str:
        slug = self.cleaned_data.get("space") or ""
        if slug and not Space.objects.filter(slug=slug).exists():
            raise ValidationError(_("there is no such space."), code="unknown_space")
        return slug

    def filters(self) -> dict:
        """The valid filters, as keyword arguments for `directory_members`."""
        self.is_valid()
        data = self.cleaned_data
        sort = data.get("sort") or ""
        return {
            "q": data.get("q") or "",
            "skills": self.skill_values,
            "space": data.get("space") or None,
            "region": data.get("region") or "",
            "language": data.get("language") or "",
            "available": True if data.get("available") else None,
            "sort": sort if sort in SORTS else "",
        }

    def ignored(self) -> list[str]:
        """A sentence per filter that was left out because its value made no sense."""
        return [
            _("The filter “%(field)s” was ignored: %(error)s")
            % {"field": self.fields[name].label or name, "error": errors[0]}
            for name, errors in self.errors.items()
            if name != "cursor"
        ]
