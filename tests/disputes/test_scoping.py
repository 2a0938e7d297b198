"""Role × page × expected status for the disputes pages: a case is seen from the center that
received it and the one handling it, and from above them; never from a sibling."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from centers.choices import Role
from disputes.choices import Action
from disputes.models import Attachment, CaseEvent, Dispute
from disputes.services import attachment_add, dispute_accept, dispute_agree, dispute_start_mediation

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


# The pages that show full personal data or search by it, for a case mediated to an agreement
# at 檀溪社区: (person, agreement page, reveal a phone, repeat-petition check, check lists it).
# Full personal data is for the handling roles of the center holding the case and above; an
# auditor or a grid worker who sees the case is refused (403); outside the scope is a 404.
PII_MATRIX = [
    ("village_mediator", 200, 200, 200, True),
    ("village_grid_worker", 403, 403, 200, True),
    ("township_staff", 200, 200, 200, True),
    ("township_director", 200, 200, 200, True),
    ("county_staff", 200, 200, 200, True),
    ("county_auditor", 403, 403, 403, False),
    ("sibling_staff", 404, 404, 200, False),
]


@pytest.mark.parametrize(("person", "agreement", "reveal", "repeats", "lists"), PII_MATRIX)
def test_personal_data_pages_by_role(
    client, register, people, member, center_tree, person, agreement, reveal, repeats, lists
):
    case = register().dispute
    mediator = people.village_mediator
    dispute_accept(dispute_id=case.pk, actor=mediator)
    dispute_start_mediation(dispute_id=case.pk, actor=mediator)
    dispute_agree(dispute_id=case.pk, actor=mediator, content="修排水沟。", signed_on=date.today())
    if person == "village_grid_worker":
        user = member(center_tree.village, Role.GRID_WORKER, username="v_grid")
    else:
        user = getattr(people, person)
    client.force_login(user)
    number = case.tracking_number
    party = case.parties.get(side="applicant")

    assert client.get(reverse("disputes:agreement", args=[number])).status_code == agreement
    url = reverse("disputes:reveal", args=[number, party.pk, "phone"])
    assert client.post(url, {"reason": "核实"}).status_code == reveal
    response = client.post(reverse("disputes:intake_repeats"), {"phone": party.phone})
    assert response.status_code == repeats
    assert (number in response.content.decode()) == lists
    reveals = CaseEvent.objects.filter(dispute=case, action=Action.REVEAL_PII)
    assert reveals.count() == (agreement == 200) + (reveal == 200)
