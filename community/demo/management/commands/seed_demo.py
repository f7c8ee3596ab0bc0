"""python manage.py seed_demo [--members N] [--if-empty]

A realistic network to explore: the 25 spaces, about 1,300 members, then what each feature
needs to look alive (each app's `demo.seed`). Deterministic and safe to run twice.
"""

from __future__ import annotations

import importlib
import random

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from community.demo import members as demo_members
from profiles.models import Member, SkillTag

# Each app's demo data, in dependency order; a module that does not exist yet is skipped.
FEATURE_SEEDERS = ["community.network.demo", "messaging.demo", "community.helpboard.demo"]


class Command(BaseCommand):
    help = "Seed the demo coworking network (spaces, members, and each feature's demo data)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--members", type=int, default=1300, help="How many demo members (default 1,300)."
        )
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when members already exist.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")
        parser.add_argument(
            "--skip-features", action="store_true", help="Spaces and members only (benchmarks)."
        )

    def handle(
        self, *args, members: int, if_empty: bool, no_progress: bool, skip_features: bool, **options
    ) -> None:
        if members < 0:
            raise CommandError("--members must be zero or more")
        if if_empty and Member.objects.exists():
            self.stdout.write("Members already exist: demo data left as it is.")
            return
        if not SkillTag.objects.filter(skill__isnull=False).exists():
            raise CommandError("The skill taxonomy is missing: run `python manage.py migrate` first.")

        spaces = demo_members.load_spaces()
        self.stdout.write(f"{len(spaces)} spaces ready.")
        with tqdm(total=members, unit="member", disable=no_progress or members < 1, file=self.stderr) as bar:
            created = demo_members.seed_members(count=members, progress=bar.update)
        demo = demo_members.ensure_demo_login()
        self.stdout.write(f"{created} members created ({Member.objects.count()} in all).")

        if not skip_features:
            for module_name in FEATURE_SEEDERS:
                try:
                    module = importlib.import_module(module_name)
                except ModuleNotFoundError as error:
                    if error.name == module_name:
                        continue
                    raise
                module.seed(rng=random.Random(demo_members.SEED), stdout=self.stdout)

        self._rebuild_search_index(no_progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo network ready. Log in at /accounts/login/ as {demo.username} / {demo_members.DEMO_PASSWORD} "
                f"(every other demo member's password: {demo_members.MEMBER_PASSWORD})."
            )
        )

    def _rebuild_search_index(self, no_progress: bool) -> None:
        # Bulk inserts skip the signals that keep the search index in sync: rebuild it once.
        from django.core.management import get_commands

        if "search_index" in get_commands():
            call_command(
                "search_index", "--rebuild", *(["--no-progress"] if no_progress else []), stdout=self.stdout
            )
