"""python manage.py close_check_ins: close check-ins forgotten on an earlier day at that day's midnight.

Run it from cron shortly after midnight (Europe/Brussels). Pages do not depend on it: an open
check-in from an earlier day already counts as ended at its midnight when read.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from community.network.services import check_ins_close_stale


class Command(BaseCommand):
    help = "Close check-ins left open on an earlier day, at the midnight that ended that day."

    def handle(self, *args, **options) -> None:
        closed = check_ins_close_stale()
        self.stdout.write(f"{closed} forgotten check-in(s) closed.")
