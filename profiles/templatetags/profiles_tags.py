"""Links for skill chips: in the directory a chip adds its skill to the current filters."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from django import template
from django.http import QueryDict
from django.urls import reverse
from django.utils.html import format_html

from profiles.models import SkillTag

register = template.Library()


@dataclass
class ChipLinks:
    """What every chip of a directory page shares, computed once per request (a page has ~150 chips)."""

    url: str
    query: QueryDict  # the current filters, without the page cursor
    chosen: dict[int, str] = field(default_factory=dict)  # tag pk -> the `skill=` value that chose it

    def __post_init__(self) -> None:
        encoded = self.query.urlencode()
        self._current = f"{self.url}?{encoded}"
        self._prefix = f"{self.url}?{encoded}&skill=" if encoded else f"{self.url}?skill="

    def adding(self, tag: SkillTag) -> str:
        if tag.pk in self.chosen:
            return self._current
        return self._prefix + quote(tag.slug, safe="")

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
def skill_chip(context, tag: SkillTag, wanted: bool = False) -> str:
    """One skill chip: its label in the reader's language, linking to the directory filtered by it.

    Rendered here rather than by a template include: a directory page has about 150 chips and an
    include per chip was a third of the page's rendering time.
    """
    classes = "chip wanted" if wanted else "chip"
    if not tag.skill_id:
        classes += " free"
    return format_html(
        '<a class="{}" href="{}" rel="nofollow">{}</a>', classes, skill_chip_url(context, tag), tag.label
    )


@register.simple_tag(takes_context=True)
def skill_remove_url(context, tag: SkillTag) -> str:
    """The directory with this skill filter taken off (the × on a chosen chip)."""
    return context["chip_links"].removing(tag)


@register.simple_tag
def form_fields(form, names: str) -> list:
    """Bound fields of a form by space-separated names, to lay a long form out in fieldsets."""
    return [form[name] for name in names.split() if name in form.fields]
