"""Demo cases for `seed_demo`: a handful of disputes at every stage on 襄城区's demo centers,
made through the same services as real work (so each has its full, hash-chained timeline)."""

from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from centers.models import Center
from governance.validators import id_number_check_digit

from .choices import Channel, PartyKind, PartySide, RequestType, RiskLevel
from .models import Category, Dispute
from .services import (
    PartyData,
    dispute_accept,
    dispute_agree,
    dispute_close,
    dispute_dispatch,
    dispute_escalate,
    dispute_fail,
    dispute_not_accept,
    dispute_rate_satisfied,
    dispute_record_session,
    dispute_register,
    dispute_start_follow_up,
    dispute_start_mediation,
)

__all__ = ["demo_disputes_seed"]

TANXI = "420602001008"  # 檀溪社区居委会, under 真武山街道
ZHENWUSHAN = "420602001000"
GUCHENG_VILLAGE = "420602002001"  # 中山巷社区居委会, under 古城街道


def _id_number(first17: str) -> str:
    return first17 + id_number_check_digit(first17)


def _person(side, name, phone, first17=None, address=""):
    return PartyData(
        side=side,
        name=name,
        phone=phone,
        id_number=_id_number(first17) if first17 else "",
        address=address,
    )


def demo_disputes_seed() -> int:
    """Create the demo cases once (returns how many were made; 0 when they exist)."""
    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=[
                "village_mediator",
                "township_staff",
                "township_mediator",
                "county_staff",
                "other_township_staff",
            ]
        )
    }
    if len(users) < 3 or Dispute.objects.filter(created_by__in=users.values()).exists():
        return 0
    centers = {
        c.code: c for c in Center.objects.filter(code__in=[TANXI, ZHENWUSHAN, GUCHENG_VILLAGE])
    }
    if len(centers) < 3:
        return 0
    category = {c.code: c for c in Category.objects.all()}
    vm, ts = users["village_mediator"], users["township_staff"]
    tanxi, zws, gucheng = centers[TANXI], centers[ZHENWUSHAN], centers[GUCHENG_VILLAGE]

    def walk_in(actor, receiving, village, cat, summary, parties, **extra):
        return dispute_register(
            actor=actor,
            receiving_center=receiving,
            channel=extra.pop("channel", Channel.WALK_IN),
            category=category[cat],
            summary=summary,
            village=village,
            parties=parties,
            **extra,
        ).dispute.pk

    applicant = PartySide.APPLICANT
    respondent = PartySide.RESPONDENT
    made = 0
    with transaction.atomic():
        # 1. Just registered at the village desk.
        walk_in(
            vm,
            tanxi,
            tanxi,
            "neighbour",
            "邻里排水纠纷",
            [
                _person(applicant, "李秀兰", "13907101001", "42060219850315254", "檀溪路12号"),
                _person(respondent, "王建军", "13807101002"),
            ],
            description="雨水从邻居院墙排入申请人院内。",
        )
        made += 1
        # 2. In mediation at the village.
        pk = walk_in(
            vm,
            tanxi,
            tanxi,
            "marriage_family",
            "赡养费争议",
            [
                _person(applicant, "张桂英", "13907101003", "42060219480712302"),
                _person(respondent, "张志强", "13907101004"),
            ],
        )
        dispute_accept(dispute_id=pk, actor=vm)
        dispute_start_mediation(dispute_id=pk, actor=vm)
        made += 1
        # 3. Agreed, closed, followed up, the resident satisfied.
        pk = walk_in(
            vm,
            tanxi,
            tanxi,
            "property_mgmt",
            "物业费与漏水维修纠纷",
            [
                _person(applicant, "周海燕", "13907101005", "42060219900101452"),
                _person(respondent, "襄阳某物业服务有限公司", "0710-3456789"),
            ],
            channel=Channel.PHONE,
        )
        dispute_accept(dispute_id=pk, actor=vm)
        dispute_start_mediation(dispute_id=pk, actor=vm)
        dispute_record_session(
            dispute_id=pk,
            actor=vm,
            held_at=timezone.now(),
            mediators=[vm],
            attendees="周海燕；物业公司项目经理",
            notes="双方陈述漏水及欠费情况，调解员释明《民法典》物业服务合同有关规定。",
            outcome="双方同意先维修、后补缴",
        )
        dispute_agree(
            dispute_id=pk,
            actor=vm,
            content="物业公司于十日内维修漏水管道，业主补缴物业费。",
            signed_on=date.today(),
        )
        dispute_close(dispute_id=pk, actor=vm)
        dispute_start_follow_up(dispute_id=pk, actor=None)
        dispute_rate_satisfied(dispute_id=pk, actor=None, comment="满意")
        made += 1
        # 4. Received at the township, dispatched to the village: awaiting its sign-in.
        pk = walk_in(
            ts,
            zws,
            tanxi,
            "labour",
            "装修工人欠薪",
            [
                _person(applicant, "陈建华", "13907101006", "42062119800505351"),
                _person(respondent, "刘德明", "13907101007"),
            ],
            channel=Channel.HOTLINE_12345,
            request_type=RequestType.COMPLAINT,
        )
        dispute_accept(dispute_id=pk, actor=ts)
        dispute_dispatch(dispute_id=pk, actor=ts, center=tanxi, note="属地调解")
        made += 1
        # 5. Failed at the village, escalated to the township.
        pk = walk_in(
            vm,
            tanxi,
            tanxi,
            "housing_homestead",
            "宅基地界址争议",
            [
                _person(applicant, "黄国强", "13907101008", "42060219700808273"),
                _person(respondent, "黄国华", "13907101009", "42060219720909274"),
            ],
        )
        dispute_accept(dispute_id=pk, actor=vm)
        dispute_start_mediation(dispute_id=pk, actor=vm)
        dispute_fail(dispute_id=pk, actor=vm, routes="已告知可申请乡镇人民政府处理或向法院起诉。")
        dispute_escalate(dispute_id=pk, actor=ts, reason="村级调解未成功，提级处理")
        made += 1
        # 6. 重大 risk: straight to county level at intake.
        walk_in(
            vm,
            tanxi,
            tanxi,
            "land_acquisition",
            "多户村民对拆迁补偿有异议",
            [
                _person(applicant, "村民代表 吴卫东", "13907101010", "42060219650303311"),
                _person(respondent, "某项目指挥部", "", None),
            ],
            risk_level=RiskLevel.MAJOR,
            request_type=RequestType.COMPLAINT,
        )
        made += 1
        # 7. Not accepted, with the proper route stated.
        pk = walk_in(
            vm,
            tanxi,
            tanxi,
            "contract_debt",
            "借款已进入诉讼程序",
            [
                _person(applicant, "孙小军", "13907101011"),
            ],
        )
        dispute_not_accept(
            dispute_id=pk, actor=vm, route="该纠纷已由人民法院受理，告知依诉讼程序处理。"
        )
        made += 1
        # 8. A case of the sibling township (its staff see only theirs).
        walk_in(
            users["other_township_staff"],
            gucheng.parent,
            gucheng,
            "consumer",
            "网购退货纠纷",
            [
                _person(applicant, "赵丽娟", "13907101012"),
                PartyData(side=respondent, kind=PartyKind.ORGANIZATION, name="某电商店铺"),
            ],
            channel=Channel.ONLINE,
        )
        made += 1
        # 9. A report (举报) taken in at the township and sent down to 檀溪社区: the village
        # works it without ever seeing who reported.
        pk = walk_in(
            ts,
            zws,
            tanxi,
            "village_affairs",
            "举报小区公共绿地被圈占搭建",
            [
                _person(applicant, "钱文静", "13907101013", "42060219880606262"),
                _person(respondent, "某商户", "13907101014"),
            ],
            channel=Channel.PHONE,
            request_type=RequestType.REPORT,
        )
        dispute_accept(dispute_id=pk, actor=ts)
        dispute_dispatch(dispute_id=pk, actor=ts, center=tanxi, note="请核实并处理，举报人信息保密")
        made += 1
        # 10. Confidential (保密) at the parties' request: the village mediator who took it in
        # and the directors above see it; the township's other staff do not.
        pk = walk_in(
            vm,
            tanxi,
            tanxi,
            "marriage_family",
            "婚姻家庭矛盾（当事人要求保密）",
            [
                _person(applicant, "郑淑芬", "13907101015", "42060219920202242"),
                _person(respondent, "郑某", "13907101016"),
            ],
            is_confidential=True,
        )
        dispute_accept(dispute_id=pk, actor=vm)
        made += 1
        # 11. Agreed and closed just now: the follow-up job starts its 回访 three working days
        # later (a minute in the demo's clock).
        pk = walk_in(
            vm,
            tanxi,
            tanxi,
            "consumer",
            "装修材料退货纠纷",
            [
                _person(applicant, "何明", "13907101017", "42060219950505151"),
                _person(respondent, "某建材店", "13907101018"),
            ],
        )
        dispute_accept(dispute_id=pk, actor=vm)
        dispute_start_mediation(dispute_id=pk, actor=vm)
        dispute_agree(
            dispute_id=pk, actor=vm, content="建材店三日内退还货款。", signed_on=date.today()
        )
        dispute_close(dispute_id=pk, actor=vm)
        made += 1
    return made
