"""The member's rights over their data: download it all, delete the account, consent to the texts.

Both "download" and "delete" walk community.core.personal_data, where every app declares what
it holds about a member: what the archive lists is what the erasure removes.

Promises:
- `profiles.services.data_export_request` records a pending export and builds it in the job queue after commit
  (one pending export per member at a time); `data_export_build` is idempotent (a ready export
  is not built again) and tells the member (a notification in the site and an email).
- `member_delete_own` checks the password (ServiceError "wrong_password"), then in one transaction
  erases every source and deletes the member; on commit the search index forgets them (its own
  receivers), their sockets close (messaging's receivers), and queued jobs that name them go.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community.core.errors import ServiceError
from community.core.jobs import jobs_forget
from community.core.personal_data import personal_data_erase, personal_data_export, personal_data_files
from profiles.models import FORMER_MEMBER_USERNAME, DataExport, Member

ARCHIVE_FORMAT_VERSION = 1

# Sent once a member's erasure committed (the search index forgets them at once: search listens).
member_erased = Signal()
# Sent once a member's archive is ready (after commit), with `export` and `url` (their data page).
data_export_ready = Signal()


def export_storage() -> Storage:
    return storages["exports"]


def data_export_archive(member: Member) -> bytes:
    """The ZIP: data.json (every source) and the files the member uploaded."""
    data = {
        "format": ARCHIVE_FORMAT_VERSION,
        "generated_at": timezone.now().isoformat(),
        "member": member.username,
        "data": personal_data_export(member),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2, default=str))
        for item in personal_data_files(member):
            try:
                with item.storage.open(item.path, "rb") as f:
                    archive.writestr(item.archive_name, f.read())
            except FileNotFoundError:
                continue  # a file already gone (swept): the JSON still says it was there
    return buffer.getvalue()


def data_export_build(*, export_id: int) -> DataExport | None:
    """Write the archive of a pending export and tell its member. None if it is gone."""
    export = DataExport.objects.select_related("member").filter(pk=export_id).first()
    if export is None or export.status == DataExport.Status.READY:
        return export
    member = export.member
    payload = data_export_archive(member)
    stamp = timezone.now()
    path = export_storage().save(f"{export.token}.zip", ContentFile(payload))
    with transaction.atomic():
        export.path, export.size, export.status = path, len(payload), DataExport.Status.READY
        export.ready_at = stamp
        export.expires_at = stamp + timedelta(hours=settings.DATA_EXPORT_EXPIRY_HOURS)
        export.save()
        _tell_export_ready(export)
    return export


def _tell_export_ready(export: DataExport) -> None:
    # Notifications sit above profiles: they listen (community.notifications.personal_data).
    transaction.on_commit(
        lambda: data_export_ready.send(sender=DataExport, export=export, url=data_export_page_url()),
        robust=True,
    )


def data_export_page_url() -> str:
    return reverse("account_data")


def data_export_for_download(*, member: Member, token: str) -> DataExport | None:
    """The member's own ready, unexpired export with this token (None for anyone else's)."""
    return DataExport.objects.filter(
        member=member, token=token, status=DataExport.Status.READY, expires_at__gt=timezone.now()
    ).first()


def data_exports_of(member: Member) -> list[DataExport]:
    return list(DataExport.objects.filter(member=member)[:5])


def data_exports_expire(*, now=None) -> int:
    """Delete expired archives (rows and files); how many."""
    now = now or timezone.now()
    expired = list(DataExport.objects.filter(expires_at__lte=now))
    for export in expired:
        if export.path:
            export_storage().delete(export.path)
    DataExport.objects.filter(pk__in=[e.pk for e in expired]).delete()
    return len(expired)


def member_delete_own(*, member: Member, password: str) -> None:
    """The member deletes their account, once the password is right (see the module's promises)."""
    if not member.check_password(password or ""):
        raise ServiceError("wrong_password", _("That is not your password."))
    member_erase(member=member)


def member_erase(*, member: Member) -> None:
    """Erase the member and everything the sources list (the member's own deletion, or the admin's)."""
    if member.username == FORMER_MEMBER_USERNAME:
        # It holds every leaver's placeholders: deleting it would cascade them out of the history.
        raise ServiceError("former_member", _("The former members' account cannot be deleted."))
    names = {member.username, member.email, member.display_name} - {""}
    archives = list(DataExport.objects.filter(member=member).exclude(path="").values_list("path", flat=True))
    with transaction.atomic():
        personal_data_erase(member)
        member.delete()
        transaction.on_commit(lambda: _after_erase(names, archives), robust=True)


def _after_erase(names: set[str], archives: list[str]) -> None:
    for path in archives:
        export_storage().delete(path)
    jobs_forget(names)
    member_erased.send(sender=Member)
    # The only cache that follows members holds counts (profiles.selectors.estimated_size): the
    # total is refreshed now rather than in five minutes. No cache holds a member's name or data.
    cache.delete("profiles:size:members")
