"""人民币大写 of a printed 单据's 合计: the cases accountants get wrong, and every amount read back."""
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from jxc_xl.domain.words import DIGITS, rmb_words

CASES = {
    "0.05": "伍分", "0.50": "伍角", "0.55": "伍角伍分", "0": "零元整", "0.004": "零元整", "0.005": "壹分",
    "1.01": "壹元零壹分", "10.00": "壹拾元整", "10.50": "壹拾元零伍角", "101.50": "壹佰零壹元伍角",
    "1001": "壹仟零壹元整", "1010": "壹仟零壹拾元整", "1409.02": "壹仟肆佰零玖元零贰分",
    "1680.32": "壹仟陆佰捌拾元零叁角贰分", "10,005.07": "壹万零伍元零柒分", "12345.67": "壹万贰仟叁佰肆拾伍元陆角柒分",
    "60036": "陆万零叁拾陆元整", "100001": "壹拾万零壹元整", "105000": "壹拾万零伍仟元整",
    "107000.53": "壹拾万零柒仟元零伍角叁分", "110000": "壹拾壹万元整", "200010": "贰拾万零壹拾元整",
    "1004000": "壹佰万零肆仟元整", "1000000.01": "壹佰万元零壹分", "100000000.10": "壹亿元零壹角",
    "100010000": "壹亿零壹万元整", "3000000005": "叁拾亿零伍元整",
    "9999999999.99": "玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分",
    "-100": "负壹佰元整", "-10,005.07": "负壹万零伍元零柒分", "-0.05": "负伍分",
}


@pytest.mark.parametrize("amount", CASES)
def test_amounts_in_words(amount):
    assert rmb_words(Decimal(amount.replace(",", ""))) == CASES[amount]


def _section(words: str) -> int:
    """拾佰仟 and digits, 零 read as nothing: 壹仟零壹拾 → 1010."""
    value, digit = 0, 0
    for ch in words:
        if ch in "拾佰仟":
            value += digit * 10 ** ("拾佰仟".index(ch) + 1)
            digit = 0
        else:
            digit = DIGITS.index(ch)
    return value + digit


def _read_back(words: str) -> Decimal:
    """The amount a reader takes from the words, 亿 and 万 splitting the sections."""
    sign = -1 if words.startswith("负") else 1
    words = words.removeprefix("负").removesuffix("整")
    whole, _, cents = words.rpartition("元") if "元" in words else ("", "", words)
    high, _, rest = whole.rpartition("亿")
    middle, _, low = rest.rpartition("万")
    total = _section(high) * 10**8 + _section(middle) * 10**4 + _section(low)
    fraction = sum(DIGITS.index(cents[i - 1]) * (10 if unit == "角" else 1)
                   for i, unit in enumerate(cents) if unit in "角分")
    return sign * (Decimal(total) + Decimal(fraction) / 100)


@given(st.integers(min_value=-10**12 + 1, max_value=10**12 - 1))
def test_every_amount_reads_back_to_itself_with_no_doubled_or_trailing_zero(cents):
    amount = Decimal(cents) / 100
    words = rmb_words(amount)
    assert _read_back(words) == amount
    assert "零零" not in words and not words.rstrip("整").endswith("零")
    assert words.endswith("整") == (cents % 100 == 0)
