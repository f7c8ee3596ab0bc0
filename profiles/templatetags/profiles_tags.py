"""Links for skill chips: in the directory a chip adds its skill to the current filters."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import template
from django.http import QueryDict
from django.urls import reverse

from profiles.models import SkillTag

register = template.Library()


@dataclass
class ChipLinks:
    """What every chip of a directory page shares, computed once per request (a page has ~150 chips)."""

    url: str
    query: QueryDict  # the current filters, without the page cursor
    chosen: dict[int, str] = field(default_factory=dict)  # tag pk -> the `skill=` value that chose it

    def adding(self, tag: SkillTag) -> str:
        if tag.pk in self.chosen:
            return f"{self.url}?{self.query.urlencode()}"
        query = self.query.copy()
        query.appendlist("skill", tag.slug)
        return f"{self.url}?{query.urlencode()}"

    def removing(self, tag: SkillTag) -> str:
        query = self.query.copy()
        value = self.chosen.get(tag.pk, tag.slug)
        query.setlist("skill", [v for v in query.getlist("skill") if v != value])
        return f"{self.url}?{query.urlencode()}"


def chip_links(*, query: QueryDict, chosen: list[tuple[str, SkillTag]]) -> ChipLinks:
    """The directory's chip links for these filters; `chosen`: (query value, tag) of each skill filter."""
    current = query.copy()
    current.pop("cursor", None)
    # Keep only the skill values that named a skill: a chip must not carry an ignored filter along.
    current.setlist("skill", [value for value, _ in chosen])
    return ChipLinks(
        url=reverse("profiles:directory"), query=current, chosen={tag.pk: value for value, tag in chosen}
    )


@register.simple_tag(takes_context=True)
def skill_chip_url(context, tag: SkillTag) -> str:
    """The directory filtered by this skill too (in the directory) or by this skill alone (elsewhere)."""
    links: ChipLinks | None = context.get("chip_links")
    if links is not None:
        return links.adding(tag)
    return f"{reverse('profiles:directory')}?{urlencode({'skill': tag.slug})}"


@register.simple_tag(takes_context=True)
def skill_remove_url(context, tag: SkillTag) -> str:
    """The directory with this skill filter taken off (the × on a chosen chip)."""
    return context["chip_links"].removing(tag)


@register.simple_tag
def form_fields(form, names: str) -> list:
    """Bound fields of a form by space-separated names, to lay a long form out in fieldsets."""
    return [form[name] for name in names.split() if name in form.fields]
