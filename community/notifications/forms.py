from __future__ import annotations

from django import forms

from community.notifications.kinds import TOPICS
from community.notifications.models import Delivery


class PreferencesForm(forms.Form):
    """One choice per topic: right away, in the weekly digest, never."""

    def __init__(self, *args, deliveries: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Delivery.choices)
        for key, topic in TOPICS.items():
            self.fields[key] = forms.ChoiceField(
                label=topic.label,
                choices=[(choice, labels[choice]) for choice in topic.choices],
                initial=deliveries[key],
                widget=forms.RadioSelect,
            )
