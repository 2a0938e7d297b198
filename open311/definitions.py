"""What our intake looks like in Open311's terms: the status mapping, the service groups and
the attributes every service definition offers.

Status mapping (Open311 knows only `open` — "it has been reported" — and `closed` — "it has
been resolved"). A case is closed for Open311 once its handling is over: it was refused, or it
was closed (结案), whatever follow-up (回访) comes after. A resident who is not satisfied at
follow-up reopens it (重办): it goes back to 已受理 and so shows `open` again.

=================  ==========  ========  ==========================================
Status             Label       Open311   Why
=================  ==========  ========  ==========================================
registered         已登记      open      received, not yet taken on
accepted           已受理      open      being worked
not_accepted       不予受理    closed    refused, with the proper route stated
assigned           已分派调解员 open      being worked
dispatched         已派单      open      sent to a unit, waiting for its sign-in
signed             已签收      open      being worked by the unit
returned           已退单      open      back at the dispatching center
in_mediation       调解中      open      being mediated
agreed             调解成功    open      agreement reached, case not yet closed
failed             调解未成功  open      mediation stopped, case not yet closed
closed             已结案      closed    handling finished
follow_up          回访中      closed    finished; the resident is being asked
satisfied          已评价      closed    finished and rated
unreachable        回访未联系上 closed    finished; the resident could not be reached
archived           已归档      closed    finished and filed
=================  ==========  ========  ==========================================

The open side is exactly disputes.choices.OPEN_STATUSES (the statuses whose clock runs);
tests/open311 checks every status against this table.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from disputes.choices import RequestType, RiskLevel, Status

__all__ = [
    "OPEN",
    "CLOSED",
    "STATUS_MAP",
    "open311_status",
    "statuses_for",
    "SERVICE_GROUPS",
    "service_group",
    "Attribute",
    "ATTRIBUTES",
    "ATTRIBUTE_CODES",
    "MAX_DESCRIPTION",
    "SUMMARY_LENGTH",
    "MAX_RESULTS",
    "MAX_SPAN_DAYS",
]

OPEN = "open"
CLOSED = "closed"

STATUS_MAP: dict[str, str] = {
    Status.REGISTERED: OPEN,
    Status.ACCEPTED: OPEN,
    Status.NOT_ACCEPTED: CLOSED,
    Status.ASSIGNED: OPEN,
    Status.DISPATCHED: OPEN,
    Status.SIGNED: OPEN,
    Status.RETURNED: OPEN,
    Status.IN_MEDIATION: OPEN,
    Status.AGREED: OPEN,
    Status.FAILED: OPEN,
    Status.CLOSED: CLOSED,
    Status.FOLLOW_UP: CLOSED,
    Status.SATISFIED: CLOSED,
    Status.UNREACHABLE: CLOSED,
    Status.ARCHIVED: CLOSED,
}


def open311_status(status: str) -> str:
    return STATUS_MAP[status]


def statuses_for(open311: str) -> list[str]:
    """Our statuses that show as `open311` (`open` or `closed`)."""
    return sorted(str(status) for status, value in STATUS_MAP.items() if value == open311)


# Open311's `group` of each category of domain.md (人民调解 statistical classes); a category
# added later without a group here falls under 其他.
SERVICE_GROUPS = {
    "marriage_family": _("婚姻家庭与邻里"),
    "neighbour": _("婚姻家庭与邻里"),
    "housing_homestead": _("土地与房屋"),
    "land_forest": _("土地与房屋"),
    "land_acquisition": _("土地与房屋"),
    "property_mgmt": _("土地与房屋"),
    "labour": _("劳动与经济"),
    "contract_debt": _("劳动与经济"),
    "consumer": _("劳动与经济"),
    "production": _("劳动与经济"),
    "medical": _("侵权与损害赔偿"),
    "traffic": _("侵权与损害赔偿"),
    "damages": _("侵权与损害赔偿"),
    "environment": _("侵权与损害赔偿"),
    "village_affairs": _("基层治理"),
}


def service_group(code: str) -> str:
    return str(SERVICE_GROUPS.get(code, _("其他")))


@dataclass(frozen=True)
class Attribute:
    """One attribute of the service definition (the same for every service: our intake asks
    the same things whatever the category)."""

    code: str
    datatype: str
    order: int
    description: object  # lazy text
    required: bool = False
    variable: bool = True
    datatype_description: object = None
    values: tuple = ()  # (key, lazy name) for the list datatypes


# Open311 says where a problem is by lat/long, a free address or an address id. We cannot
# geocode, so a case is placed by its village's 12-digit division code, sent as address_id;
# this attribute (variable = false: information only) tells the integrator so.
ADDRESS_NOTE = Attribute(
    code="address_id_note",
    datatype="string",
    order=1,
    variable=False,
    description=_(
        "发生地请用 address_id 提交村/社区的12位统计用区划代码（如 420602001008）；"
        "本平台不做地理编码，只提供 lat/long 或 address_string 的诉求不予接收，"
        "address_string 作为详细地址保存。"
    ),
)

ATTRIBUTES: tuple[Attribute, ...] = (
    ADDRESS_NOTE,
    Attribute(
        code="request_type",
        datatype="singlevaluelist",
        order=2,
        description=_("诉求类型（不填为“求助”）"),
        values=tuple(RequestType.choices),
    ),
    Attribute(
        code="risk_level",
        datatype="singlevaluelist",
        order=3,
        description=_(
            "风险等级（不填为“一般”）：有暴力、民转刑或群体性风险的选“重大”，将直接由县级中心办理"
        ),
        values=tuple(RiskLevel.choices),
    ),
    Attribute(
        code="occurred_at",
        datatype="datetime",
        order=4,
        description=_("纠纷发生时间"),
        datatype_description=_("ISO 8601 日期时间，须带时区，如 2024-05-01T09:30:00+08:00"),
    ),
    Attribute(
        code="respondent",
        datatype="string",
        order=5,
        description=_("被申请人姓名或单位名称（如已知）"),
        datatype_description=_("不超过100个字符"),
    ),
    Attribute(
        code="confidential",
        datatype="singlevaluelist",
        order=6,
        description=_("当事人要求保密（举报类诉求建议选“是”）：保密案件不在本接口公开"),
        values=(("false", _("否")), ("true", _("是"))),
    ),
)
ATTRIBUTE_CODES = frozenset(a.code for a in ATTRIBUTES if a.variable)

# Open311: "free form text limited to 4,000 characters".
MAX_DESCRIPTION = 4000
# The case's summary (纠纷概要) is the description's first line, cut to this many characters.
SUMMARY_LENGTH = 100
# GET requests: "Default query limit is a span of 90 days or first 1000 requests returned,
# whichever is smallest." We return the 1000 most recent at most, and refuse spans > 90 days.
MAX_RESULTS = 1000
MAX_SPAN_DAYS = 90
