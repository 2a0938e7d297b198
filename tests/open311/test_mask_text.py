"""governance.masking.mask_text: what Open311 publishes of a case's summary."""

from hypothesis import given
from hypothesis import strategies as st

from governance.masking import mask_text
from governance.validators import id_number_check_digit

mobiles = st.from_regex(r"\A1[3-9][0-9]{9}\Z", fullmatch=True)
id_bodies = st.from_regex(r"\A[0-9]{17}\Z", fullmatch=True)
cjk = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), max_size=8)
separators = st.sampled_from(["", " ", "-"])


@given(before=cjk, after=cjk, phone=mobiles, sep=separators)
def test_a_mobile_in_text_keeps_only_its_first_three_and_last_four_digits(
    before, after, phone, sep
):
    written = f"{phone[:3]}{sep}{phone[3:7]}{sep}{phone[7:]}"
    masked = mask_text(f"{before}{written}{after}")
    assert masked == f"{before}{phone[:3]}****{phone[-4:]}{after}"
    assert phone not in masked


@given(before=cjk, body=id_bodies)
def test_an_id_number_in_text_shows_at_most_eight_characters(before, body):
    id_number = body + id_number_check_digit(body)
    masked = mask_text(f"{before}身份证{id_number.lower()}。")
    assert masked == f"{before}身份证{id_number[:4]}{'*' * 10}{id_number[-4:]}。"


def test_full_width_digits_are_masked_too():
    assert mask_text("电话：１３９０７１０１２３４") == "电话：139****1234"


def test_short_numbers_and_words_with_digits_stay():
    text = "2024年3月5日欠款50000元，3栋201室，车牌鄂F12345，编号AB1234567"
    assert mask_text(text) == text


def test_landlines_and_long_numbers_are_masked():
    assert mask_text("座机0710-3456789") == "座机071****6789"
    assert mask_text("卡号6222020200112233445") == "卡号622************3445"


def test_known_names_are_masked_longest_first():
    names = ["欧阳娜娜", "欧阳", "王五", "李"]
    masked = mask_text("欧阳娜娜与王五、李某争执；欧阳作证", names=names)
    assert masked == "欧***与王*、李某争执；欧*作证"


def test_empty():
    assert mask_text("") == ""
    assert mask_text(None) == ""
