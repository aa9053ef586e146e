"""French typography of every figure shown: U+202F between thousands, U+00A0 before units."""

import pytest

from qpv_analytics import formatting

pytestmark = pytest.mark.unit

NNBSP, NBSP = "\u202f", "\u00a0"


def test_thousands_are_grouped_by_a_narrow_no_break_space():
    assert formatting.number(1234567.25, 1) == f"1{NNBSP}234{NNBSP}567,2"
    assert formatting.number(-1234) == f"-1{NNBSP}234"
    assert formatting.number(None) == formatting.MISSING


def test_a_no_break_space_precedes_units_and_percent_signs():
    assert formatting.percent(12.34) == f"12,3{NBSP}%"
    assert formatting.euros(1234) == f"1{NNBSP}234{NBSP}€"
    assert formatting.euros(12_345_678) == f"12,3{NBSP}M€"
    assert formatting.with_unit(250, "€/logement") == f"250{NBSP}€/logement"


def test_short_number_drops_trailing_zeros():
    assert formatting.short_number(125.0) == "125"
    assert formatting.short_number(82.09) == "82,09"
    assert formatting.short_number(82.1) == "82,1"
    assert formatting.short_number(1234.5) == f"1{NNBSP}234,5"
    assert formatting.short_number(None) == formatting.MISSING


def test_points_are_signed_with_the_french_plural():
    assert formatting.points(3.46) == f"+3,5{NBSP}pts"
    assert formatting.points(-1.0) == f"-1,0{NBSP}pt"
    assert formatting.points(0.01) == f"0,0{NBSP}pt"
    assert formatting.points(None) == formatting.MISSING
