"""Demo data on top of the imported Xiangyang (襄阳市) tree: grids, grid workers, stationed
departments and one login per role at different levels, so that a fresh checkout shows a
believable platform after `make run`.

Everything is derived from the official division codes, so a re-run finds what it made
before and creates nothing new: the seeding is idempotent and deterministic. It only touches
the tree whose root is 襄阳市; other imported trees (株洲, the whole country) are left alone.
"""

from __future__ import annotations

import os
import unicodedata
import zlib
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from grids.models import Grid, GridWorker

from .choices import CenterKind, CenterLevel, DepartmentKind, Role
from .models import Center, Department, Membership

__all__ = [
    "DEFAULT_DEMO_PASSWORD",
    "DEMO_CITY_CODE",
    "DEMO_LOGINS",
    "DemoDataError",
    "DemoLogin",
    "DemoSeedResult",
    "SUPERUSER",
    "demo_password",
    "demo_seed",
    "grid_count_for_village",
    "grid_worker_username",
    "format_login_table",
]

DEFAULT_DEMO_PASSWORD = "zongzhi-demo-2026"
DEMO_CITY_CODE = "420600000000"  # 襄阳市
IMPORT_HINT = "python manage.py import_divisions data/divisions/xiangyang.csv"


class DemoDataError(Exception):
    """The database is not ready for demo data (e.g. the Xiangyang tree is not imported)."""


@dataclass(frozen=True)
class DemoLogin:
    """One named demo account: who it is and where it sits."""

    username: str
    role: str  # a Role value; "superuser" for the platform administrator
    center_code: str
    surname: str
    given_name: str
    note: str = ""


SUPERUSER = "superuser"  # DemoLogin.role of the platform administrator (not a Membership role)

# One login per role at different levels. The two townships of 襄城区 are siblings: staff of
# one must not see the other's cases.
DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("admin", SUPERUSER, "420600000000", "", "平台管理员", "看全部"),
    DemoLogin("city_director", Role.DIRECTOR, "420600000000", "王", "建国", "市级，看全市"),
    DemoLogin("county_auditor", Role.AUDITOR, "420602000000", "李", "秀兰", "县级督查"),
    DemoLogin("county_staff", Role.STAFF, "420602000000", "张", "伟", "县级，看全区"),
    DemoLogin("township_staff", Role.STAFF, "420602001000", "刘", "洋", "乡级"),
    DemoLogin("township_mediator", Role.MEDIATOR, "420602001000", "陈", "静", "乡级调解员"),
    DemoLogin("village_mediator", Role.MEDIATOR, "420602001008", "杨", "芳", "村级调解员"),
    DemoLogin("other_township_staff", Role.STAFF, "420602002000", "赵", "磊", "兄弟街道，互不可见"),
)
# The grid worker of 檀溪社区 is shown in the login table too (grid workers are made per village).
DEMO_GRID_WORKER_VILLAGE_CODE = "420602001008"

# Fixed lists for deterministic Chinese names of grid workers, indexed by the village code.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
)
GIVEN_NAMES = (
    "秀英", "桂英", "秀兰", "玉兰", "桂兰", "秀珍", "凤英", "建华", "建国", "建军",
    "志强", "志刚", "海燕", "红梅", "丽娟", "晓燕", "春梅", "国华", "国强", "德明",
    "文华", "明辉", "小红", "小军", "丽华", "爱华", "玉梅", "俊杰", "金凤", "红霞",
    "卫东", "卫国", "永红", "永刚", "新民", "淑珍", "淑英", "素芳", "翠兰", "家豪",
)  # fmt: skip
# Grids per village from the code's digit sum: 1, 1, 1, 2 or 3 (襄阳 has about 4,500 grids).
GRIDS_BY_DIGIT_SUM = (1, 1, 1, 2, 3)

# Suffixes removed to get a village's short name:
# 檀溪社区居委会 → 檀溪社区, 张岗村村民委员会 → 张岗村.
_VILLAGE_SUFFIXES = (
    ("村民委员会", "村"),
    ("村委会", "村"),
    ("居民委员会", ""),
    ("居委会", ""),
)
_TOWNSHIP_SUFFIXES = ("街道办事处", "街道", "镇", "乡")
_STATUTORY_TOWNSHIP_KINDS = {
    CenterKind.SUBDISTRICT,
    CenterKind.TOWN,
    CenterKind.RURAL_TOWNSHIP,
}


@dataclass
class DemoSeedResult:
    """What one run created (all zero on a re-run) and the logins to print."""

    password: str
    grids: int = 0
    grid_workers: int = 0
    departments: int = 0
    users: int = 0
    memberships: int = 0
    password_matches: bool = True
    logins: list[tuple[str, str, str, str]] = field(default_factory=list)

    @property
    def created_anything(self) -> bool:
        return any((self.grids, self.grid_workers, self.departments, self.users, self.memberships))


def demo_password() -> str:
    """The shared demo password: DEMO_PASSWORD from the environment, or the default."""
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


def _digit_sum(code: str) -> int:
    return sum(int(c) for c in code)


def grid_count_for_village(code: str) -> int:
    """How many demo grids a village gets: 1–3, from its code's digits."""
    return GRIDS_BY_DIGIT_SUM[_digit_sum(code) % len(GRIDS_BY_DIGIT_SUM)]


def grid_worker_username(village_code: str) -> str:
    return f"grid{village_code}"


def grid_worker_phone(village_code: str) -> str:
    """A fake but well-formed mobile number, unique per village: 139 + county, township and
    village segments of the code (8 digits)."""
    return f"139{village_code[4:12]}"


def grid_worker_name(village_code: str) -> tuple[str, str]:
    """(surname, given name), deterministic from the code."""
    number = int(village_code)
    surname = SURNAMES[number % len(SURNAMES)]
    given = GIVEN_NAMES[(number // len(SURNAMES) + _digit_sum(village_code)) % len(GIVEN_NAMES)]
    return surname, given


def village_short_name(name: str) -> str:
    for suffix, replacement in _VILLAGE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            short = name[: -len(suffix)]
            if replacement and not short.endswith(replacement):
                short += replacement
            return short
    return name


def township_short_name(name: str) -> str:
    """真武山街道 → 真武山, 欧庙镇 → 欧庙; names without such a suffix stay whole."""
    for suffix in _TOWNSHIP_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _office_phone(code: str, key: str) -> str:
    """A deterministic 7-digit landline in Xiangyang's area code (0710), first digit 2–8."""
    return f"0710-{zlib.crc32(f'{code}:{key}'.encode()) % 7_000_000 + 2_000_000}"


def _department_specs(center: Center, county: Center | None, city: Center):
    """(kind, name) of the departments stationed in `center` (入驻部门)."""
    name = center.name
    if center.level == CenterLevel.CITY:
        return [
            (DepartmentKind.COURT, f"{name}中级人民法院"),
            (DepartmentKind.POLICE, f"{name}公安局"),
            (DepartmentKind.PETITION, f"{name}信访局"),
            (DepartmentKind.JUSTICE, f"{name}司法局"),
            (DepartmentKind.LABOUR, f"{name}人力资源和社会保障局"),
            (DepartmentKind.PROFESSIONAL_MEDIATION, f"{name}医疗纠纷人民调解委员会"),
        ]
    if center.level == CenterLevel.COUNTY:
        if name.endswith("区") and len(name) > 2:
            police = f"{city.name}公安局{name[:-1]}分局"
        else:
            police = f"{name}公安局"
        return [
            (DepartmentKind.COURT, f"{name}人民法院"),
            (DepartmentKind.POLICE, police),
            (DepartmentKind.PETITION, f"{name}信访局"),
            (DepartmentKind.JUSTICE, f"{name}司法局"),
            (DepartmentKind.LABOUR, f"{name}劳动保障监察大队"),
            (DepartmentKind.PROFESSIONAL_MEDIATION, f"{name}医疗纠纷人民调解委员会"),
            (DepartmentKind.PROFESSIONAL_MEDIATION, f"{name}道路交通事故纠纷人民调解委员会"),
            (DepartmentKind.PROFESSIONAL_MEDIATION, f"{name}婚姻家庭纠纷人民调解委员会"),
        ]
    short = township_short_name(name)
    specs = [
        (DepartmentKind.POLICE, f"{short}派出所"),
        (DepartmentKind.PEOPLES_MEDIATION, f"{name}人民调解委员会"),
    ]
    if center.kind in _STATUTORY_TOWNSHIP_KINDS:
        # 街道/镇/乡 get the full set; 开发区, 农场, 林场 … only police and mediation.
        court_of = county.name if county else city.name
        specs += [
            (DepartmentKind.COURT, f"{court_of}人民法院{short}人民法庭"),
            (DepartmentKind.PETITION, f"{name}信访办公室"),
            (DepartmentKind.JUSTICE, f"{short}司法所"),
            (DepartmentKind.LABOUR, f"{name}劳动保障服务站"),
        ]
    return specs


def _seed_departments(city: Center, tree: list[Center]) -> int:
    by_id = {c.pk: c for c in tree}
    existing = set(
        Department.objects.filter(center__tree_id=city.tree_id).values_list("center_id", "name")
    )
    new = []
    for center in tree:
        if center.level not in (CenterLevel.CITY, CenterLevel.COUNTY, CenterLevel.TOWNSHIP):
            continue
        county = None
        ancestor = center
        while ancestor is not None:
            if ancestor.level == CenterLevel.COUNTY:
                county = ancestor
                break
            ancestor = by_id.get(ancestor.parent_id)
        for kind, name in _department_specs(center, county, city):
            if (center.pk, name) in existing:
                continue
            existing.add((center.pk, name))
            new.append(
                Department(
                    center=center,
                    name=name,
                    kind=kind,
                    phone=_office_phone(center.code, name),
                )
            )
    Department.objects.bulk_create(new, batch_size=500)
    return len(new)


def _seed_grids(villages: list[Center]) -> int:
    village_ids = [v.pk for v in villages]
    existing_codes = set()
    existing_names = set()
    for code, village_id, name in Grid.objects.filter(village__in=village_ids).values_list(
        "code", "village_id", "name"
    ):
        existing_codes.add(code)
        existing_names.add((village_id, name))
    new = []
    for village in villages:
        short = village_short_name(village.name)
        for seq in range(1, grid_count_for_village(village.code) + 1):
            code = f"{village.code}{seq:03d}"
            name = f"{short}第{seq}网格"
            if code in existing_codes or (village.pk, name) in existing_names:
                continue
            new.append(Grid(village=village, code=code, name=name))
    Grid.objects.bulk_create(new, batch_size=1000)
    return len(new)


def _seed_users(
    specs: list[tuple[str, str, str, bool]], *, password: str, reset_passwords: bool
) -> tuple[int, bool]:
    """Create the missing users of `specs` = [(username, surname, given, is_superuser)].

    Returns (created, password_matches). Existing users keep their password unless
    `reset_passwords`; whether it still is `password` is checked on one account (all demo
    accounts are created with one hash).
    """
    User = get_user_model()
    wanted = [s[0] for s in specs]
    existing = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
    missing = [s for s in specs if s[0] not in existing]
    password_hash = None
    if missing or reset_passwords:
        # One hash for every demo account: thousands of PBKDF2 rounds would take minutes.
        password_hash = make_password(password)
    User.objects.bulk_create(
        [
            User(
                username=username,
                last_name=surname,
                first_name=given,
                password=password_hash,
                is_staff=is_superuser,
                is_superuser=is_superuser,
                is_active=True,
            )
            for username, surname, given, is_superuser in missing
        ],
        batch_size=1000,
    )
    matches = True
    if reset_passwords and existing:
        User.objects.filter(username__in=existing).update(password=password_hash)
    elif existing:
        probe = specs[0][0] if specs[0][0] in existing else min(existing)
        matches = User.objects.get(username=probe).check_password(password)
    return len(missing), matches


def _seed_memberships(wanted: list[tuple[int, int, str]]) -> int:
    """Create the missing (user_id, center_id, role) memberships."""
    user_ids = {w[0] for w in wanted}
    existing = set(
        Membership.objects.filter(user_id__in=user_ids).values_list("user_id", "center_id", "role")
    )
    new = [
        Membership(user_id=user_id, center_id=center_id, role=role)
        for user_id, center_id, role in dict.fromkeys(wanted)
        if (user_id, center_id, role) not in existing
    ]
    Membership.objects.bulk_create(new, batch_size=1000)
    return len(new)


def _seed_grid_workers(villages: list[Center], user_ids: dict[str, int]) -> int:
    """One grid worker per village, covering that village's demo grids."""
    worker_users = {v.pk: user_ids[grid_worker_username(v.code)] for v in villages}
    existing_users = set(
        GridWorker.objects.filter(user_id__in=worker_users.values()).values_list(
            "user_id", flat=True
        )
    )
    new = [
        GridWorker(user_id=worker_users[v.pk], village=v, phone=grid_worker_phone(v.code))
        for v in villages
        if worker_users[v.pk] not in existing_users
    ]
    GridWorker.objects.bulk_create(new, batch_size=1000)

    workers = dict(
        GridWorker.objects.filter(user_id__in=worker_users.values()).values_list("village_id", "pk")
    )
    through = GridWorker.grids.through
    covered = set(
        through.objects.filter(gridworker_id__in=workers.values()).values_list(
            "gridworker_id", "grid_id"
        )
    )
    village_codes = {v.pk: v.code for v in villages}
    links = []
    demo_grids = Grid.objects.filter(village_id__in=list(workers)).values_list(
        "pk", "village_id", "code"
    )
    for grid_id, village_id, code in demo_grids:
        if len(code) != 15 or code[:12] != village_codes[village_id]:
            continue  # a grid someone else made: leave its workers alone
        worker_id = workers[village_id]
        if (worker_id, grid_id) not in covered:
            links.append(through(gridworker_id=worker_id, grid_id=grid_id))
    through.objects.bulk_create(links, batch_size=1000)
    return len(new)


def _demo_tree() -> tuple[Center, list[Center]]:
    """襄阳市 and its active subtree; DemoDataError when it has not been imported."""
    city = Center.objects.filter(code=DEMO_CITY_CODE).first()
    if city is None:
        raise DemoDataError(
            f"襄阳市（{DEMO_CITY_CODE}）不在数据库中。请先导入区划：{IMPORT_HINT}\n"
            f"Xiangyang ({DEMO_CITY_CODE}) is not in the database. Import it first: {IMPORT_HINT}"
        )
    tree = list(Center.objects.filter(tree_id=city.tree_id, is_active=True).order_by("lft"))
    present = {c.code for c in tree}
    needed = {login.center_code for login in DEMO_LOGINS} | {DEMO_GRID_WORKER_VILLAGE_CODE}
    missing = sorted(needed - present)
    if missing:
        raise DemoDataError(
            f"襄阳市的区划不完整，缺少：{', '.join(missing)}。请先导入：{IMPORT_HINT}\n"
            f"The Xiangyang tree is incomplete (missing {', '.join(missing)}). "
            f"Import it first: {IMPORT_HINT}"
        )
    return city, tree


def demo_seed(*, password: str, reset_passwords: bool = False) -> DemoSeedResult:
    """Create the demo data on the Xiangyang tree, in one transaction; a re-run creates and
    changes nothing.

    Existing demo users keep their password (unless `reset_passwords`: then every demo
    account gets `password`); `password_matches` tells whether it still is `password`.
    """
    User = get_user_model()
    result = DemoSeedResult(password=password)
    with transaction.atomic():
        city, tree = _demo_tree()
        by_code = {c.code: c for c in tree}
        villages = [c for c in tree if c.level == CenterLevel.VILLAGE]

        result.departments = _seed_departments(city, tree)
        result.grids = _seed_grids(villages)

        specs = [(d.username, d.surname, d.given_name, d.role == SUPERUSER) for d in DEMO_LOGINS]
        specs += [
            (grid_worker_username(v.code), *grid_worker_name(v.code), False) for v in villages
        ]
        result.users, result.password_matches = _seed_users(
            specs, password=password, reset_passwords=reset_passwords
        )
        user_ids = dict(
            User.objects.filter(username__in=[s[0] for s in specs]).values_list("username", "pk")
        )
        wanted = [
            (
                user_ids[d.username],
                by_code[d.center_code].pk,
                Role.ADMIN if d.role == SUPERUSER else d.role,
            )
            for d in DEMO_LOGINS
        ]
        wanted += [
            (user_ids[grid_worker_username(v.code)], v.pk, Role.GRID_WORKER) for v in villages
        ]
        result.memberships = _seed_memberships(wanted)
        result.grid_workers = _seed_grid_workers(villages, user_ids)

    for login in DEMO_LOGINS:
        result.logins.append(
            (login.username, _role_text(login.role), by_code[login.center_code].name, login.note)
        )
    village = by_code[DEMO_GRID_WORKER_VILLAGE_CODE]
    result.logins.append(
        (
            grid_worker_username(village.code),
            _role_text(Role.GRID_WORKER),
            village.name,
            "每个村/社区一名：grid+村级区划代码",
        )
    )
    return result


def _role_text(role: str) -> str:
    """调解员 mediator, 网格员 grid_worker, …: the label and the value people type in filters."""
    if role == SUPERUSER:
        return "超级管理员 superuser"
    return f"{Role(role).label} {Role(role).value}"


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _display_width(text))


def format_login_table(result: DemoSeedResult) -> str:
    """The demo logins as an aligned plain-text table (CJK characters count double)."""
    header = ("用户名 username", "密码 password", "角色 role", "中心 center", "说明")
    rows = [(u, result.password, role, center, note) for u, role, center, note in result.logins]
    widths = [max(_display_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(_pad(cell, w) for cell, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)
