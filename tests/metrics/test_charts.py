"""The server-side SVG charts: well-formed XML, text escaped, one mark per value, accessible
names, and axis ticks that cover the data."""

import xml.etree.ElementTree as ET

import pytest

from metrics.charts import HBarSeries, bar_line_chart, hbar_chart, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))


def trend(**overrides):
    arguments = {
        "id_prefix": "trend",
        "title": "月度趋势",
        "description": "近12个月",
        "labels": [f"{m}月" for m in range(1, 13)],
        "bars": [3, 0, 7, 12, 5, 0, 0, 1, 9, 4, 2, 8],
        "line": [0.5, None, 1.0, 0.25, 0.8, None, None, 0.0, 0.9, 0.75, 1.0, 0.5],
        "bar_name": "登记数",
        "line_name": "化解率",
    }
    arguments.update(overrides)
    return bar_line_chart(**arguments)


def test_the_trend_chart_is_well_formed_and_accessible():
    root = parse(trend(sublabels=["2025"] + [""] * 11))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "trend-title trend-desc"
    assert root.find(f"{SVG}title").text == "月度趋势"
    assert root.find(f"{SVG}title").get("id") == "trend-title"
    assert root.find(f"{SVG}desc").text == "近12个月"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "1月" in texts and "12月" in texts and "2025" in texts
    assert "100%" in texts and "0%" in texts


def test_one_bar_per_month_and_the_line_breaks_where_there_is_no_rate():
    root = parse(trend())
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "chart-bar"]
    assert len(bars) == 12
    heights = [float(b.get("height")) for b in bars]
    assert heights[1] == 0 and heights[3] == max(heights)  # 0 and the largest month (12)
    assert bars[3].find(f"{SVG}title").text == "4月 登记数 12"
    points = [c for c in root.iter(f"{SVG}circle") if c.get("class") == "chart-point"]
    assert len(points) == 9  # three months without a rate
    assert points[0].find(f"{SVG}title").text == "1月 化解率 50.0%"
    # Gaps after January, and after May: three segments (1), (3-5), (8-12)
    lines = [p for p in root.iter(f"{SVG}polyline") if p.get("class") == "chart-line"]
    assert [len(p.get("points").split()) for p in lines] == [1, 3, 5]


def test_a_higher_rate_is_drawn_higher():
    root = parse(trend(line=[0.1, 0.9] + [None] * 10))
    low, high = list(root.iter(f"{SVG}circle"))
    assert float(high.get("cy")) < float(low.get("cy"))


def test_text_is_escaped():
    hostile = '<script>alert("x")</script> & "quotes"'
    svg = str(
        trend(
            title=hostile,
            description=hostile,
            labels=[hostile] + [f"{m}月" for m in range(2, 13)],
            bar_name="a<b",
            id_prefix='x" onload="alert(1)',
        )
    )
    assert "<script>" not in svg
    root = parse(svg)  # still well-formed, and the id stayed one attribute's value
    assert "onload" not in root.attrib
    assert root.get("aria-labelledby").startswith('x" onload="alert(1)-title')
    assert root.find(f"{SVG}title").text == hostile
    assert hostile in [t.text for t in root.iter(f"{SVG}text")]
    svg = str(
        hbar_chart(
            id_prefix="f",
            title=hostile,
            description=hostile,
            groups=[hostile],
            series=[HBarSeries("a&b", [0.5])],
        )
    )
    assert "<script>" not in svg
    assert parse(svg).find(f"{SVG}desc").text == hostile


def test_mismatched_series_are_refused():
    with pytest.raises(ValueError):
        trend(bars=[1, 2])


def test_the_funnel_chart_draws_a_bar_per_group_and_series_with_its_share():
    svg = hbar_chart(
        id_prefix="funnel",
        title="层级漏斗",
        description="…",
        groups=["村级", "乡级", "县级"],
        series=[HBarSeries("最高到达", [0.5, 0.25, None]), HBarSeries("化解", [0.4, 0.1, 0.0])],
    )
    root = parse(svg)
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "chart-bar"]
    assert len(bars) == 6
    widths = [float(b.get("width")) for b in bars]
    assert widths[0] == 2 * widths[2]  # 50 % against 25 %
    assert widths[4] == 0  # no share: no bar
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "50.0%" in texts and "—" in texts and "村级" in texts


@pytest.mark.parametrize(
    ("maximum", "expected"),
    [(0, [0, 1]), (3, [0, 1, 2, 3]), (12, [0, 5, 10, 15]), (97, [0, 50, 100])],
)
def test_ticks_are_round_and_cover_the_maximum(maximum, expected):
    assert nice_ticks(maximum) == expected
