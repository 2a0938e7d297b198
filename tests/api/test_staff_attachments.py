"""Attachments over the API: upload (multipart), list, download; the same checks as the
case page (type from the bytes, the role, the scope)."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from disputes.choices import Action
from disputes.models import Attachment, CaseEvent, Dispute
from tests.api.conftest import case_url
from tests.disputes.test_attachments import minimal_png

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(tmp_path, settings):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def upload(client, case, name="现场照片.png", content=None, **extra):
    data = {"file": SimpleUploadedFile(name, content or minimal_png()), **extra}
    return client.post(case_url(case, "attachments"), data, format="multipart")


def test_upload_list_and_download(api, register, people):
    case = register()
    client = api(people.village_mediator)
    created = upload(client, case, description="排水口照片")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["name"] == "现场照片.png" and body["content_type"] == "image/png"
    assert body["sha256"] == hashlib.sha256(minimal_png()).hexdigest()
    assert body["uploaded_by"]["id"] == people.village_mediator.pk
    assert CaseEvent.objects.filter(dispute=case).order_by("-seq")[0].action == Action.ATTACH
    assert Dispute.objects.get(pk=case.pk).version == case.version

    listed = client.get(case_url(case, "attachments"))
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()] == [body["id"]]

    download = client.get(body["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == minimal_png()
    assert download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "attachment;" in download["Content-Disposition"]


def test_a_disguised_file_is_refused_on_its_field(api, register, people):
    case = register()
    response = upload(api(people.village_mediator), case, name="协议.pdf")
    assert response.status_code == 400
    assert response.json() == {"file": ["文件内容与扩展名不符，疑似伪装的附件，已拒绝。"]}
    assert not Attachment.objects.exists()


def test_numbers_in_a_file_name_are_masked_in_the_list(api, register, people):
    case = register()
    client = api(people.village_mediator)
    assert upload(client, case, name="李秀兰13907101234.png").status_code == 201
    assert client.get(case_url(case, "attachments")).json()[0]["name"] == "李秀兰139****1234.png"


def test_roles_scope_and_versions(api, register, people):
    case = register()
    assert upload(api(people.grid_worker), case).status_code == 403
    assert upload(api(people.sibling_staff), case).status_code == 404
    stale = upload(api(people.village_mediator), case, version=case.version + 1)
    assert stale.status_code == 409
    assert not Attachment.objects.exists()
    attachment_id = upload(api(people.village_mediator), case).json()["id"]
    url = reverse(
        "case-attachment-download",
        kwargs={"tracking_number": case.tracking_number, "attachment_id": attachment_id},
    )
    assert api(people.sibling_staff).get(url).status_code == 404
    other = register(summary="另一案")
    wrong_case = reverse(
        "case-attachment-download",
        kwargs={"tracking_number": other.tracking_number, "attachment_id": attachment_id},
    )
    assert api(people.village_mediator).get(wrong_case).status_code == 404
