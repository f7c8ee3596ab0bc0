"""Side effects only: the taxonomy snapshot (the term index, and what search derives from it) follows
every change to the Skill table, admin edits included."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from profiles.models import Skill
from profiles.taxonomy import clear_term_index


def _skill_changed(sender, **kwargs) -> None:
    clear_term_index()


def connect() -> None:
    post_save.connect(_skill_changed, sender=Skill, dispatch_uid="profiles.skill_saved")
    post_delete.connect(_skill_changed, sender=Skill, dispatch_uid="profiles.skill_deleted")
