"""Case attachments (附件): what is accepted (recognised from the bytes, the name agreeing),
what is refused, who may attach and download, the audit event, and where the files live."""

import hashlib
import re
import struct
import zlib
from datetime import date
from html import unescape
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from disputes.choices import Action, Status
from disputes.models import Attachment, CaseEvent
from disputes.selectors import verify_event_chain
from disputes.services import (
    DisputePermissionError,
    DisputeTransitionError,
    attachment_add,
    dispute_accept,
    dispute_agree,
    dispute_archive,
    dispute_close,
    dispute_rate_satisfied,
    dispute_start_follow_up,
    dispute_start_mediation,
)
from disputes.services.attachments import clean_original_name
from tests.i18n_support import compile_catalogs

pytestmark = pytest.mark.django_db


# --- Real, minimal files, written by hand ---------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def minimal_png() -> bytes:
    """A 1×1 grey PNG: signature, IHDR, one IDAT row, IEND (CRCs computed)."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1×1, 8-bit greyscale
    pixels = zlib.compress(b"\x00\x80")  # filter byte 0, one grey pixel
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", pixels)
        + _png_chunk(b"IEND", b"")
    )


def _jpeg_segment(marker: int, data: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(data) + 2) + data


def minimal_jpeg() -> bytes:
    """A 1×1 grey baseline JPEG: one quantisation table, a frame of one component, a DC and an
    AC Huffman table of one code each, and one block (DC difference 0, then end-of-block)."""
    quantisation = b"\x00" + b"\x01" * 64
    frame = struct.pack(">BHHB", 8, 1, 1, 1) + b"\x01\x11\x00"
    one_code = b"\x01" + b"\x00" * 15 + b"\x00"  # one code of length 1, for symbol 0
    scan = b"\x01" + b"\x01\x00" + b"\x00\x3f\x00"
    return (
        b"\xff\xd8"
        + _jpeg_segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + _jpeg_segment(0xDB, quantisation)
        + _jpeg_segment(0xC0, frame)
        + _jpeg_segment(0xC4, b"\x00" + one_code)
        + _jpeg_segment(0xC4, b"\x10" + one_code)
        + _jpeg_segment(0xDA, scan)
        + b"\x3f"  # bits 0 (DC: category 0) and 0 (AC: end of block), padded with ones
        + b"\xff\xd9"
    )


def minimal_pdf(text: str = "Zongzhi") -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    stream = f"BT /F1 12 Tf 20 50 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    body = b"%PDF-1.4\n"
    offsets = []
    for number, content in enumerate(objects, 1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref_at = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref_at,
    )
    return body


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 120
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Every test writes its files into its own folder."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STATIC_ROOT = tmp_path / "static"
    return settings.PRIVATE_MEDIA_ROOT


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def refused(case, actor, file, **kwargs) -> DisputeTransitionError:
    with pytest.raises(DisputeTransitionError) as caught:
        attachment_add(dispute_id=case.pk, actor=actor, file=file, **kwargs)
    return caught.value


# --- Accepted ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("调解协议书.pdf", minimal_pdf(), "application/pdf"),
        ("现场照片.png", minimal_png(), "image/png"),
        ("身份证复印件.jpg", minimal_jpeg(), "image/jpeg"),
        ("SCAN.JPEG", minimal_jpeg(), "image/jpeg"),
    ],
)
def test_a_real_file_is_accepted_and_stored_privately(
    register, people, private_media, name, content, content_type
):
    case = register().dispute
    # The browser's Content-Type is ignored: the type comes from the bytes.
    file = upload(name, content, content_type="text/html")
    attachment = attachment_add(
        dispute_id=case.pk, actor=people.village_mediator, file=file, description="  证据  "
    )

    attachment.refresh_from_db()
    assert attachment.dispute == case
    assert attachment.original_name == name
    assert attachment.content_type == content_type
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.description == "证据"
    assert attachment.uploaded_by == people.village_mediator
    (path,) = stored_files(private_media)
    assert path.read_bytes() == content
    assert Path(attachment.file.path) == path
    # The stored name is random and has no extension.
    assert name not in str(path) and "." not in path.name


def test_the_event_records_the_file_and_the_chain_still_verifies(register, people):
    case = register().dispute
    content = minimal_pdf()
    attachment = attachment_add(
        dispute_id=case.pk,
        actor=people.village_mediator,
        file=upload("13907101234 李秀兰 420602198503152541.pdf", content),
        description="申请人手机号 13907101234",
    )

    event = CaseEvent.objects.filter(dispute=case).order_by("-seq").first()
    assert (event.seq, event.action) == (2, Action.ATTACH)
    assert (event.from_status, event.to_status) == (Status.REGISTERED, Status.REGISTERED)
    assert event.actor == people.village_mediator
    assert event.data["attachment"] == attachment.pk
    assert event.data["size"] == len(content)
    assert event.data["sha256"] == hashlib.sha256(content).hexdigest()
    assert event.data["content_type"] == "application/pdf"
    # The permanent trail keeps no phone or ID number, and not the description.
    assert event.data["name"] == "139****1234 李秀兰 4206**********2541.pdf"
    assert "13907101234" not in str(event.data) and "申请人" not in str(event.data)
    assert event.reason == ""
    assert verify_event_chain(case).ok
    # A side step: the case itself (and so colleagues' open forms) is untouched.
    case.refresh_from_db()
    assert case.version == 1


# --- Refused: the file ------------------------------------------------------------------


def test_an_oversized_file_is_refused_before_it_is_read(settings, register, people):
    settings.DISPUTE_ATTACHMENT_MAX_BYTES = 1024

    class Unreadable(SimpleUploadedFile):
        def read(self, *args):
            raise AssertionError("an oversized file must not be read")

        def chunks(self, *args):
            raise AssertionError("an oversized file must not be read")

    case = register().dispute
    error = refused(case, people.village_mediator, Unreadable("big.pdf", minimal_pdf() * 10))
    assert error.field == "file"
    assert "超过大小上限" in error.message and "1.0\xa0KB" in error.message
    assert not Attachment.objects.exists()


def test_a_file_at_the_limit_is_accepted(settings, register, people):
    content = minimal_pdf()
    settings.DISPUTE_ATTACHMENT_MAX_BYTES = len(content)
    case = register().dispute
    attachment_add(dispute_id=case.pk, actor=people.village_mediator, file=upload("a.pdf", content))
    assert Attachment.objects.count() == 1


def test_an_empty_file_is_refused(register, people, private_media):
    case = register().dispute
    error = refused(case, people.village_mediator, upload("空.pdf", b""))
    assert (error.field, error.message) == ("file", "文件是空的，请重新选择。")
    assert not Attachment.objects.exists()
    assert stored_files(private_media) == []


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("协议.pdf", ELF),  # a Linux program named as a PDF
        ("协议.pdf", PE),  # a Windows program named as a PDF
        ("照片.jpg", minimal_pdf()),  # a PDF named as a photo
        ("照片.png", HTML),  # a web page named as a photo
        ("照片.png", minimal_jpeg()),  # an accepted type under another accepted type's name
        ("协议.pdf.exe", minimal_pdf()),  # accepted bytes under a name that is not
        ("协议", minimal_pdf()),  # no extension at all
        ("照片.jpg\u202e", HTML),  # invisible characters do not help
    ],
)
def test_a_disguised_file_is_refused(register, people, private_media, name, content):
    case = register().dispute
    error = refused(case, people.village_mediator, upload(name, content))
    assert error.field == "file"
    assert "伪装" in error.message
    assert not Attachment.objects.exists()
    assert stored_files(private_media) == []
    assert CaseEvent.objects.filter(dispute=case).count() == 1


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("说明.txt", "纯文本说明".encode()),
        ("程序.exe", PE),
        ("page.html", HTML),
        ("archive.zip", b"PK\x03\x04" + b"\x00" * 60),
    ],
)
def test_a_file_of_another_type_is_refused(register, people, name, content):
    case = register().dispute
    error = refused(case, people.village_mediator, upload(name, content))
    assert error.field == "file"
    assert error.message == "只能上传 JPEG，PNG 或 PDF 格式的文件。"


def test_the_accepted_types_follow_the_settings(settings, register, people):
    settings.DISPUTE_ATTACHMENT_TYPES = ["application/pdf"]
    case = register().dispute
    error = refused(case, people.village_mediator, upload("照片.png", minimal_png()))
    assert error.message == "只能上传 PDF 格式的文件。"
    settings.DISPUTE_ATTACHMENT_TYPES = ["application/pdf", "application/x-msdownload"]
    with pytest.raises(ImproperlyConfigured):
        attachment_add(
            dispute_id=case.pk, actor=people.village_mediator, file=upload("a.pdf", minimal_pdf())
        )


def test_a_case_holds_at_most_the_configured_number_of_files(settings, register, people):
    settings.DISPUTE_ATTACHMENT_MAX_PER_CASE = 2
    case, other = register().dispute, register().dispute
    for number in range(2):
        attachment_add(
            dispute_id=case.pk,
            actor=people.village_mediator,
            file=upload(f"{number}.pdf", minimal_pdf()),
        )
    error = refused(case, people.village_mediator, upload("3.pdf", minimal_pdf()))
    assert error.field == "file"
    assert "最多 2 个附件" in error.message
    assert Attachment.objects.filter(dispute=case).count() == 2
    # The cap is per case.
    attachment_add(
        dispute_id=other.pk, actor=people.village_mediator, file=upload("1.pdf", minimal_pdf())
    )


def test_a_description_longer_than_200_characters_is_refused(register, people, private_media):
    case = register().dispute
    error = refused(
        case, people.village_mediator, upload("a.pdf", minimal_pdf()), description="长" * 201
    )
    assert error.field == "description"
    assert stored_files(private_media) == []


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("C:\\Users\\李\\Desktop\\协议.pdf", "协议.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("a\x00b\x01\x7fc.pdf", "abc.pdf"),
        ("第一页\n第二页.pdf", "第一页 第二页.pdf"),
        ("\u202egpj.exe", "gpj.exe"),
        ("  现场   照片\t1 .jpg  ", "现场 照片 1 .jpg"),
        ("协议.pdf. . ", "协议.pdf"),
        ("长" * 300 + ".pdf", "长" * 116 + ".pdf"),
    ],
)
def test_the_original_name_is_cleaned(raw, clean):
    assert clean_original_name(raw) == clean
    assert len(clean_original_name(raw)) <= 120


# --- Refused: the case and the actor ----------------------------------------------------


def test_an_auditor_may_not_attach(register, people, private_media):
    case = register().dispute
    with pytest.raises(DisputePermissionError):
        attachment_add(
            dispute_id=case.pk, actor=people.county_auditor, file=upload("a.pdf", minimal_pdf())
        )
    assert not Attachment.objects.exists()
    assert stored_files(private_media) == []


def test_a_sibling_township_may_not_attach(register, people):
    case = register().dispute
    with pytest.raises(DisputePermissionError):
        attachment_add(
            dispute_id=case.pk, actor=people.sibling_staff, file=upload("a.pdf", minimal_pdf())
        )
    assert not Attachment.objects.exists()


def archive(case, people):
    staff, mediator = people.township_staff, people.village_mediator
    dispute_accept(dispute_id=case.pk, actor=mediator)
    dispute_start_mediation(dispute_id=case.pk, actor=mediator)
    dispute_agree(dispute_id=case.pk, actor=mediator, content="修排水沟。", signed_on=date.today())
    dispute_close(dispute_id=case.pk, actor=mediator)
    dispute_start_follow_up(dispute_id=case.pk, actor=None)
    dispute_rate_satisfied(dispute_id=case.pk, actor=None, comment="满意")
    return dispute_archive(dispute_id=case.pk, actor=staff)


def test_an_archived_case_takes_no_more_files(register, people, private_media):
    case = archive(register().dispute, people)
    assert case.status == Status.ARCHIVED
    error = refused(case, people.township_staff, upload("a.pdf", minimal_pdf()))
    assert "已归档" in error.message
    assert not Attachment.objects.exists()
    assert stored_files(private_media) == []


# --- Nothing left behind ----------------------------------------------------------------


def test_the_file_is_removed_when_the_transaction_fails(
    monkeypatch, register, people, private_media
):
    case = register().dispute

    def broken_record_event(*args, **kwargs):
        # By now the file is on disk and its row inserted.
        assert len(stored_files(private_media)) == 1
        assert Attachment.objects.count() == 1
        raise RuntimeError("database went away")

    monkeypatch.setattr("disputes.services.transitions.record_event", broken_record_event)
    with pytest.raises(RuntimeError):
        attachment_add(
            dispute_id=case.pk, actor=people.village_mediator, file=upload("a.pdf", minimal_pdf())
        )
    assert stored_files(private_media) == []
    assert not Attachment.objects.exists()
    assert CaseEvent.objects.filter(dispute=case).count() == 1


def test_files_live_under_the_private_root_only(settings, register, people, private_media):
    case = register().dispute
    attachment = attachment_add(
        dispute_id=case.pk, actor=people.village_mediator, file=upload("a.png", minimal_png())
    )
    path = Path(attachment.file.path).resolve()
    assert path.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
    assert not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert not path.is_relative_to(Path(settings.STATIC_ROOT).resolve())
    assert stored_files(Path(settings.MEDIA_ROOT)) == []
    assert stored_files(Path(settings.STATIC_ROOT)) == []
    # Not world-readable, and no URL to give out.
    assert path.stat().st_mode & 0o777 == 0o640
    with pytest.raises(ValueError):
        attachment.file.url  # noqa: B018


# --- The case page: panel, upload, download ---------------------------------------------


def upload_url(case):
    return reverse("disputes:attachment_upload", args=[case.tracking_number])


def download_url(case, attachment):
    return reverse("disputes:attachment_download", args=[case.tracking_number, attachment.pk])


def test_a_file_is_uploaded_from_the_case_page_and_listed(client, register, people):
    case = register().dispute
    client.force_login(people.village_mediator)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "暂无附件。" in page
    assert 'enctype="multipart/form-data"' in page and 'accept=".jpg,.jpeg,.png,.pdf"' in page
    assert "可上传 JPEG/PNG/PDF 文件，每个不超过 20.0\xa0MB。" in page

    content = minimal_png()
    response = client.post(
        upload_url(case),
        {"file": upload("现场照片.png", content, "image/png"), "description": "院墙积水"},
        follow=True,
    )

    assert response.redirect_chain == [(f"{case.get_absolute_url()}#attachments", 302)]
    html = response.content.decode()
    assert "已上传附件“现场照片.png”。" in html
    attachment = Attachment.objects.get(dispute=case)
    (row,) = re.findall(r'<tr data-testid="attachment">(.*?)</tr>', html, re.S)
    assert f'href="{download_url(case, attachment)}"' in row
    assert "现场照片.png" in row and "院墙积水" in row and "PNG" in row
    assert f"{len(content)}\xa0字节" in row
    assert "张三" in row  # the uploader, by person_name
    assert f">{hashlib.sha256(content).hexdigest()[:12]}…<" in row
    assert timezone.localtime(attachment.uploaded_at).strftime("%Y-%m-%d %H:%M") in row
    labels = re.findall(r'class="nowrap event-action">([^<]+)<', html)
    assert labels == ["登记", "上传附件"]


def test_a_refused_file_is_shown_at_the_field(client, register, people, private_media):
    case = register().dispute
    client.force_login(people.village_mediator)
    response = client.post(upload_url(case), {"file": upload("协议.pdf", PE), "description": ""})
    assert response.status_code == 200
    form = response.context["attachment_form"]
    assert form.errors["file"] == ["文件内容与扩展名不符，疑似伪装的附件，已拒绝。"]
    html = response.content.decode()
    assert "附件未上传，请按提示修改。" in html
    assert 'id="id_file_errors"' in html
    assert not Attachment.objects.exists()
    assert stored_files(private_media) == []


def test_an_empty_upload_gets_the_services_message_at_the_field(client, register, people):
    case = register().dispute
    client.force_login(people.village_mediator)
    response = client.post(upload_url(case), {"file": upload("空白.pdf", b"")})
    assert response.status_code == 200
    assert response.context["attachment_form"].errors["file"] == ["文件是空的，请重新选择。"]
    assert not Attachment.objects.exists()


def test_an_upload_without_a_file_is_a_field_error(client, register, people):
    case = register().dispute
    client.force_login(people.village_mediator)
    response = client.post(upload_url(case), {"description": "忘了选文件"})
    assert response.status_code == 200
    assert response.context["attachment_form"].errors["file"]
    assert not Attachment.objects.exists()


def test_an_auditor_sees_and_downloads_but_may_not_upload(client, register, people):
    case = register().dispute
    attachment = attachment_add(
        dispute_id=case.pk, actor=people.village_mediator, file=upload("a.pdf", minimal_pdf())
    )
    client.force_login(people.county_auditor)
    page = client.get(case.get_absolute_url())
    assert page.context["attachment_form"] is None
    assert 'enctype="multipart/form-data"' not in page.content.decode()
    assert "a.pdf" in page.content.decode()
    assert client.get(download_url(case, attachment)).status_code == 200

    response = client.post(upload_url(case), {"file": upload("b.pdf", minimal_pdf())}, follow=True)
    assert "您的岗位无权对该案件执行“上传附件”。" in response.content.decode()
    assert Attachment.objects.count() == 1


def test_outside_the_scope_upload_and_download_are_404(client, register, people, private_media):
    case = register().dispute
    attachment = attachment_add(
        dispute_id=case.pk, actor=people.village_mediator, file=upload("a.pdf", minimal_pdf())
    )
    client.force_login(people.sibling_staff)
    assert client.get(download_url(case, attachment)).status_code == 404
    response = client.post(upload_url(case), {"file": upload("b.pdf", minimal_pdf())})
    assert response.status_code == 404
    assert Attachment.objects.count() == 1
    assert len(stored_files(private_media)) == 1


def test_a_confidential_case_hides_its_files_from_colleagues_who_do_not_handle_it(
    client, register, people
):
    case = register(is_confidential=True).dispute
    attachment = attachment_add(
        dispute_id=case.pk, actor=people.village_mediator, file=upload("a.pdf", minimal_pdf())
    )
    auditor = people.county_auditor
    client.force_login(auditor)
    assert client.get(download_url(case, attachment)).status_code == 404


def test_a_file_is_found_only_under_its_own_case(client, register, people):
    case, other = register().dispute, register().dispute
    attachment = attachment_add(
        dispute_id=other.pk, actor=people.village_mediator, file=upload("a.pdf", minimal_pdf())
    )
    client.force_login(people.village_mediator)
    assert client.get(download_url(other, attachment)).status_code == 200
    assert client.get(download_url(case, attachment)).status_code == 404
    missing = reverse("disputes:attachment_download", args=[case.tracking_number, 999999])
    assert client.get(missing).status_code == 404


def test_an_archived_case_offers_no_upload(client, register, people):
    case = archive(register().dispute, people)
    client.force_login(people.township_staff)
    assert client.get(case.get_absolute_url()).context["attachment_form"] is None
    response = client.post(upload_url(case), {"file": upload("a.pdf", minimal_pdf())}, follow=True)
    assert "不能执行“上传附件”" in response.content.decode()
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "content_type", "disposition"),
    [
        (
            "调解协议书.pdf",
            minimal_pdf(),
            "application/pdf",
            "attachment; filename*=utf-8''%E8%B0%83%E8%A7%A3%E5%8D%8F%E8%AE%AE%E4%B9%A6.pdf",
        ),
        ("scene.png", minimal_png(), "image/png", 'attachment; filename="scene.png"'),
        ("id card.jpg", minimal_jpeg(), "image/jpeg", 'attachment; filename="id card.jpg"'),
    ],
)
def test_the_download_is_a_sandboxed_attachment_of_the_recognised_type(
    client, settings, register, people, name, content, content_type, disposition
):
    # The view sets nosniff itself, not only through SecurityMiddleware's setting.
    settings.SECURE_CONTENT_TYPE_NOSNIFF = False
    case = register().dispute
    attachment = attachment_add(
        dispute_id=case.pk,
        actor=people.village_mediator,
        file=upload(name, content, content_type="text/html"),
    )
    client.force_login(people.township_staff)
    response = client.get(download_url(case, attachment))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["Content-Length"] == str(len(content))
    assert b"".join(response.streaming_content) == content


def test_the_download_type_is_the_recognised_one_not_a_guess_from_the_name(
    client, register, people
):
    case = register().dispute
    attachment = attachment_add(
        dispute_id=case.pk, actor=people.village_mediator, file=upload("a.pdf", minimal_pdf())
    )
    # A name that says nothing (or something else) does not change what is sent.
    Attachment.objects.filter(pk=attachment.pk).update(original_name="扫描件")
    client.force_login(people.village_mediator)
    response = client.get(download_url(case, attachment))
    assert response["Content-Type"] == "application/pdf"


def test_a_file_missing_from_disk_is_a_404_and_logged(client, register, people, caplog):
    case = register().dispute
    attachment = attachment_add(
        dispute_id=case.pk, actor=people.village_mediator, file=upload("a.pdf", minimal_pdf())
    )
    Path(attachment.file.path).unlink()
    client.force_login(people.village_mediator)
    assert client.get(download_url(case, attachment)).status_code == 404
    assert f"Attachment {attachment.pk}" in caplog.text


def test_no_public_url_serves_the_file(client, settings, register, people):
    case = register().dispute
    attachment = attachment_add(
        dispute_id=case.pk, actor=people.village_mediator, file=upload("a.pdf", minimal_pdf())
    )
    client.force_login(people.village_mediator)
    for prefix in {settings.MEDIA_URL or "/", settings.STATIC_URL, "/media/", "/private/"}:
        url = "/" + f"{prefix}/{attachment.file.name}".lstrip("/").replace("//", "/")
        assert client.get(url).status_code == 404, url


def test_pages_need_a_login_and_the_right_method(client, register, people):
    case = register().dispute
    attachment = attachment_add(
        dispute_id=case.pk, actor=people.village_mediator, file=upload("a.pdf", minimal_pdf())
    )
    response = client.get(download_url(case, attachment))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.post(upload_url(case), {"file": upload("b.pdf", minimal_pdf())})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(people.village_mediator)
    assert client.get(upload_url(case)).status_code == 405
    assert client.post(download_url(case, attachment)).status_code == 405


def test_the_admin_shows_attachments_read_only_and_scoped(client, register, people):
    case = register().dispute
    attachment = attachment_add(
        dispute_id=case.pk, actor=people.village_mediator, file=upload("协议.pdf", minimal_pdf())
    )
    for user in (people.township_staff, people.sibling_staff):
        user.is_staff = True
        user.save()
        user.user_permissions.set(
            Permission.objects.filter(codename__in=["view_dispute", "view_attachment"])
        )
    changelist = reverse("admin:disputes_attachment_changelist")
    change_page = reverse("admin:disputes_attachment_change", args=[attachment.pk])

    client.force_login(people.township_staff)
    assert client.get(changelist).context["cl"].result_count == 1
    page = client.get(change_page)
    assert page.status_code == 200 and 'name="_save"' not in page.text
    assert f'href="{download_url(case, attachment)}"' in page.text
    assert attachment.file.name not in page.text  # the stored path is never shown
    case_page = client.get(reverse("admin:disputes_dispute_change", args=[case.pk])).text
    assert "协议.pdf" in case_page and f'href="{download_url(case, attachment)}"' in case_page
    assert client.post(change_page, {"description": "改掉"}).status_code == 403

    client.force_login(people.sibling_staff)
    assert client.get(changelist).context["cl"].result_count == 0
    assert client.get(change_page).status_code == 302  # "does not exist" → admin index


@pytest.fixture
def english(client):
    """The client browses in English; the language its requests activated is dropped after
    the test, so that the tests after it speak Chinese again."""
    compile_catalogs()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    yield
    translation.deactivate()


def test_the_attachments_panel_in_english(client, english, register, people):
    case = register().dispute
    client.force_login(people.village_mediator)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Attachments" in page and "No attachments yet." in page
    response = client.post(upload_url(case), {"file": upload("协议.pdf", ELF)})
    html = unescape(response.content.decode())
    assert "The file's content does not match its extension" in html
    assert "The file was not attached." in html and "PDF files, up to 20.0\xa0MB each." in html
    assert "附件" not in html.split('id="attachments"')[1].split("</section>")[0]
