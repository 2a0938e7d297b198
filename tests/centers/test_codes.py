import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from centers.choices import LEVEL_DEPTH, CenterKind, CenterLevel
from centers.codes import (
    code_kind,
    code_level,
    code_prefix,
    is_code_ancestor,
    validate_division_code,
)

SEGMENTS = [(0, 2), (2, 4), (4, 6), (6, 9), (9, 12)]
LEVELS = list(LEVEL_DEPTH)


@st.composite
def division_codes(draw):
    """A well-formed code of a random level: non-zero segments down to it, zeros below."""
    depth = draw(st.integers(min_value=0, max_value=4))
    parts = []
    for index, (start, end) in enumerate(SEGMENTS):
        width = end - start
        if index <= depth:
            parts.append(str(draw(st.integers(1, 10**width - 1))).zfill(width))
        else:
            parts.append("0" * width)
    return "".join(parts), LEVELS[depth]


def parent_code(code: str, depth: int) -> str:
    start = SEGMENTS[depth][0]
    return code[:start] + "0" * (12 - start)


@given(division_codes())
def test_level_is_the_deepest_non_zero_segment(pair):
    code, level = pair
    validate_division_code(code)
    assert code_level(code) == level


@given(division_codes())
def test_every_zeroed_prefix_is_an_ancestor(pair):
    code, level = pair
    for depth in range(1, LEVEL_DEPTH[level] + 1):
        ancestor = parent_code(code, depth)
        assert is_code_ancestor(ancestor, code)
        assert not is_code_ancestor(code, ancestor)
    assert not is_code_ancestor(code, code)


@given(division_codes(), division_codes())
def test_ancestry_matches_prefixes(a, b):
    (code_a, _), (code_b, _) = a, b
    expected = code_a != code_b and code_b.startswith(code_prefix(code_a))
    assert is_code_ancestor(code_a, code_b) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "42060200100",
        "4206020010001",
        "42060200100a",
        "４２０６０２００１０００",
        "000000000000",
    ],
)
def test_malformed_codes_are_rejected(bad):
    with pytest.raises(ValidationError):
        validate_division_code(bad)


@pytest.mark.parametrize(
    ("code", "level", "kind"),
    [
        ("420602001000", CenterLevel.TOWNSHIP, CenterKind.SUBDISTRICT),  # 真武山街道
        ("420624100000", CenterLevel.TOWNSHIP, CenterKind.TOWN),  # 城关镇
        ("420626200000", CenterLevel.TOWNSHIP, CenterKind.RURAL_TOWNSHIP),  # 乡
        ("420606400000", CenterLevel.TOWNSHIP, CenterKind.TOWNSHIP_LIKE),  # 经济开发区
        ("420602001008", CenterLevel.VILLAGE, CenterKind.RESIDENTS_COMMITTEE),
        ("420624100201", CenterLevel.VILLAGE, CenterKind.VILLAGERS_COMMITTEE),
        ("420606400401", CenterLevel.VILLAGE, CenterKind.VILLAGE_LIKE),
        ("420602000000", CenterLevel.COUNTY, CenterKind.COUNTY),
        ("420600000000", CenterLevel.CITY, CenterKind.CITY),
        ("420000000000", CenterLevel.PROVINCE, CenterKind.PROVINCE),
    ],
)
def test_kind_follows_the_code_segment(code, level, kind):
    assert code_level(code) == level
    assert code_kind(code, level) == kind


@pytest.mark.parametrize(
    ("segment", "kind"),
    [
        (1, CenterKind.SUBDISTRICT),
        (99, CenterKind.SUBDISTRICT),
        (100, CenterKind.TOWN),
        (199, CenterKind.TOWN),
        (200, CenterKind.RURAL_TOWNSHIP),
        (399, CenterKind.RURAL_TOWNSHIP),
        (400, CenterKind.TOWNSHIP_LIKE),
        (999, CenterKind.TOWNSHIP_LIKE),
    ],
)
def test_township_segment_boundaries(segment, kind):
    assert code_kind(f"420602{segment:03d}000", CenterLevel.TOWNSHIP) == kind
