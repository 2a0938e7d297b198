"""Choices of the centers app: administrative levels, unit kinds, departments and roles."""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["CenterLevel", "CenterKind", "DepartmentKind", "Role", "LEVEL_DEPTH"]


class CenterLevel(models.TextChoices):
    """The administrative level of a center (综治中心层级)."""

    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")
    TOWNSHIP = "township", _("乡级")
    VILLAGE = "village", _("村级")


# Depth of each level; a child is always deeper than its parent (not always by exactly one:
# 东莞's townships hang directly under the city).
LEVEL_DEPTH = {
    CenterLevel.PROVINCE: 0,
    CenterLevel.CITY: 1,
    CenterLevel.COUNTY: 2,
    CenterLevel.TOWNSHIP: 3,
    CenterLevel.VILLAGE: 4,
}


class CenterKind(models.TextChoices):
    """The kind of unit, derived from the official code (县以下行政区划代码编制规则)."""

    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县/区")
    SUBDISTRICT = "subdistrict", _("街道")
    TOWN = "town", _("镇")
    RURAL_TOWNSHIP = "rural_township", _("乡")
    TOWNSHIP_LIKE = "township_like", _("类似乡级单位")
    RESIDENTS_COMMITTEE = "residents_committee", _("居委会/社区")
    VILLAGERS_COMMITTEE = "villagers_committee", _("村委会")
    VILLAGE_LIKE = "village_like", _("类似村级单位")


class DepartmentKind(models.TextChoices):
    """Departments stationed in a center (入驻部门)."""

    COURT = "court", _("人民法院")
    POLICE = "police", _("公安派出所")
    PETITION = "petition", _("信访部门")
    JUSTICE = "justice", _("司法所")
    LABOUR = "labour", _("人社/劳动监察")
    PROFESSIONAL_MEDIATION = "professional_mediation", _("专业调解委员会")
    PEOPLES_MEDIATION = "peoples_mediation", _("人民调解委员会")
    NATURAL_RESOURCES = "natural_resources", _("自然资源")
    HOUSING = "housing", _("住建")
    CIVIL_AFFAIRS = "civil_affairs", _("民政")
    WOMENS_FEDERATION = "womens_federation", _("妇联")
    OTHER = "other", _("其他")


class Role(models.TextChoices):
    """What a user does at a center (Membership.role)."""

    MEDIATOR = "mediator", _("调解员")
    STAFF = "staff", _("工作人员")
    DIRECTOR = "director", _("中心主任")
    AUDITOR = "auditor", _("督查")
    ADMIN = "admin", _("管理员")
    GRID_WORKER = "grid_worker", _("网格员")
