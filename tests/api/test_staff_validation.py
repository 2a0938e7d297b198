"""Bad input is a 400 with messages by field, in Chinese by default and in English with
`Accept-Language: en`: the serializers' own checks, the forms' choices, and the services'
errors (put on the field they name)."""

import pytest
from django.urls import reverse

from centers.choices import Role
from disputes.models import Dispute
from disputes.services import dispute_accept
from tests.api.conftest import case_url
from tests.i18n_support import compile_catalogs

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}


@pytest.fixture(autouse=True)
def _catalogs():
    compile_catalogs()


def intake_body(center_tree, **overrides):
    body = {
        "receiving_center": center_tree.village.code,
        "category": "neighbour",
        "summary": "邻里排水纠纷",
        "village": center_tree.village.code,
        "parties": [
            {"side": "applicant", "name": "李秀兰", "phone": "13907101234"},
            {"side": "respondent", "name": "王建军"},
        ],
    }
    body.update(overrides)
    return body


def both(client, method, url, body=None, **kwargs):
    """The same request in Chinese and in English: (zh, en) responses."""
    send = getattr(client, method)
    return (
        send(url, body, format="json", **kwargs),
        send(url, body, format="json", headers=EN, **kwargs),
    )


def test_a_required_reason(api, register, people):
    case = register()
    zh, en = both(
        api(people.village_mediator), "post", case_url(case, "not-accept"), {"version": 1}
    )
    assert (zh.status_code, en.status_code) == (400, 400)
    assert zh.json() == {"reason": ["该字段是必填项。"]}
    assert en.json() == {"reason": ["This field is required."]}
    blank = api(people.village_mediator).post(
        case_url(case, "not-accept"), {"version": 1, "reason": "  "}, format="json"
    )
    assert blank.status_code == 400 and set(blank.json()) == {"reason"}
    assert Dispute.objects.get(pk=case.pk).version == 1


def test_intake_fields(api, people, center_tree, neighbour):
    client = api(people.village_mediator)
    url = reverse("case-list")
    zh, en = both(
        client, "post", url, intake_body(center_tree, village=center_tree.other_village.code)
    )
    assert zh.json() == {"village": ["请填写本中心辖区内村/社区的12位区划代码。"]}
    assert en.json()["village"][0].startswith("Enter the 12-digit division code of a village")

    no_applicant = [{"side": "respondent", "name": "王建军"}]
    zh, en = both(client, "post", url, intake_body(center_tree, parties=no_applicant))
    assert zh.json() == {"parties": ["至少需要一名申请人。"]}
    assert en.json() == {"parties": ["At least one applicant is required."]}

    zh, en = both(client, "post", url, intake_body(center_tree, parties=[], summary=""))
    assert set(zh.json()) == {"parties", "summary"}

    # The service's own check of each party (the model's validators), on that party.
    bad_phone = [
        {"side": "applicant", "name": "李秀兰"},
        {"side": "respondent", "name": "王建军", "phone": "12345"},
    ]
    zh, en = both(client, "post", url, intake_body(center_tree, parties=bad_phone))
    assert zh.status_code == 400
    assert zh.json() == {
        "parties": [{}, {"phone": ["请输入11位手机号或带区号的固定电话（如 0710-3456789）。"]}]
    }
    assert en.json()["parties"][1]["phone"][0].startswith("Enter an 11-digit mobile number")
    assert Dispute.objects.count() == 0


@pytest.mark.parametrize(
    ("count", "zh_message", "en_message"),
    [
        (0, "请至少填写一名当事人。", "Enter at least one party."),
        (11, "当事人最多 10 名。", "Enter at most 10 parties."),
    ],
)
def test_intake_takes_one_to_ten_parties(
    api, people, center_tree, neighbour, count, zh_message, en_message
):
    client = api(people.village_mediator)
    parties = [{"side": "applicant", "name": f"申请人{n}"} for n in range(count)]
    zh, en = both(client, "post", reverse("case-list"), intake_body(center_tree, parties=parties))
    assert (zh.status_code, en.status_code) == (400, 400)
    assert zh.json() == {"parties": [zh_message]}
    assert en.json() == {"parties": [en_message]}
    assert Dispute.objects.count() == 0
    ten = [{"side": "applicant", "name": f"申请人{n}"} for n in range(10)]
    created = client.post(
        reverse("case-list"), intake_body(center_tree, parties=ten), format="json"
    )
    assert created.status_code == 201, created.content


@pytest.mark.parametrize("value", [0, 1, "true", None])
def test_intake_takes_true_or_false_for_confidential(api, people, center_tree, neighbour, value):
    """The schema says boolean: 0 was taken as false (found by tests/api/test_schemathesis.py)."""
    client = api(people.village_mediator)
    zh, en = both(
        client, "post", reverse("case-list"), intake_body(center_tree, is_confidential=value)
    )
    assert (zh.status_code, en.status_code) == (400, 400)
    assert set(zh.json()) == set(en.json()) == {"is_confidential"}
    assert Dispute.objects.count() == 0
    created = client.post(
        reverse("case-list"), intake_body(center_tree, is_confidential=True), format="json"
    )
    assert created.status_code == 201, created.content
    assert Dispute.objects.get().is_confidential


def test_service_errors_name_their_field(api, register, people, center_tree):
    case = register()
    dispute_accept(dispute_id=case.pk, actor=people.village_mediator)
    director = api(people.township_director)
    zh, en = both(
        director, "post", case_url(case, "extend"), {"version": 2, "workdays": 99, "reason": "等"}
    )
    assert zh.json() == {"workdays": ["延期天数应在 1 到 15 个工作日之间。"]}
    assert en.json() == {"workdays": ["The extension must be between 1 and 15 working days."]}

    staff = api(people.township_staff)
    zh, en = both(
        staff,
        "post",
        case_url(case, "dispatch"),
        {"version": 2, "center": center_tree.sibling_village.code},
    )
    assert zh.json() == {"center": ["请选择本中心或其下级中心（可填写12位区划代码）。"]}
    assert en.json()["center"][0].startswith("Choose this center or a center below it")
    zh, _en = both(staff, "post", case_url(case, "assign"), {"version": 2, "mediator": 999999})
    assert set(zh.json()) == {"mediator"}
    assert Dispute.objects.get(pk=case.pk).version == 2


def test_a_step_the_state_does_not_allow(api, register, people):
    case = register()
    zh, en = both(api(people.village_mediator), "post", case_url(case, "sign"), {"version": 1})
    assert zh.status_code == 400
    assert zh.json() == {"non_field_errors": ["案件当前状态为“已登记”，不能执行“签收”。"]}
    assert en.json() == {
        "non_field_errors": ["The case is “Registered”: “Sign for” is not possible now."]
    }


def test_a_refused_role_is_403_with_the_reason(api, register, people):
    case = register()
    zh, en = both(
        api(people.village_mediator),
        "post",
        case_url(case, "escalate"),
        {"version": 1, "reason": "x"},
    )
    assert (zh.status_code, en.status_code) == (403, 403)
    assert zh.json() == {"detail": "您的岗位无权对该案件执行“上报”。"}
    assert en.json() == {"detail": "Your role may not “Escalate” this case."}


def test_the_reveal_reason(api, register, people):
    case = register()
    party = case.parties.first()
    url = reverse(
        "case-party-reveal", kwargs={"tracking_number": case.tracking_number, "party_id": party.pk}
    )
    zh, en = both(api(people.village_mediator), "post", url, {"field": "phone"})
    assert zh.json() == {"reason": ["请填写查看理由。"]}
    assert en.json() == {"reason": ["Please give a reason for viewing."]}
    wrong = api(people.village_mediator).post(
        url, {"field": "address", "reason": "x"}, format="json"
    )
    assert wrong.status_code == 400 and set(wrong.json()) == {"field"}


def test_list_filters_reject_bad_values(api, people, member, center_tree):
    client = api(member(center_tree.village, Role.MEDIATOR))
    zh, en = both(
        client, "get", reverse("case-list"), {"status": "nonsense", "current_center": "42"}
    )
    assert zh.status_code == 400 and set(zh.json()) == {"status", "current_center"}
    assert zh.json()["current_center"] == ["请填写12位区划代码。"]
    assert en.json()["current_center"] == ["Enter a 12-digit division code."]
