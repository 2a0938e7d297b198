from hypothesis import given
from hypothesis import strategies as st

from governance.masking import mask_id_number, mask_name, mask_phone

mobiles = st.from_regex(r"\A1[3-9]\d{9}\Z", fullmatch=True)
id_numbers = st.from_regex(r"\A\d{17}[\dX]\Z", fullmatch=True)
cjk_names = st.text(
    alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=2, max_size=6
)


@given(mobiles)
def test_a_mobile_keeps_only_its_first_three_and_last_four_digits(phone):
    masked = mask_phone(phone)
    assert masked == phone[:3] + "****" + phone[-4:]
    assert len(masked) == len(phone)


@given(id_numbers)
def test_an_id_number_shows_at_most_eight_characters(id_number):
    masked = mask_id_number(id_number)
    assert len(masked) == 18
    assert masked.count("*") == 10
    assert masked[:4] == id_number[:4] and masked[-4:] == id_number[-4:]


@given(cjk_names)
def test_a_name_keeps_only_its_surname_character(name):
    masked = mask_name(name)
    assert masked[0] == name[0]
    assert set(masked[1:]) == {"*"}


def test_short_and_empty_values():
    assert mask_name("") == ""
    assert mask_name("王") == "王"
    assert mask_phone("") == ""
    assert mask_phone("3456789") == "*****89"
    assert mask_id_number("123") == "***"
