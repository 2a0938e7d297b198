"""Role × page × expected status for the disputes pages: a case is seen from the center that
received it and the one handling it, and from above them; never from a sibling."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from disputes.models import Attachment, Dispute
from disputes.services import attachment_add

pytestmark = pytest.mark.django_db

# (person, may see a case received and handled at 檀溪社区, may act on it)
MATRIX = [
    ("village_mediator", True, True),
    ("township_staff", True, True),
    ("township_director", True, True),
    ("county_staff", True, True),
    ("county_auditor", True, False),
    ("sibling_staff", False, False),
]


@pytest.mark.parametrize(("person", "sees", "acts"), MATRIX)
def test_case_pages_by_role(client, register, people, person, sees, acts):
    case = register().dispute
    client.force_login(getattr(people, person))
    number = case.tracking_number
    expected = 200 if sees else 404
    assert client.get(reverse("disputes:detail", args=[number])).status_code == expected
    assert client.get(reverse("disputes:receipt", args=[number])).status_code == expected
    inbox = client.get(reverse("disputes:inbox")).content.decode()
    assert (number in inbox) == sees

    response = client.post(
        reverse("disputes:act", args=[number, "accept"]), {"version": case.version}
    )
    if not sees:
        assert response.status_code == 404
    accepted = Dispute.objects.get(pk=case.pk).status == "accepted"
    assert accepted == acts

    code_before = Dispute.objects.get(pk=case.pk).access_code_hash
    response = client.post(
        reverse("disputes:reissue_access_code", args=[number]), {"reason": "本人到场核实"}
    )
    assert response.status_code == (302 if sees else 404)
    reissued = Dispute.objects.get(pk=case.pk).access_code_hash != code_before
    assert reissued == acts


PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.mark.parametrize(("person", "sees", "acts"), MATRIX)
@pytest.mark.parametrize("page", ["attachment_upload", "attachment_download"])
def test_attachment_pages_by_role(
    client, settings, tmp_path, register, people, person, sees, acts, page
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    case = register().dispute
    number = case.tracking_number
    existing = attachment_add(
        dispute_id=case.pk,
        actor=people.village_mediator,
        file=SimpleUploadedFile("协议.pdf", PDF),
    )
    client.force_login(getattr(people, person))

    if page == "attachment_download":
        url = reverse("disputes:attachment_download", args=[number, existing.pk])
        assert client.get(url).status_code == (200 if sees else 404)
    else:
        url = reverse("disputes:attachment_upload", args=[number])
        response = client.post(url, {"file": SimpleUploadedFile("照片.pdf", PDF)})
        # Seen but not allowed: back to the case page with the refusal as a message.
        assert response.status_code == (302 if sees else 404)
        assert Attachment.objects.filter(dispute=case).count() == (2 if acts else 1)
