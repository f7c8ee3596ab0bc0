from __future__ import annotations

from django import forms

from community.notifications.kinds import TOPICS


class PreferencesForm(forms.Form):
    """One choice per topic: right away, in the weekly digest, never."""

    def __init__(self, *args, deliveries: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for key, topic in TOPICS.items():
            self.fields[key] = forms.ChoiceField(
                label=topic.label,
                choices=[(choice, topic.label_of(choice)) for choice in topic.choices],
                initial=deliveries[key],
                widget=forms.RadioSelect,
            )
