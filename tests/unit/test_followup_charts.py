"""The follow-up's SVG charts: valid XML, named for screen readers, bars in proportion to their values, lines
told apart by more than colour, and no division by zero on empty or all-equal data."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from coordinator.followup.charts import COLOURS, Bar, Series, bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def named(root: ET.Element, title: str, description: str) -> None:
    """role="img" named by its <title> and described by its <desc>, through aria-labelledby."""
    assert root.get("role") == "img"
    ids = root.get("aria-labelledby", "").split()
    found = {element.get("id"): element.text for element in root if element.get("id") in ids}
    assert list(found.values()) == [title, description]
    assert root.find(f"{SVG}title").text == title and root.find(f"{SVG}desc").text == description


def bars(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]


def test_bars_are_in_proportion_to_their_values():
    root = parse(bar_chart("held", "Hållna möten", "Stapeldiagram i procent.", [
        Bar("Ekdal", 80.0, "80 %"), Bar("Kvarn", 20.0, "20 %"), Bar("Lunda", 40.0, "40 %")], highest=100))

    named(root, "Hållna möten", "Stapeldiagram i procent.")
    widths = [float(r.get("width")) for r in bars(root)]
    assert widths[0] == pytest.approx(4 * widths[1], rel=0.01) and widths[2] == pytest.approx(2 * widths[1], rel=0.01)
    starts = {float(r.get("x")) for r in bars(root)}
    assert len(starts) == 1  # every bar starts at the zero line
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert ["Ekdal", "80 %", "Kvarn", "20 %", "Lunda", "40 %"] == texts


def test_the_scale_is_the_highest_given_not_the_largest_value():
    """A share of 50 % fills half of a 0..100 scale, not the whole chart."""
    half = parse(bar_chart("c", "t", "d", [Bar("A", 50.0, "50 %")], highest=100))
    full = parse(bar_chart("c", "t", "d", [Bar("A", 100.0, "100 %")], highest=100))
    assert float(bars(half)[0].get("width")) == pytest.approx(float(bars(full)[0].get("width")) / 2)


def test_negative_values_go_left_of_the_zero_line():
    root = parse(bar_chart("gap", "Skillnad", "d", [Bar("A", 30.0, "+30"), Bar("B", -10.0, "−10")]))
    positive, negative = bars(root)
    assert float(negative.get("x")) + float(negative.get("width")) == pytest.approx(float(positive.get("x")))
    assert float(positive.get("width")) == pytest.approx(3 * float(negative.get("width")))


def test_a_district_without_a_figure_has_no_bar_but_its_dash():
    root = parse(bar_chart("c", "t", "d", [Bar("A", None, "–"), Bar("B", 0.0, "0 %")]))
    assert [float(r.get("width")) for r in bars(root)] == [0.0]
    assert "–" in [t.text for t in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("data", [[], [Bar("A", 0.0, "0"), Bar("B", 0.0, "0")], [Bar("A", None, "–")]],
                         ids=["no bars", "all zero", "no figure"])
def test_empty_or_zero_bars_divide_by_nothing(data):
    root = parse(bar_chart("c", "Titel", "Beskrivning", data, empty_text="Inga stadsdelar att visa."))
    named(root, "Titel", "Beskrivning")
    if not data:
        assert [t.text for t in root.iter(f"{SVG}text")] == ["Inga stadsdelar att visa."]


def test_lines_have_a_point_per_value_and_a_gap_where_a_term_has_none():
    root = parse(line_chart("trend", "Trend", "Linjediagram.", ["HT2026", "VT2027", "HT2027"], [
        Series("Hållna", (50.0, None, 100.0)), Series("Protokoll", (25.0, 50.0, 75.0))], highest=100, unit=" %"))

    named(root, "Trend", "Linjediagram.")
    paths = [p for p in root.iter(f"{SVG}path") if p.get("class") == "line"]
    assert [p.get("d").count("L") for p in paths] == [0, 0, 2]  # the first series in two pieces around its gap
    markers = [m for m in root.iter() if m.get("class") == "marker"]
    assert len(markers) == 2 + 3 + 2  # the values, and one marker in each legend entry
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"HT2026", "VT2027", "HT2027", "Hållna", "Protokoll", "0 %", "100 %"} <= set(texts)


def points(svg: str) -> list[tuple[float, float]]:
    d = next(p.get("d") for p in parse(svg).iter(f"{SVG}path") if p.get("class") == "line")
    return [tuple(map(float, point[1:].split(","))) for point in d.split()]


def test_a_higher_value_is_drawn_higher_in_proportion():
    (_, zero), (_, full) = points(line_chart("t", "t", "d", ["A", "B"], [Series("s", (0.0, 100.0))], highest=100))
    (_, zero_again), (_, half) = points(line_chart("t", "t", "d", ["A", "B"], [Series("s", (0.0, 50.0))],
                                                   highest=100))
    assert full < zero  # SVG's y grows downwards
    assert zero_again == zero and zero - half == pytest.approx((zero - full) / 2)


def test_series_differ_by_colour_dash_and_marker_shape():
    root = parse(line_chart("t", "t", "d", ["A", "B"], [Series(f"s{n}", (1.0, 2.0)) for n in range(3)]))
    paths = [p for p in root.iter(f"{SVG}path") if p.get("class") == "line"]
    assert len({p.get("stroke") for p in paths}) == 3 and set(p.get("stroke") for p in paths) <= set(COLOURS)
    assert len({p.get("stroke-dasharray") for p in paths}) == 3
    shapes = {m.tag for m in root.iter() if m.get("class") == "marker"}
    assert shapes == {f"{SVG}circle", f"{SVG}polygon"}
    polygons = {m.get("points").count(" ") for m in root.iter(f"{SVG}polygon")}
    assert len(polygons) == 2  # a square (4 corners) and a triangle (3)


@pytest.mark.parametrize(("labels", "series"), [
    ([], [Series("s", ())]),
    (["HT2027"], []),
    (["HT2027"], [Series("s", (None,))]),
    (["HT2027"], [Series("s", (5.0,))]),
    (["A", "B"], [Series("s", (0.0, 0.0))]),
], ids=["no terms", "no series", "no values", "one term", "all zero"])
def test_empty_one_term_or_flat_lines_divide_by_nothing(labels, series):
    root = parse(line_chart("c", "Titel", "Beskrivning", labels, series, empty_text="Inga terminer att visa."))
    named(root, "Titel", "Beskrivning")
    for element in root.iter():
        for name in ("x", "y", "cx", "cy", "width", "x1", "y1", "x2", "y2"):
            if element.get(name) is not None:
                assert element.get(name) not in ("nan", "inf", "-inf")


def test_text_is_escaped():
    root = parse(bar_chart("c", "A & B <i>", "d", [Bar("Ö<&>", 1.0, "1")]))
    assert root.find(f"{SVG}title").text == "A & B <i>"
    assert "Ö<&>" in [t.text for t in root.iter(f"{SVG}text")]
