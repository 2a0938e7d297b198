"""import_divisions: official division codes into the Center tree.

Every file is made of real rows of data/divisions/xiangyang.csv (and a few real rows of the
national file), written to tmp_path. The nested-set fields the importer computes itself are
checked against django-mptt's own Center.objects.rebuild().
"""

import csv
import gzip
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from centers import importer
from centers.choices import CenterKind, CenterLevel
from centers.importer import MAX_REPORTED_ERRORS, ImportDivisionsError, import_divisions
from centers.models import Center
from tests.factories import CenterFactory

DIVISIONS = Path(settings.BASE_DIR) / "data" / "divisions"
XIANGYANG_CSV = DIVISIONS / "xiangyang.csv"
NATIONAL_CSV = DIVISIONS / "china-villages.csv.gz"
HEADER = "code,name,level,parent_code"

with XIANGYANG_CSV.open(encoding="utf-8", newline="") as _file:
    XIANGYANG = [tuple(row) for row in list(csv.reader(_file))[1:]]
BY_CODE = {row[0]: row for row in XIANGYANG}
CITY = BY_CODE["420600000000"]  # 襄阳市, parent_code empty
# Real rows of the national file.
HUBEI = ("420000000000", "湖北省", "province", "")
ZHUZHOU = ("430200000000", "株洲市", "city", "")
ZHUZHOU_COUNTY = ("430202000000", "荷塘区", "county", "430200000000")
GUANGDONG = ("440000000000", "广东省", "province", "")
DONGGUAN = [
    ("441900000000", "东莞市", "city", "440000000000"),
    ("441900003000", "东城街道", "township", "441900000000"),
    ("441900003001", "岗贝社区居民委员会", "village", "441900003000"),
]


def under(*prefixes: str) -> list[tuple]:
    """襄阳市 and the real rows under the given code prefixes, in file order."""
    return [CITY] + [row for row in XIANGYANG if row[0].startswith(prefixes)]


XIANGCHENG = under("420602")  # 襄阳市 + 襄城区: 187 rows
FANCHENG = [row for row in XIANGYANG if row[0].startswith("420606")]  # 樊城区: 237 rows


def write_csv(tmp_path: Path, rows, name: str = "divisions.csv", **kwargs) -> Path:
    """A division file with `rows` under the standard header (or `header=`)."""
    header = kwargs.pop("header", HEADER)
    encoding = kwargs.pop("encoding", "utf-8")
    assert not kwargs
    lines = [header] if header is not None else []
    lines += [",".join(row) for row in rows]
    path = tmp_path / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def layout() -> dict[str, tuple]:
    """code → (parent code, tree_id, lft, rght, tree_depth) of every center."""
    return {
        code: rest
        for code, *rest in Center.objects.values_list(
            "code", "parent__code", "tree_id", "lft", "rght", "tree_depth"
        )
    }


def rebuilt_layout() -> dict[str, tuple]:
    """layout() after django-mptt has recomputed every tree from the parent links."""
    Center.objects.rebuild()
    return layout()


def stored() -> list[tuple]:
    """Every stored column of every center (to check that nothing at all was written)."""
    return sorted(
        Center.objects.values_list(
            "id",
            "code",
            "name",
            "level",
            "kind",
            "parent_id",
            "is_active",
            "created_at",
            "updated_at",
            "tree_id",
            "lft",
            "rght",
            "tree_depth",
        )  # fmt: skip
    )


def assert_rejected(path: Path, line: int | None, fragment: str) -> ImportDivisionsError:
    """The import of `path` fails with `fragment` reported at `line`, and writes nothing."""
    before = stored()
    with pytest.raises(ImportDivisionsError) as info:
        import_divisions(path=path)
    prefix = f"{path}:{line}: " if line else f"{path}: "
    assert any(text.startswith(prefix) and fragment in text for text in info.value.lines()), (
        info.value.lines()
    )
    assert stored() == before
    return info.value


@pytest.fixture
def xiangcheng(tmp_path, db):
    """襄阳市 and 襄城区 already imported."""
    import_divisions(path=write_csv(tmp_path, XIANGCHENG, "xiangcheng.csv"))
    return Center.objects.get(code=CITY[0])


# --- the tree ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_slice_is_laid_out_exactly_as_mptt_rebuild_would(tmp_path):
    rows = under("420602", "420606")
    result = import_divisions(path=write_csv(tmp_path, rows))

    assert (result.rows, result.created, result.updated, result.unchanged) == (424, 424, 0, 0)
    assert result.trees == 1
    imported = layout()
    assert len(imported) == 424
    assert imported == rebuilt_layout()
    names = dict(Center.objects.values_list("code", "name"))
    assert names == {row[0]: row[1] for row in rows}


@pytest.mark.django_db
def test_whole_xiangyang_file():
    result = import_divisions(path=XIANGYANG_CSV)

    assert (result.rows, result.created, result.written) == (2957, 2957, 2957)
    city = Center.objects.get(code="420600000000")
    assert city.parent is None and city.tree_depth == 0
    assert city.get_descendant_count() == 2956
    counties = list(city.get_children())
    assert [c.name for c in counties] == [
        "襄城区", "樊城区", "襄州区", "南漳县", "谷城县", "保康县", "老河口市", "枣阳市", "宜城市",
    ]  # fmt: skip
    for county in counties:
        prefix = county.code[:6]
        assert county.get_descendant_count() == sum(
            1 for row in XIANGYANG if row[0].startswith(prefix) and row[0] != county.code
        )
    township = Center.objects.get(code="420602001000")  # 真武山街道
    assert [c.code for c in township.get_children()] == [
        row[0] for row in XIANGYANG if row[3] == "420602001000"
    ]
    tree = Center.objects.filter(tree_id=city.tree_id)
    assert {level: tree.filter(level=level).count() for level in CenterLevel.values} == {
        "province": 0,
        "city": 1,
        "county": 9,
        "township": 130,
        "village": 2817,
    }
    # The README's counts of unit kinds, derived from the codes.
    assert tree.filter(kind=CenterKind.SUBDISTRICT).count() == 31
    assert tree.filter(kind=CenterKind.TOWN).count() == 74
    assert tree.filter(kind=CenterKind.RURAL_TOWNSHIP).count() == 4
    assert tree.filter(kind=CenterKind.TOWNSHIP_LIKE).count() == 21
    assert tree.filter(kind=CenterKind.RESIDENTS_COMMITTEE).count() == 527
    assert tree.filter(kind=CenterKind.VILLAGERS_COMMITTEE).count() == 2266
    assert layout() == rebuilt_layout()


@pytest.mark.django_db
def test_rerun_of_the_same_file_writes_nothing(tmp_path):
    path = write_csv(tmp_path, XIANGCHENG + FANCHENG)
    import_divisions(path=path)
    before = stored()

    with CaptureQueriesContext(connection) as queries:
        result = import_divisions(path=path)

    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "COPY", "CREATE"))
    ]
    assert writes == []
    assert stored() == before  # ids, names, layout and updated_at alike
    assert result.written == 0
    assert (result.created, result.updated, result.renumbered) == (0, 0, 0)
    assert result.unchanged == result.rows == len(XIANGCHENG) + len(FANCHENG)


@pytest.mark.django_db
def test_renamed_unit_is_renamed_and_nothing_else_changes(tmp_path, xiangcheng):
    before = {c.code: c for c in Center.objects.all()}
    renamed = [
        (row[0], "真武山街道（更名）", *row[2:]) if row[0] == "420602001000" else row
        for row in XIANGCHENG
    ]
    result = import_divisions(path=write_csv(tmp_path, renamed))

    assert (result.created, result.updated, result.renumbered) == (0, 1, 0)
    assert result.unchanged == len(XIANGCHENG) - 1
    after = {c.code: c for c in Center.objects.all()}
    assert after["420602001000"].name == "真武山街道（更名）"
    assert after["420602001000"].updated_at > before["420602001000"].updated_at
    for code, center in after.items():
        old = before[code]
        assert (center.pk, center.tree_id, center.lft, center.rght) == (
            old.pk, old.tree_id, old.lft, old.rght,
        )  # fmt: skip
        if code != "420602001000":
            assert (center.name, center.updated_at) == (old.name, old.updated_at)


@pytest.mark.django_db
def test_new_units_are_added_into_the_existing_tree(tmp_path, xiangcheng):
    ids = dict(Center.objects.values_list("code", "id"))
    # 樊城区 sorts after 襄城区: of the existing nodes only the city's rght moves.
    result = import_divisions(path=write_csv(tmp_path, XIANGCHENG + FANCHENG))

    assert (result.created, result.updated, result.renumbered) == (len(FANCHENG), 0, 1)
    assert Center.objects.values("tree_id").distinct().count() == 1
    assert {code: pk for code, pk in Center.objects.values_list("code", "id") if code in ids} == ids
    assert layout() == rebuilt_layout()


@pytest.mark.django_db
def test_units_added_in_the_middle_of_a_tree_shift_their_later_siblings(tmp_path):
    without_guchen = [row for row in XIANGCHENG if not row[0].startswith("420602002")]
    import_divisions(path=write_csv(tmp_path, without_guchen, "first.csv"))
    first = layout()

    result = import_divisions(path=write_csv(tmp_path, XIANGCHENG, "second.csv"))

    assert result.created == 15  # 古城街道 and its 14 communities
    assert result.renumbered > 100
    assert result.updated == 0
    final = layout()
    assert final == rebuilt_layout()
    # 真武山街道 (001) sorts before 古城街道 (002): it did not move.
    assert final["420602001000"] == first["420602001000"]
    assert final["420602003000"] != first["420602003000"]


@pytest.mark.django_db
def test_units_absent_from_the_file_are_left_alone_and_counted(tmp_path, xiangcheng):
    before = stored()
    without_guchen = [row for row in XIANGCHENG if not row[0].startswith("420602002")]

    result = import_divisions(path=write_csv(tmp_path, without_guchen))

    assert result.absent == 15
    assert result.written == 0
    assert stored() == before


@pytest.mark.django_db
def test_city_file_is_a_slice_of_the_national_tree(tmp_path):
    """A root of the file (empty parent_code) that is stored under a parent keeps it."""
    national = [HUBEI, (CITY[0], CITY[1], CITY[2], HUBEI[0])] + XIANGCHENG[1:]
    import_divisions(path=write_csv(tmp_path, national, "national.csv"))
    before = stored()

    result = import_divisions(path=write_csv(tmp_path, XIANGCHENG, "xiangyang.csv"))

    assert result.written == 0
    assert stored() == before
    assert Center.objects.get(code=CITY[0]).parent.code == HUBEI[0]


@pytest.mark.django_db
def test_city_tree_joins_its_province_when_the_province_arrives(tmp_path, xiangcheng):
    city_tree_id, city_pk = xiangcheng.tree_id, xiangcheng.pk
    national = [HUBEI, (CITY[0], CITY[1], CITY[2], HUBEI[0])] + XIANGCHENG[1:]

    result = import_divisions(path=write_csv(tmp_path, national, "national.csv"))

    assert (result.created, result.updated) == (1, 1)  # 湖北省; 襄阳市 got a parent
    assert result.renumbered == len(XIANGCHENG) - 1
    hubei = Center.objects.get(code=HUBEI[0])
    city = Center.objects.get(code=CITY[0])
    assert city.pk == city_pk and city.parent == hubei
    assert hubei.tree_id > city_tree_id
    assert not Center.objects.filter(tree_id=city_tree_id).exists()
    assert hubei.get_descendant_count() == len(XIANGCHENG)
    # Positions inside the tree are exactly MPTT's (rebuild() numbers the single tree 1).
    assert {c: v[:1] + v[2:] for c, v in layout().items()} == {
        c: v[:1] + v[2:] for c, v in rebuilt_layout().items()
    }
    assert import_divisions(path=write_csv(tmp_path, national, "national.csv")).written == 0


@pytest.mark.django_db
def test_new_roots_get_tree_ids_after_the_largest(tmp_path):
    import_divisions(path=write_csv(tmp_path, [ZHUZHOU, ZHUZHOU_COUNTY], "zhuzhou.csv"))
    zhuzhou = Center.objects.get(code=ZHUZHOU[0])

    # 襄阳 (4206) sorts before 株洲 (4302), yet 株洲's tree keeps its id.
    import_divisions(path=write_csv(tmp_path, [GUANGDONG, *XIANGCHENG], "two-roots.csv"))

    city = Center.objects.get(code=CITY[0])
    guangdong = Center.objects.get(code=GUANGDONG[0])
    assert Center.objects.get(code=ZHUZHOU[0]).tree_id == zhuzhou.tree_id
    # New roots are numbered in code order: 420600000000 before 440000000000.
    assert (city.tree_id, guangdong.tree_id) == (zhuzhou.tree_id + 1, zhuzhou.tree_id + 2)
    assert city.lft == 1 and city.rght == 2 * len(XIANGCHENG)


@pytest.mark.django_db
def test_townships_directly_under_a_city_as_in_dongguan(tmp_path):
    import_divisions(path=write_csv(tmp_path, [GUANGDONG, *DONGGUAN]))

    township = Center.objects.get(code="441900003000")
    assert township.parent.code == "441900000000"
    assert (township.level, township.kind, township.tree_depth) == (
        CenterLevel.TOWNSHIP, CenterKind.SUBDISTRICT, 2,
    )  # fmt: skip
    assert layout() == rebuilt_layout()


@pytest.mark.django_db
def test_row_with_empty_parent_code_is_a_root_at_any_level(tmp_path):
    rows = [row for row in XIANGYANG if row[0].startswith("420602001")]
    rows[0] = (*rows[0][:3], "")  # 真武山街道 without its county

    import_divisions(path=write_csv(tmp_path, rows))

    township = Center.objects.get(code="420602001000")
    assert township.is_root_node() and township.get_descendant_count() == len(rows) - 1


@pytest.mark.django_db
def test_parent_may_be_a_stored_unit_not_in_the_file(tmp_path, xiangcheng):
    township = Center.objects.get(code="420602001000")
    rows = [row for row in XIANGYANG if row[3] == "420602001000"]
    new = ("420602001099", "新社区居委会", "village", "420602001000")  # a new community

    result = import_divisions(path=write_csv(tmp_path, [*rows, new]))

    assert (result.created, result.unchanged) == (1, len(rows))
    assert Center.objects.get(code=new[0]).parent == township
    assert layout() == rebuilt_layout()


@pytest.mark.django_db
def test_gzip_file_bom_and_crlf_are_read(tmp_path):
    text = "\ufeff" + "\r\n".join([HEADER, *(",".join(row) for row in XIANGCHENG)]) + "\r\n"
    path = tmp_path / "xiangcheng.csv.gz"
    path.write_bytes(gzip.compress(text.encode("utf-8")))

    result = import_divisions(path=path)

    assert result.created == len(XIANGCHENG)
    assert Center.objects.get(code="420602001008").name == "檀溪社区居委会"


# --- bad files: nothing is written ---------------------------------------------------------


@pytest.mark.django_db
def test_malformed_code(tmp_path, xiangcheng):
    rows = [*XIANGCHENG, ("42060200101", "坏代码社区", "village", "420602001000")]
    path = write_csv(tmp_path, rows, "xiangyang.csv")
    error = assert_rejected(path, len(rows) + 1, "区划代码格式错误：“42060200101”")
    assert error.total == 1


@pytest.mark.django_db
def test_unknown_level(tmp_path, xiangcheng):
    rows = list(FANCHENG)
    rows[5] = (*rows[5][:2], "district", rows[5][3])
    assert_rejected(write_csv(tmp_path, rows), 7, "未知层级“district”")


@pytest.mark.django_db
def test_level_inconsistent_with_the_code(tmp_path, xiangcheng):
    rows = list(FANCHENG)
    code, name, _level, parent = rows[3]
    assert _level == "village"
    rows[3] = (code, name, "township", parent)
    assert_rejected(write_csv(tmp_path, rows), 5, f"层级与区划代码不符：{code} 是 village 级代码")


@pytest.mark.django_db
def test_missing_parent(tmp_path, xiangcheng):
    rows = [*FANCHENG, ("420699001001", "无上级社区居委会", "village", "420699001000")]
    assert_rejected(
        write_csv(tmp_path, rows), len(rows) + 1, "上级区划代码 420699001000 既不在文件中"
    )


@pytest.mark.django_db
def test_parent_that_is_not_a_code_ancestor(tmp_path, xiangcheng):
    # 檀溪社区 (420602001008) under 古城街道 (420602002000): both exist, the prefix differs.
    rows = list(XIANGCHENG)
    line = next(i for i, row in enumerate(rows) if row[0] == "420602001008") + 2
    rows[line - 2] = ("420602001008", "檀溪社区居委会", "village", "420602002000")
    assert_rejected(write_csv(tmp_path, rows), line, "不是 420602001008 的上级（代码前缀不符）")


@pytest.mark.django_db
def test_child_not_deeper_than_its_parent(tmp_path):
    """For file rows the code-shape check already implies depth, so this bites on a stored
    parent whose level is inconsistent (made here without Center.clean())."""
    CenterFactory(code="420602000000", name="襄城区", level=CenterLevel.TOWNSHIP)
    rows = [("420602001000", "真武山街道", "township", "420602000000")]
    assert_rejected(
        write_csv(tmp_path, rows), 2, "上级 420602000000 的层级（township）不高于本行的层级"
    )


@pytest.mark.django_db
def test_duplicate_code(tmp_path, xiangcheng):
    rows = [*XIANGCHENG, ("420602001008", "檀溪社区（重复）", "village", "420602001000")]
    assert_rejected(
        write_csv(tmp_path, rows), len(rows) + 1, "区划代码重复：420602001008 已在第 5 行出现"
    )


@pytest.mark.django_db
def test_gbk_encoded_file(tmp_path, xiangcheng):
    path = write_csv(tmp_path, FANCHENG, encoding="gbk")
    error = assert_rejected(path, 2, "文件不是 UTF-8 编码")
    assert error.total == 1  # one report for the file, not one per line


@pytest.mark.django_db
def test_wrong_header(tmp_path, xiangcheng):
    path = write_csv(tmp_path, FANCHENG, header="code,name,parent_code,level")
    assert_rejected(path, 1, "表头错误：应为 code,name,level,parent_code")


@pytest.mark.django_db
def test_missing_header(tmp_path, xiangcheng):
    assert_rejected(write_csv(tmp_path, FANCHENG, header=None), 1, "表头错误")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert_rejected(empty, 1, "文件为空")


@pytest.mark.django_db
def test_empty_name(tmp_path, xiangcheng):
    rows = list(FANCHENG)
    rows[0] = (rows[0][0], " ", *rows[0][2:])
    assert_rejected(write_csv(tmp_path, rows), 2, "名称为空")


@pytest.mark.django_db
def test_wrong_number_of_columns(tmp_path, xiangcheng):
    rows = list(FANCHENG)
    rows[1] = rows[1][:3]
    assert_rejected(write_csv(tmp_path, rows), 3, "应有 4 列")


@pytest.mark.django_db
def test_missing_file(tmp_path):
    assert_rejected(tmp_path / "nope.csv", None, "无法打开文件")


@pytest.mark.django_db
def test_one_bad_row_at_the_end_of_a_large_file_writes_nothing(tmp_path):
    rows = [*XIANGYANG, ("420684999999", "", "village", "420684000000")]
    assert_rejected(write_csv(tmp_path, rows), len(rows) + 1, "名称为空")
    assert not Center.objects.exists()


@pytest.mark.django_db
def test_a_failure_in_the_middle_of_writing_rolls_back_everything(
    tmp_path, xiangcheng, monkeypatch
):
    """One transaction: rows already inserted are gone when a later statement fails."""
    before = stored()
    rows = [(*XIANGCHENG[0][:1], "襄阳市（更名）", *XIANGCHENG[0][2:]), *XIANGCHENG[1:], *FANCHENG]

    def fail(self, columns, rows):
        assert Center.objects.filter(code__startswith="420606").count() == len(FANCHENG)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(importer, "WRITE_BATCH", 50)  # several insert rounds first
    monkeypatch.setattr(importer._SQLWriter, "update", fail)
    monkeypatch.setattr(importer._PostgresCopyWriter, "update", fail)
    with pytest.raises(RuntimeError, match="went away"):
        import_divisions(path=write_csv(tmp_path, rows))

    assert stored() == before


@pytest.mark.django_db
def test_every_bad_row_is_reported_in_line_order_up_to_the_cap(tmp_path):
    villages = [row for row in XIANGYANG if row[2] == "village"][:60]
    rows = [CITY] + [(code, name, "township", parent) for code, name, _l, parent in villages]

    with pytest.raises(ImportDivisionsError) as info:
        import_divisions(path=write_csv(tmp_path, rows))

    error = info.value
    assert error.total == 60
    assert len(error.errors) == MAX_REPORTED_ERRORS
    assert [e.line for e in error.errors] == list(range(3, 3 + MAX_REPORTED_ERRORS))
    assert all("层级与区划代码不符" in e.message for e in error.errors)
    assert error.lines()[-1].endswith("另有 10 处错误未列出（只列出前 50 处）。")
    assert not Center.objects.exists()


@pytest.mark.django_db
def test_different_problems_in_one_file_are_all_reported(tmp_path):
    rows = list(XIANGCHENG)
    rows[3] = ("4206020010", *rows[3][1:])  # line 5: a community, so no child is blamed
    rows[10] = (rows[10][0], "", *rows[10][2:])  # line 12
    rows[20] = (*rows[20][:3], "420602999000")  # line 22

    with pytest.raises(ImportDivisionsError) as info:
        import_divisions(path=write_csv(tmp_path, rows, "mixed.csv"))

    lines = info.value.lines()
    assert [text.split(": ", 1)[0] for text in lines] == [
        f"{tmp_path / 'mixed.csv'}:{n}" for n in (5, 12, 22)
    ]
    assert "区划代码格式错误" in lines[0] and "名称为空" in lines[1]
    assert "420602999000 既不在文件中" in lines[2]


# --- the command -------------------------------------------------------------------------------


class TerminalStringIO(StringIO):
    """A captured stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.mark.django_db
def test_command_prints_a_summary_and_no_progress_bar_off_a_terminal(tmp_path):
    out, err = StringIO(), StringIO()
    call_command("import_divisions", str(write_csv(tmp_path, XIANGCHENG)), stdout=out, stderr=err)

    assert "新增 187" in out.getvalue()
    assert err.getvalue() == ""


@pytest.mark.django_db
def test_command_shows_a_progress_bar_on_a_terminal(tmp_path):
    out, err = StringIO(), TerminalStringIO()
    call_command("import_divisions", str(write_csv(tmp_path, XIANGCHENG)), stdout=out, stderr=err)

    assert "写入数据库" in err.getvalue()
    assert "187/187" in err.getvalue()


@pytest.mark.django_db
def test_command_reports_bad_rows_on_stderr(tmp_path):
    rows = [*XIANGCHENG[:1], ("4206", "x", "county", "420600000000")]
    path = write_csv(tmp_path, rows, "bad.csv")
    err = StringIO()

    with pytest.raises(CommandError, match="共 1 处错误"):
        call_command("import_divisions", str(path), stdout=StringIO(), stderr=err)

    assert err.getvalue().splitlines() == [
        f"{path}:3: 区划代码格式错误：“4206”（区划代码必须是12位数字。）"
    ]
    assert not Center.objects.exists()


def database_url() -> str:
    """A DATABASE_URL for the database this test runs on (the test database)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(s['NAME']).resolve()}"
    auth = quote(s.get("USER") or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}@{s.get('HOST') or ''}{port}/{quote(s['NAME'], safe='')}"


def run_command(path: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "governance.settings.test",
        "DATABASE_URL": database_url(),
    }
    return subprocess.run(
        [sys.executable, "manage.py", "import_divisions", str(path)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db
def test_command_exits_non_zero_with_file_and_line_on_stderr(tmp_path):
    rows = [*XIANGCHENG[:1], ("4206", "x", "county", "420600000000"), *XIANGCHENG[1:]]
    path = write_csv(tmp_path, rows, "xiangyang.csv")

    done = run_command(path)

    assert done.returncode == 1, done
    assert f"{path}:3: 区划代码格式错误：“4206”" in done.stderr
    assert "CommandError" in done.stderr
    assert done.stdout == ""
    assert not Center.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_command_in_a_subprocess_imports_and_exits_zero(tmp_path):
    done = run_command(write_csv(tmp_path, XIANGCHENG))

    assert done.returncode == 0, done.stderr
    assert "新增 187" in done.stdout
    assert Center.objects.count() == len(XIANGCHENG)


# --- random slices of a real tree --------------------------------------------------------------

SMALL_TREE = under("420602001", "420602002", "420606001")  # 襄阳市 and 3 townships' subtrees
COUNTIES = {"420602000000": BY_CODE["420602000000"], "420606000000": BY_CODE["420606000000"]}
SMALL_BY_CODE = {**{row[0]: row for row in SMALL_TREE}, **COUNTIES}
SMALL_CODES = sorted(SMALL_BY_CODE)


def with_ancestors(codes, present=frozenset()) -> set[str]:
    """`codes` plus those of their ancestors that are not already `present` (stored)."""
    result = set(codes)
    for code in codes:
        code = SMALL_BY_CODE[code][3]
        while code and code not in result and code not in present:
            result.add(code)
            code = SMALL_BY_CODE[code][3]
    return result


@hypothesis_settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    first=st.sets(st.sampled_from(SMALL_CODES), min_size=1),
    second=st.sets(st.sampled_from(SMALL_CODES), min_size=1),
    renamed=st.sets(st.sampled_from(SMALL_CODES)),
    shuffle=st.randoms(use_true_random=False),
)
@pytest.mark.django_db
def test_random_slices_imported_one_after_the_other_match_rebuild(
    tmp_path, first, second, renamed, shuffle
):
    first_codes = with_ancestors(first)
    # The second file may rely on parents stored by the first one.
    second_codes = with_ancestors(second, present=first_codes)
    first_rows = [SMALL_BY_CODE[c] for c in sorted(first_codes)]
    second_rows = [
        (c, f"{SMALL_BY_CODE[c][1]}（新）" if c in renamed else SMALL_BY_CODE[c][1])
        + SMALL_BY_CODE[c][2:]
        for c in sorted(second_codes)
    ]
    shuffle.shuffle(second_rows)  # the file need not be sorted by code
    with transaction.atomic():
        import_divisions(path=write_csv(tmp_path, first_rows, "first.csv"))
        result = import_divisions(path=write_csv(tmp_path, second_rows, "second.csv"))

        names = dict(Center.objects.values_list("code", "name"))
        expected = {row[0]: row[1] for row in first_rows} | {row[0]: row[1] for row in second_rows}
        assert names == expected
        assert result.created == len(second_codes - first_codes)
        assert result.updated == len(renamed & first_codes & second_codes)
        again = import_divisions(path=write_csv(tmp_path, second_rows, "second.csv"))
        assert again.written == 0
        imported = layout()
        assert imported == rebuilt_layout()
        transaction.set_rollback(True)


# --- the national file (slow: only with ZONGZHI_SLOW_TESTS=1) ---------------------------------


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("ZONGZHI_SLOW_TESTS") != "1", reason="set ZONGZHI_SLOW_TESTS=1 to run"
)
@pytest.mark.django_db
def test_national_file():
    result = import_divisions(path=NATIONAL_CSV)

    assert (result.rows, result.created, result.trees) == (665271, 665271, 31)
    counts = dict(Center.objects.order_by().values_list("level").annotate(n=Count("id")))
    assert counts == {
        "province": 31, "city": 342, "county": 2975, "township": 41351, "village": 620572,
    }  # fmt: skip
    assert Center.objects.get(code="441900003000").parent.code == "441900000000"  # 东莞
    xiangyang = Center.objects.get(code="420600000000")
    assert xiangyang.parent.code == "420000000000"
    assert xiangyang.get_descendant_count() == 2956
    # Nested-set invariants against the parent links, checked in the database.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM centers_center c JOIN centers_center p ON c.parent_id = p.id "
            "WHERE NOT (c.tree_id = p.tree_id AND p.lft < c.lft AND c.rght < p.rght "
            "AND c.tree_depth = p.tree_depth + 1 AND c.lft < c.rght)"
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute(
            "SELECT COUNT(*) FROM centers_center r WHERE r.parent_id IS NULL AND (r.lft != 1 "
            "OR r.rght != 2 * (SELECT COUNT(*) FROM centers_center c WHERE c.tree_id = r.tree_id))"
        )
        assert cursor.fetchone()[0] == 0
    assert import_divisions(path=NATIONAL_CSV).written == 0
