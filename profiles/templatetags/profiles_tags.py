"""Links for skill chips: in the directory a chip adds its skill to the current filters."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from profiles.models import SkillTag
from profiles.taxonomy import canonical_slug, normalize_term

register = template.Library()


@register.simple_tag(takes_context=True)
def skill_chip_url(context, tag: SkillTag) -> str:
    """The directory filtered by this skill too (in the directory) or by this skill alone (elsewhere)."""
    base = reverse("profiles:directory")
    request = context.get("request")
    if not context.get("in_directory") or request is None:
        return f"{base}?{urlencode({'skill': tag.slug})}"
    query = request.GET.copy()
    query.pop("cursor", None)
    skills = query.getlist("skill")
    if not any(_means(value, tag) for value in skills):
        query.setlist("skill", [*skills, tag.slug])
    return f"{base}?{query.urlencode()}"


@register.simple_tag(takes_context=True)
def skill_remove_url(context, tag: SkillTag) -> str:
    """The directory with this skill filter taken off (the × on a chosen chip)."""
    request = context["request"]
    query = request.GET.copy()
    query.pop("cursor", None)
    query.setlist("skill", [value for value in query.getlist("skill") if not _means(value, tag)])
    return f"{reverse('profiles:directory')}?{query.urlencode()}"


def _means(value: str, tag: SkillTag) -> bool:
    """Whether a `skill=` value of the query string stands for this tag ("vertaler" for Translation)."""
    if value == tag.slug or normalize_term(value) == tag.normalized:
        return True
    return bool(tag.skill_id) and canonical_slug(value) == tag.skill.slug


@register.simple_tag
def form_fields(form, names: str) -> list:
    """Bound fields of a form by space-separated names, to lay a long form out in fieldsets."""
    return [form[name] for name in names.split() if name in form.fields]
