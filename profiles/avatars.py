"""Profile photos: checked to be a real JPEG, PNG or WebP of sane size, then re-encoded small.

Re-encoding drops whatever the upload carried besides pixels (EXIF with GPS position, trailing
bytes), and the photo is turned upright from its EXIF orientation first.
"""

from __future__ import annotations

import io
import secrets

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_AVATAR_BYTES = 5 * 1024 * 1024
MAX_AVATAR_PIXELS = 40_000_000  # a 48-megapixel phone photo is fine; decompression bombs are not
AVATAR_SIZE = 512
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def avatar_validate(upload: UploadedFile) -> str:
    """Raise ValidationError unless the upload is a JPEG, PNG or WebP within limits; return its format."""
    if upload.size is not None and upload.size > MAX_AVATAR_BYTES:
        raise ValidationError(
            _("This photo is %(size)s MB; the limit is %(limit)s MB."),
            code="too_large",
            params={"size": f"{upload.size / 1024 / 1024:.1f}", "limit": MAX_AVATAR_BYTES // 1024 // 1024},
        )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image_format = image.format or ""
            width, height = image.size
            if image_format not in ALLOWED_FORMATS:
                raise ValidationError(
                    _("Please upload a JPEG, PNG or WebP photo."), code="unsupported_format"
                )
            if width * height > MAX_AVATAR_PIXELS:
                raise ValidationError(
                    _("This photo has too many pixels; please send a smaller one."), code="too_many_pixels"
                )
            # verify() checks the structure (PNG checksums); decoding catches a truncated JPEG.
            image.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.draft("RGB", (AVATAR_SIZE, AVATAR_SIZE))  # JPEG decodes at a fraction of the size
            image.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ValidationError(_("This file is not an image we can read."), code="not_an_image") from error
    finally:
        upload.seek(0)
    return image_format


def avatar_resize(upload: UploadedFile, *, username: str) -> ContentFile:
    """The upload re-encoded in its own format, upright, at most AVATAR_SIZE pixels on each side."""
    upload.seek(0)
    with Image.open(upload) as original:
        image_format = original.format if original.format in ALLOWED_FORMATS else "JPEG"
        original.draft("RGB", (AVATAR_SIZE * 2, AVATAR_SIZE * 2))
        image = ImageOps.exif_transpose(original)
        image.thumbnail((AVATAR_SIZE, AVATAR_SIZE), Image.Resampling.LANCZOS)
        if image_format == "JPEG" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        elif image.mode not in ("RGB", "RGBA", "L", "LA"):
            image = image.convert("RGBA")
        buffer = io.BytesIO()
        options = {"quality": 85} if image_format in ("JPEG", "WEBP") else {"optimize": True}
        image.save(buffer, format=image_format, **options)
    name = f"{username}-{secrets.token_hex(4)}.{ALLOWED_FORMATS[image_format]}"
    return ContentFile(buffer.getvalue(), name=name)
