"""Case attachments (附件): which files a case may hold, and `attachment_add`, the one way a
file is attached to a case.

A file is accepted only when its bytes are of an accepted format, recognised by `filetype`
(never from its name or from the Content-Type the browser sent), and its name ends in one of
that format's extensions: a `.pdf` that is really a program, or a `.jpg` that is really a PDF or
a web page, is refused as a disguised attachment. Attaching is an audited side step of the
case (Action.ATTACH): it takes the case's row lock, checks the status and the actor's role and
writes a CaseEvent, through `transition()`."""

import hashlib
import re
import unicodedata
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files import File
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from governance.masking import mask_text

from ..choices import Action
from ..models import Attachment, Dispute
from .transitions import DisputeTransitionError, transition

__all__ = [
    "AttachmentFormat",
    "FORMATS",
    "InspectedUpload",
    "accepted_formats",
    "attachment_add",
    "attachment_max_bytes",
    "attachment_max_per_case",
    "clean_original_name",
    "inspect_upload",
]


@dataclass(frozen=True)
class AttachmentFormat:
    """A kind of file a case may hold: its content type (as recognised from the bytes), the
    extensions its name may end in (the first is the usual one) and its name on screen."""

    content_type: str
    extensions: tuple[str, ...]
    label: str


# Every format the platform can recognise safely from a file's first bytes;
# settings.DISPUTE_ATTACHMENT_TYPES chooses among them. Left out on purpose:
# - Word and Excel (.docx/.xlsx) are ZIP archives. filetype tells them apart only by the names
#   of the first entries, which say nothing about the rest: a macro-enabled document, or a ZIP
#   carrying a program next to a `word/` entry, passes as .docx. Such files are printed or
#   scanned to PDF before they are attached.
# - OFD (版式文档) is a ZIP as well, and filetype does not know it.
FORMATS: dict[str, AttachmentFormat] = {
    fmt.content_type: fmt
    for fmt in (
        AttachmentFormat("image/jpeg", ("jpg", "jpeg"), "JPEG"),
        AttachmentFormat("image/png", ("png",), "PNG"),
        AttachmentFormat("application/pdf", ("pdf",), "PDF"),
    )
}
# filetype names an animated PNG apart; it is still a PNG.
SNIFFED_ALIASES = {"image/apng": "image/png"}

# filetype never looks further than this into a file.
SNIFF_BYTES = 8192
# The original name is kept for display and download, at most this long (extension kept).
NAME_MAX_LENGTH = 120


def attachment_max_bytes() -> int:
    """The largest file accepted, in bytes (settings.DISPUTE_ATTACHMENT_MAX_BYTES)."""
    return int(getattr(settings, "DISPUTE_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024))


def attachment_max_per_case() -> int:
    """How many files one case may hold (settings.DISPUTE_ATTACHMENT_MAX_PER_CASE)."""
    return int(getattr(settings, "DISPUTE_ATTACHMENT_MAX_PER_CASE", 50))


def accepted_formats() -> list[AttachmentFormat]:
    """The formats settings.DISPUTE_ATTACHMENT_TYPES accepts, in its order. A type that is not
    among FORMATS is a configuration error, not something to accept on trust."""
    types = getattr(settings, "DISPUTE_ATTACHMENT_TYPES", list(FORMATS))
    unknown = [content_type for content_type in types if content_type not in FORMATS]
    if unknown:
        raise ImproperlyConfigured(
            f"DISPUTE_ATTACHMENT_TYPES: {unknown} cannot be recognised safely; "
            f"choose among {list(FORMATS)}"
        )
    return [FORMATS[content_type] for content_type in types]


def clean_original_name(name: str) -> str:
    """The uploaded file's name as it is shown and offered for download: its last path segment
    only, without control or invisible formatting characters (a right-to-left override makes
    "gpj.exe" read as "exe.jpg"), whitespace collapsed, no trailing dots or spaces, and at most
    NAME_MAX_LENGTH characters with its extension kept."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(
        " " if char.isspace() else char
        for char in name
        if char.isspace() or not unicodedata.category(char).startswith("C")
    )
    name = " ".join(name.split()).rstrip(" .")
    if len(name) > NAME_MAX_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and stem and len(extension) <= 10:
            name = f"{stem[: NAME_MAX_LENGTH - len(extension) - 1].rstrip(' .')}.{extension}"
        else:
            name = name[:NAME_MAX_LENGTH]
    return name


@dataclass(frozen=True)
class InspectedUpload:
    """An upload that passed the checks: its cleaned name, the content type recognised from
    its bytes, its size in bytes and its SHA-256 (hex)."""

    name: str
    content_type: str
    size: int
    sha256: str


def _refuse(message: str) -> DisputeTransitionError:
    return DisputeTransitionError(message, field="file")


def _too_large(limit: int) -> DisputeTransitionError:
    return _refuse(_("文件超过大小上限 %(limit)s。") % {"limit": filesizeformat(limit)})


def inspect_upload(file: File) -> InspectedUpload:
    """Check an uploaded file and describe it, or raise DisputeTransitionError(field="file").
    The size is checked before any byte is read, the type from the first bytes, and the hash
    is computed chunk by chunk (the file is never read into memory whole)."""
    limit = attachment_max_bytes()
    if not file.size:
        raise _refuse(_("文件是空的，请重新选择。"))
    if file.size > limit:
        raise _too_large(limit)
    name = clean_original_name(file.name)
    extension = name.rpartition(".")[2].lower() if "." in name else ""

    file.seek(0)
    sniffed = filetype.guess(file.read(SNIFF_BYTES))
    content_type = sniffed.mime if sniffed else None
    content_type = SNIFFED_ALIASES.get(content_type, content_type)
    accepted = {fmt.content_type: fmt for fmt in accepted_formats()}
    fmt = accepted.get(content_type)
    named_as_accepted = any(extension in each.extensions for each in accepted.values())
    if fmt is None and not named_as_accepted:
        raise _refuse(
            _("只能上传 %(formats)s 格式的文件。")
            % {"formats": get_text_list([each.label for each in accepted.values()])}
        )
    if fmt is None or extension not in fmt.extensions:
        # The name says one thing and the bytes another (or the bytes are of an accepted
        # format under a name that is not): a disguised file.
        raise _refuse(_("文件内容与扩展名不符，疑似伪装的附件，已拒绝。"))

    digest, size = hashlib.sha256(), 0
    for chunk in file.chunks():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        digest.update(chunk)
    file.seek(0)
    return InspectedUpload(
        name=name, content_type=fmt.content_type, size=size, sha256=digest.hexdigest()
    )


def _mask_numbers(name: str) -> str:
    """The name with long numbers masked (138****5678, 4206**********2541): the audit trail
    is permanent and must not keep a phone or ID number written into a file name."""
    return mask_text(name)


def attachment_add(
    *,
    dispute_id: int,
    actor,
    file: File,
    description: str = "",
    expected_version: int | None = None,
) -> Attachment:
    """上传附件: attach `file` to the case, with a short `description` of what it is.

    Under the case's row lock: the status and the actor's role are checked (Action.ATTACH),
    then the per-case cap and the file itself (inspect_upload). The file is written under
    PRIVATE_MEDIA_ROOT with a random name, the Attachment row saved, and a CaseEvent records
    the attachment's id, name (long numbers masked), size, SHA-256 and type. If anything
    fails the transaction rolls back and the written file is deleted again. Raises
    DisputeError subclasses (field "file" or "description" for the upload's own problems)."""
    description = (description or "").strip()
    added: list[Attachment] = []

    def apply(dispute: Dispute) -> dict:
        cap = attachment_max_per_case()
        if Attachment.objects.filter(dispute=dispute).count() >= cap:
            raise _refuse(_("每个案件最多 %(count)d 个附件，已达上限。") % {"count": cap})
        upload = inspect_upload(file)
        attachment = Attachment(
            dispute=dispute,
            original_name=upload.name,
            content_type=upload.content_type,
            size=upload.size,
            sha256=upload.sha256,
            description=description,
            uploaded_by=actor,
        )
        try:
            attachment.full_clean(exclude=["file"])
        except ValidationError as error:
            field, messages = next(iter(error.message_dict.items()))
            field = "description" if field == "description" else "file"
            raise DisputeTransitionError(messages[0], field=field) from error
        added.append(attachment)
        attachment.file.save(upload.name, file, save=False)
        attachment.save()
        return {
            "attachment": attachment.pk,
            "name": _mask_numbers(upload.name),
            "size": upload.size,
            "sha256": upload.sha256,
            "content_type": upload.content_type,
        }

    try:
        transition(
            dispute_id, Action.ATTACH, actor=actor, apply=apply, expected_version=expected_version
        )
    except BaseException:
        # Nothing of the step was kept in the database: the file must not stay either.
        for attachment in added:
            if attachment.file.name:
                attachment.file.storage.delete(attachment.file.name)
        raise
    return added[0]
