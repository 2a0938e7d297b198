"""Role × page × expected status for the disputes pages: a case is seen from the center that
received it and the one handling it, and from above them; never from a sibling."""

import pytest
from django.urls import reverse

from disputes.models import Dispute

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
