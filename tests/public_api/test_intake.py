"""Online filing (网上受理) through POST /api/v1/public/cases/: what is accepted, where the
case lands, the receipt, field messages in Chinese and English, and the one attachment."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from disputes.access_codes import access_code_matches
from disputes.choices import Action, Channel, PartySide, Status
from disputes.models import Attachment, CaseEvent, Dispute
from tests.disputes.test_attachments import ELF, minimal_png
from tests.i18n_support import compile_catalogs

from .conftest import APPLICANT_NAME, APPLICANT_PHONE, INTAKE_URL

pytestmark = pytest.mark.django_db


def test_a_filing_lands_in_the_village_inbox(api, filing, center_tree, category):
    response = api.post(INTAKE_URL, filing(), format="json")

    assert response.status_code == 201, response.content.decode()
    body = response.json()
    assert set(body) == {"tracking_number", "access_code", "status", "status_label", "message"}
    assert body["status"] == Status.REGISTERED and body["status_label"] == "已登记"
    assert body["tracking_number"] in body["message"] and "查询码" in body["message"]
    case = Dispute.objects.get(tracking_number=body["tracking_number"])
    assert case.tracking_number.startswith(center_tree.village.code + "-")
    assert (case.channel, case.created_by) == (Channel.ONLINE, None)
    assert case.receiving_center == case.current_center == case.village == center_tree.village
    assert case.category == category and case.summary == "邻居院墙排水纠纷"
    assert case.address == "檀溪路12号"
    # Only the hash of the access code is kept.
    assert body["access_code"] not in case.access_code_hash
    assert access_code_matches(body["access_code"], case.access_code_hash)
    (applicant,) = case.parties.all()
    assert (applicant.side, applicant.name, applicant.phone) == (
        PartySide.APPLICANT,
        APPLICANT_NAME,
        APPLICANT_PHONE,
    )
    (event,) = CaseEvent.objects.filter(dispute=case)
    assert (event.action, event.actor, event.center) == (Action.REGISTER, None, center_tree.village)


def test_the_filing_is_seen_in_the_village_inbox(api, file_online, client, member, center_tree):
    from centers.choices import Role

    number = file_online()["tracking_number"]
    client.force_login(member(center_tree.village, Role.STAFF))
    assert number in client.get("/disputes/").content.decode()
    client.force_login(member(center_tree.sibling_township, Role.STAFF))
    assert number not in client.get("/disputes/").content.decode()


def test_occurred_at_is_kept_and_may_not_be_in_the_future(api, filing):
    when = timezone.now() - timezone.timedelta(days=2)
    response = api.post(INTAKE_URL, filing(occurred_at=when.isoformat()), format="json")
    assert response.status_code == 201
    case = Dispute.objects.get(tracking_number=response.json()["tracking_number"])
    assert abs((case.occurred_at - when).total_seconds()) < 1

    later = timezone.now() + timezone.timedelta(days=1)
    response = api.post(INTAKE_URL, filing(occurred_at=later.isoformat()), format="json")
    assert response.status_code == 400
    assert response.json() == {"occurred_at": ["发生时间不能晚于现在。"]}


EXPECTED_ZH = {
    "category": ["没有这个纠纷类别。"],
    "summary": ["该字段是必填项。"],
    "village": ["请填写有效的村/社区12位区划代码。"],
    "applicant_phone": ["请输入11位手机号。"],
}
EXPECTED_EN = {
    "category": ["No such dispute category."],
    "summary": ["This field is required."],
    "village": ["Enter the 12-digit division code of an active village or community."],
    "applicant_phone": ["Enter an 11-digit mobile number."],
}
BAD = {
    "category": "no_such_category",
    "summary": None,
    "village": "420602001000",  # the township, not a village
    "applicant_phone": "0710-3456789",  # a landline: online filings need a mobile
}


def _bad_filing(filing):
    data = filing(**{key: value for key, value in BAD.items() if value is not None})
    del data["summary"]
    return data


def test_invalid_filings_get_chinese_field_messages(api, filing):
    response = api.post(INTAKE_URL, _bad_filing(filing), format="json")
    assert response.status_code == 400
    assert response.json() == EXPECTED_ZH
    assert not Dispute.objects.exists()


def test_invalid_filings_get_english_field_messages(api, filing):
    compile_catalogs()
    response = api.post(INTAKE_URL, _bad_filing(filing), format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == EXPECTED_EN


@pytest.mark.parametrize(
    "village",
    ["42060200100", "4206020010081", "abc", "420602001008\x00", "999999999999"],
)
def test_the_village_must_be_a_12_digit_code_of_a_village(api, filing, village):
    response = api.post(INTAKE_URL, filing(village=village), format="json")
    assert response.status_code == 400
    assert response.json() == {"village": ["请填写有效的村/社区12位区划代码。"]}


def test_an_inactive_village_is_refused(api, filing, center_tree):
    center_tree.village2.is_active = False
    center_tree.village2.save()
    response = api.post(INTAKE_URL, filing(village=center_tree.village2.code), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["village"]


@pytest.mark.parametrize("phone", ["1390710123", "139071012345", "12907101234", "电话"])
def test_the_phone_must_be_a_mobile(api, filing, phone):
    response = api.post(INTAKE_URL, filing(applicant_phone=phone), format="json")
    assert response.status_code == 400
    assert response.json() == {"applicant_phone": ["请输入11位手机号。"]}


def test_required_fields(api):
    response = api.post(INTAKE_URL, {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {
        "category",
        "summary",
        "village",
        "applicant_name",
        "applicant_phone",
    }


def test_a_filing_with_a_picture(api, filing):
    data = filing()
    data["attachment"] = SimpleUploadedFile("现场.png", minimal_png(), content_type="image/png")
    response = api.post(INTAKE_URL, data, format="multipart")

    assert response.status_code == 201, response.content.decode()
    case = Dispute.objects.get(tracking_number=response.json()["tracking_number"])
    (attachment,) = Attachment.objects.filter(dispute=case)
    assert (attachment.original_name, attachment.content_type) == ("现场.png", "image/png")
    assert attachment.uploaded_by is None
    actions = list(CaseEvent.objects.filter(dispute=case).values_list("action", "actor"))
    assert actions == [(Action.REGISTER, None), (Action.ATTACH, None)]


def test_a_disguised_attachment_refuses_the_whole_filing(api, filing, settings):
    data = filing()
    data["attachment"] = SimpleUploadedFile("现场.png", ELF, content_type="image/png")
    response = api.post(INTAKE_URL, data, format="multipart")

    assert response.status_code == 400
    assert list(response.json()) == ["attachment"]
    assert "伪装" in response.json()["attachment"][0]
    assert not Dispute.objects.exists() and not Attachment.objects.exists()
    stored = [p for p in settings.PRIVATE_MEDIA_ROOT.rglob("*") if p.is_file()]
    assert stored == []


def test_an_oversized_attachment_is_refused(api, filing, settings):
    settings.DISPUTE_ATTACHMENT_MAX_BYTES = 64
    data = filing()
    data["attachment"] = SimpleUploadedFile("现场.png", minimal_png() + b"\0" * 64)
    response = api.post(INTAKE_URL, data, format="multipart")
    assert response.status_code == 400
    assert "大小上限" in response.json()["attachment"][0]
    assert not Dispute.objects.exists()


def test_no_session_or_csrf_is_needed(filing, center_tree):
    from rest_framework.test import APIClient

    strict = APIClient(enforce_csrf_checks=True)
    response = strict.post(INTAKE_URL, filing(), format="json")
    assert response.status_code == 201


def test_the_receipt_is_not_cached(api, filing):
    response = api.post(INTAKE_URL, filing(), format="json")
    assert response["Cache-Control"] == "no-store"
