"""Files and images in the chat (issue #16): upload, checks, re-encoding, sending, reading, sweeping.

A member uploads first (`attachment_upload`, from `POST /api/messages/attachments` or the no-JS
form), then names the upload's id in a message (`attachments` of the `send` frame). Until then
only the uploader sees it; `messaging.services.message_send_to` claims it for the message inside
the sending transaction (`attachments_claim`), and a periodic job deletes uploads never sent
(`attachments_delete_stale`).

What is checked, and why here:
- The type comes from the bytes (`filetype`'s signatures, then Pillow opening an image for
  real), never from the name or the client's Content-Type: a PNG named .pdf is a PNG, an HTML
  page named .png is refused. Plain text is UTF-8 with no control characters and no markup.
- Images are decoded and re-encoded: the orientation from EXIF is applied, then every metadata
  block (EXIF with its GPS position, XMP, ICC, comments) is left behind. An animated GIF keeps
  its first frame only (re-encoding every frame is costly, and a still frame is what the chat
  shows). Images over CHAT_ATTACHMENT_MAX_PIXELS are refused before they are decoded.
- The bytes live in the "attachments" storage (settings.STORAGES), which no URL serves: the
  file system outside MEDIA_ROOT, or a private S3 bucket. `attachment_for_viewer` is the one
  rule of who may read one.

This module sits below messaging.services (which calls it) and messaging.delivery (which shows
attachments in the message payload), so it imports neither.
"""

from __future__ import annotations

import io
import logging
import unicodedata
import uuid
import warnings
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from community.core.errors import ServiceError
from messaging import selectors
from messaging.models import Attachment, Message

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from profiles.models import Member

logger = logging.getLogger(__name__)

# Where the selectors' prefetch puts a message's attachments (a plain list), and where the
# sending service puts those it just claimed: the payload reads it without a query.
ATTACHMENT_LIST = "attachment_list"
THUMBNAIL_SIZE = 480
PENDING_FOR = timedelta(days=1)
MAX_ID = 2**63 - 1
NAME_MAX_LENGTH = 150

# Image types Pillow re-encodes: (Pillow format, extension of the stored file). Phones' JPEGs
# may open as MPO (several pictures in one JPEG): the first one is kept, as JPEG.
PILLOW_READS_AS = {"JPEG": {"JPEG", "MPO"}}
IMAGE_FORMATS = {
    "image/jpeg": ("JPEG", "jpg"),
    "image/png": ("PNG", "png"),
    "image/webp": ("WEBP", "webp"),
    "image/gif": ("GIF", "gif"),
}
EXTENSIONS = {
    "application/pdf": "pdf",
    "text/plain": "txt",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
} | {mime: ext for mime, (_format, ext) in IMAGE_FORMATS.items()}


class AttachmentError(ServiceError):
    """An upload or an attachment refused; `status` is the HTTP status of the JSON API's answer.

    Codes: not_participant (404), too_large (413), empty_file, type_not_allowed (415),
    invalid_image, image_too_large (413), too_many_pending (429), too_many, invalid_attachments,
    attachment_unavailable, no_file.
    """


def _not_participant() -> AttachmentError:
    # The same answer whether the conversation exists or not.
    return AttachmentError("not_participant", _("You are not in this conversation."), status=404)


class PrivateFileSystemStorage(FileSystemStorage):
    """The file system, with no URL: attachments reach members only through the permission-checked
    view (a FileSystemStorage without base_url would answer MEDIA_URL links)."""

    def url(self, name: str | None) -> str:
        raise NotImplementedError("attachments have no public URL; link to messaging:attachment")


def attachment_storage() -> Storage:
    """The private storage of attachments (read at each call: tests switch it with override_settings)."""
    return storages["attachments"]


# --- what a file is -----------------------------------------------------------------------------

_MARKUP_HINTS = (b"<html", b"<script", b"<svg", b"<!doctype", b"<?xml", b"<body", b"<iframe")


def _is_plain_text(data: bytes) -> bool:
    """UTF-8 text without control characters and without markup a browser could render as a page."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if any(ord(ch) < 32 and ch not in "\t\n\r\f" or ord(ch) == 127 for ch in text):
        return False
    head = data[:4096].lstrip().lower()
    return not head.startswith(b"<") and not any(hint in head for hint in _MARKUP_HINTS)


def content_type_of(data: bytes) -> str | None:
    """The MIME type the bytes say they are (never the name's), or None if unknown."""
    kind = filetype.guess(data[:8192])
    if kind is not None:
        return kind.mime
    return "text/plain" if data and _is_plain_text(data) else None


@dataclass(frozen=True, slots=True)
class Reencoded:
    data: bytes
    thumbnail: bytes
    thumbnail_extension: str
    width: int
    height: int


def _without_metadata(image: Image.Image) -> Image.Image:
    # What Pillow would carry over into the new file (EXIF, XMP, ICC, comments) stays behind;
    # only the palette's transparent index is needed to draw the image.
    kept = {k: v for k, v in image.info.items() if k == "transparency"}
    image.info.clear()
    image.info.update(kept)
    return image


def _save(image: Image.Image, pillow_format: str) -> bytes:
    out = io.BytesIO()
    if pillow_format == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=85)
    elif pillow_format == "WEBP":
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if image.has_transparency_data else "RGB")
        image.save(out, "WEBP", quality=85)
    elif pillow_format == "GIF":
        image.save(out, "GIF")
    else:
        image.save(out, "PNG")
    return out.getvalue()


def _thumbnail(image: Image.Image) -> tuple[bytes, str]:
    """(bytes, extension): JPEG, or WebP when the image has transparency (JPEG has none; WebP
    costs 20 to 50 times JPEG's encoding time on a photo, so only where it is needed)."""
    thumb = image.copy()
    thumb.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if thumb.has_transparency_data:
        thumb.convert("RGBA").save(out, "WEBP", quality=80)
        return out.getvalue(), "webp"
    thumb.convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue(), "jpg"


def thumbnail_content_type(path: str) -> str:
    return "image/webp" if path.endswith(".webp") else "image/jpeg"


def image_reencode(data: bytes, content_type: str) -> Reencoded:
    """Decode the image for real and encode it again, upright and without metadata, with a thumbnail."""
    pillow_format, _ext = IMAGE_FORMATS[content_type]
    invalid = AttachmentError("invalid_image", _("This image cannot be read."))
    with warnings.catch_warnings():
        # Pillow only warns between its limit and twice it: any bomb is refused here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as opened:
                if opened.format not in PILLOW_READS_AS.get(pillow_format, {pillow_format}):
                    raise invalid
                width, height = opened.size
                if width * height > settings.CHAT_ATTACHMENT_MAX_PIXELS:
                    raise AttachmentError("image_too_large", _("This image has too many pixels."), status=413)
                opened.seek(0)  # an animation: its first frame
                opened.load()
                image = ImageOps.exif_transpose(opened)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise AttachmentError(
                "image_too_large", _("This image has too many pixels."), status=413
            ) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise invalid from None
    image = _without_metadata(image)
    return Reencoded(_save(image, pillow_format), *_thumbnail(image), image.width, image.height)


def clean_name(raw: str | None, extension: str) -> str:
    """A name to show and to download as: no folders, no control or direction characters, the
    extension of what the file really is."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    # Category C: control characters, and format ones such as U+202E, which would show
    # "photo\u202egpj.exe" as "photoexe.jpg".
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    stem = name.rsplit(".", 1)[0].strip(" .") if "." in name else name
    stem = stem[:NAME_MAX_LENGTH] or str(_("file"))
    return f"{stem}.{extension}"


# --- upload -------------------------------------------------------------------------------------


def attachment_upload(*, uploader: Member, conversation_id: int, upload: UploadedFile) -> Attachment:
    """Store a member's upload into a conversation, not yet sent.

    Promises: the uploader is a participant who receives the conversation (else not_participant,
    as if it did not exist); the size is at most CHAT_ATTACHMENT_MAX_BYTES; the type, read from
    the content, is one of CHAT_ATTACHMENT_TYPES; images are stored re-encoded without metadata,
    with a thumbnail at most 480 px on a side (JPEG; WebP if transparent), and their width and height; a member holds at
    most CHAT_ATTACHMENTS_PENDING_MAX unsent uploads per conversation. Files are written before
    the row, and removed again if the row is not.
    """
    if not isinstance(conversation_id, int) or not 0 < conversation_id <= MAX_ID:
        raise _not_participant()
    if selectors.participant_listening(member=uploader, conversation_id=conversation_id) is None:
        raise _not_participant()
    limit = settings.CHAT_ATTACHMENT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise too_large_error()
    pending = Attachment.objects.filter(
        uploader=uploader, conversation_id=conversation_id, message__isnull=True
    ).count()
    if pending >= settings.CHAT_ATTACHMENTS_PENDING_MAX:
        raise AttachmentError(
            "too_many_pending",
            _("You have many files waiting to be sent here. Send or remove some first."),
            status=429,
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise too_large_error()
    if not data:
        raise AttachmentError("empty_file", _("This file is empty."))
    content_type = content_type_of(data)
    if content_type is None or content_type not in settings.CHAT_ATTACHMENT_TYPES:
        raise AttachmentError(
            "type_not_allowed", _("This kind of file cannot be sent in the chat."), status=415
        )
    extension = _extension(content_type)
    key = f"{conversation_id}/{uuid.uuid4().hex}"
    fields: dict[str, Any] = {"kind": Attachment.Kind.FILE}
    thumbnail = None
    if content_type in IMAGE_FORMATS:
        image = image_reencode(data, content_type)
        data, thumbnail = image.data, (image.thumbnail, image.thumbnail_extension)
        fields = {"kind": Attachment.Kind.IMAGE, "width": image.width, "height": image.height}
    storage = attachment_storage()
    written: list[str] = []
    try:
        path = storage.save(f"{key}.{extension}", ContentFile(data))
        written.append(path)
        if thumbnail is not None:
            written.append(storage.save(f"{key}-thumb.{thumbnail[1]}", ContentFile(thumbnail[0])))
        return Attachment.objects.create(
            conversation_id=conversation_id,
            uploader=uploader,
            name=clean_name(upload.name, extension),
            content_type=content_type,
            size=len(data),
            path=path,
            thumbnail_path=written[1] if thumbnail is not None else "",
            **fields,
        )
    except BaseException:
        _delete_files(written)
        raise


def _extension(content_type: str) -> str:
    known = EXTENSIONS.get(content_type)
    if known:
        return known
    kind = filetype.get_type(mime=content_type)  # a type added to CHAT_ATTACHMENT_TYPES
    return kind.extension if kind is not None else "bin"


def too_large_error() -> AttachmentError:
    megabytes = settings.CHAT_ATTACHMENT_MAX_BYTES / (1024 * 1024)
    return AttachmentError("too_large", _("A file has at most %(mb).0f MB.") % {"mb": megabytes}, status=413)


# --- sending (called by messaging.services.message_send_to) -------------------------------------


def attachment_ids_clean(raw: object) -> list[int]:
    """The ids a send names, each once, in order; refused if not a list of ids or too many."""
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 0 < v <= MAX_ID for v in raw
    ):
        raise AttachmentError("invalid_attachments", _("attachments must be a list of attachment ids."))
    ids = list(dict.fromkeys(raw))
    if len(ids) > settings.CHAT_ATTACHMENTS_PER_MESSAGE:
        raise AttachmentError(
            "too_many",
            _("A message has at most %(n)d attachments.") % {"n": settings.CHAT_ATTACHMENTS_PER_MESSAGE},
        )
    return ids


def attachments_claim(*, message: Message, ids: list[int]) -> list[Attachment]:
    """Attach the sender's own unsent uploads of this conversation to `message`, inside the
    sending transaction; refused (and so rolled back with the message) if any is not one."""
    claimed = Attachment.objects.filter(
        pk__in=ids,
        uploader_id=message.sender_id,
        conversation_id=message.conversation_id,
        message__isnull=True,
    ).update(message_id=message.pk)
    if claimed != len(ids):
        raise AttachmentError("attachment_unavailable", _("An attachment cannot be sent: upload it again."))
    return list(Attachment.objects.filter(message_id=message.pk).order_by("id"))


# --- reading ------------------------------------------------------------------------------------


def attachment_payload(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "kind": attachment.kind,
        "url": reverse("messaging:attachment", args=[attachment.pk]),
        "thumbnail_url": reverse("messaging:attachment_thumbnail", args=[attachment.pk])
        if attachment.thumbnail_path
        else None,
        "width": attachment.width,
        "height": attachment.height,
    }


def attachments_of(message: Message) -> list[Attachment]:
    """The message's attachments: prefetched by the selectors or set by the send, else one query."""
    known = getattr(message, ATTACHMENT_LIST, None)
    if known is None:
        # .all(): uses a prefetch_related("attachments") cache when there is one (Meta orders by id).
        known = list(message.attachments.all()) if message.pk else []
    return known


def attachments_payload(message: Message) -> list[dict[str, Any]]:
    return [attachment_payload(a) for a in attachments_of(message)]


def message_text(message: Message) -> str:
    """The body, or for a message of files only their names: what previews, pushes and emails show."""
    if message.body:
        return message.body
    names = [a.name for a in attachments_of(message)]
    return "📎 " + ", ".join(names) if names else ""


def attachment_for_viewer(*, member: Member, attachment_id: int) -> Attachment | None:
    """The attachment if this member may read it, else None (nothing tells the two apart).

    A sent one: to every participant of its conversation, as the conversation page. One not yet
    sent: to its uploader only.
    """
    if not member.is_authenticated or not 0 < attachment_id <= MAX_ID:
        return None
    return (
        Attachment.objects.filter(pk=attachment_id)
        .filter(
            # The history the member reads (messaging.selectors.readable_messages' bound).
            Q(
                message__isnull=False,
                conversation__participants__member=member,
                message_id__gt=F("conversation__participants__history_after_id"),
            )
            | Q(message__isnull=True, uploader=member)
        )
        .first()
    )


def attachment_read(attachment: Attachment, *, thumbnail: bool = False) -> bytes:
    """The stored bytes (at most CHAT_ATTACHMENT_MAX_BYTES, so read whole)."""
    with attachment_storage().open(attachment.thumbnail_path if thumbnail else attachment.path, "rb") as f:
        return f.read()


# --- sweeping -----------------------------------------------------------------------------------


def _delete_files(paths: list[str]) -> None:
    storage = attachment_storage()
    for path in paths:
        try:
            storage.delete(path)
        except Exception:  # a missing file or a storage hiccup: the row is gone either way
            logger.warning("attachment file %s not deleted", path, exc_info=True)


def attachment_files_delete(sender, instance: Attachment, **kwargs) -> None:
    """post_delete of Attachment (connected in messaging.signal_handlers): the files follow the
    row, once the deletion commits, however it was deleted (sweep, message, conversation, member)."""
    paths = [p for p in (instance.path, instance.thumbnail_path) if p]
    if paths:
        transaction.on_commit(lambda: _delete_files(paths), robust=True)


def attachments_delete_stale(*, now=None, batch: int = 500) -> int:
    """Delete uploads never sent, older than a day, and their files; how many."""
    cutoff = (now or timezone.now()) - PENDING_FOR
    deleted = 0
    while True:
        ids = list(
            Attachment.objects.filter(message__isnull=True, created__lt=cutoff).values_list("pk", flat=True)[
                :batch
            ]
        )
        if not ids:
            return deleted
        with transaction.atomic():
            deleted += Attachment.objects.filter(pk__in=ids, message__isnull=True).delete()[0]
