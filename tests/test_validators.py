from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from governance.validators import (
    id_number_check_digit,
    validate_id_number,
    validate_mobile,
    validate_phone,
)

birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=date.today() - timedelta(days=1))


@st.composite
def id_numbers(draw):
    area = draw(st.from_regex(r"\A[1-6][0-9]{5}\Z", fullmatch=True))
    born = draw(birth_dates).strftime("%Y%m%d")
    serial = draw(st.from_regex(r"\A[0-9]{3}\Z", fullmatch=True))
    first17 = area + born + serial
    return first17 + id_number_check_digit(first17)


@given(id_numbers())
def test_numbers_with_the_right_check_digit_pass(value):
    validate_id_number(value)


@given(id_numbers(), st.sampled_from("0123456789X"))
def test_any_other_check_digit_fails(value, wrong):
    if wrong == value[-1]:
        return
    with pytest.raises(ValidationError):
        validate_id_number(value[:-1] + wrong)


@pytest.mark.parametrize(
    "value",
    ["", "42060219850315254", "4206021985031525411", "42060219851315254X", "42060219850230254X"],
)
def test_malformed_id_numbers(value):
    with pytest.raises(ValidationError):
        validate_id_number(value)


def test_known_check_digits():
    # GB 11643-1999's own example: 11010519491231002X.
    validate_id_number("11010519491231002X")
    assert id_number_check_digit("42060219850315254") == "1"


@pytest.mark.parametrize("value", ["13907101234", "0710-3456789", "07103456789", "010-62345678"])
def test_phones_that_pass(value):
    validate_phone(value)


@pytest.mark.parametrize("value", ["", "12345", "1290710123", "139071012345", "0710-0123456"])
def test_phones_that_fail(value):
    with pytest.raises(ValidationError):
        validate_phone(value)


@given(st.from_regex(r"\A1[3-9][0-9]{9}\Z", fullmatch=True))
def test_mobiles_pass_both_validators(value):
    validate_mobile(value)
    validate_phone(value)


@pytest.mark.parametrize(
    "value", ["", "0710-3456789", "07103456789", "12907101234", "1390710123", "139071012345"]
)
def test_landlines_and_malformed_numbers_are_not_mobiles(value):
    with pytest.raises(ValidationError, match="11位手机号"):
        validate_mobile(value)
