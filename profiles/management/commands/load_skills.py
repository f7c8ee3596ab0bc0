"""python manage.py load_skills [--file PATH]: reload the skill taxonomy after editing the JSON."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from profiles.models import Skill, SkillCategory, SkillTag
from profiles.taxonomy import SKILLS_FILE, clear_term_index, load_taxonomy


class Command(BaseCommand):
    help = (
        "Insert or update the canonical skills (FR/NL/EN labels and synonyms) from profiles/data/skills.json."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--file", type=Path, default=SKILLS_FILE, help="Taxonomy JSON (default: the shipped one)."
        )

    def handle(self, *args, file: Path, **options) -> None:
        if not file.exists():
            raise CommandError(f"{file} does not exist")
        try:
            with transaction.atomic():
                count = load_taxonomy(
                    skill_model=Skill, category_model=SkillCategory, tag_model=SkillTag, path=file
                )
        except (ValueError, KeyError) as error:
            raise CommandError(f"{file} is not a valid taxonomy file: {error}") from error
        clear_term_index()
        self.stdout.write(self.style.SUCCESS(f"{count} skills loaded from {file}."))
