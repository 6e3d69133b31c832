"""An amount in 人民币大写, as a printed 单据 states its 合计.

Written here rather than taken from cn2an: cn2an 0.5.24 drops the 零 where a zero run crosses
the 万 (105,000 → 壹拾万伍仟元整, 1,004,000 → 壹佰万肆仟元整). The rules for cheques and vouchers
(《正确填写票据和结算凭证的基本规定》) accept a 零 there or none; this writes one 零 for every run
of zeros between two digits that are written — across 万 and 亿, and at the 元 place before a
角 (¥1,680.32 → 壹仟陆佰捌拾元零叁角贰分) — so no reader can take a digit to be missing. 整 follows
an amount that ends at 元; an amount with 角 or 分 ends there.
"""
from __future__ import annotations

from decimal import Decimal

from .money import round_money

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("", "拾", "佰", "仟")
SECTIONS = ("", "万", "亿", "万亿")


def rmb_words(amount: Decimal) -> str:
    """``Decimal("10005.07")`` → 壹万零伍元零柒分; a red-ink (negative) amount gets 负 before it."""
    cents = int(round_money(amount).scaleb(2))
    sign, cents = ("负" if cents < 0 else ""), abs(cents)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    if cents == 0:
        return "零元整"
    text = _integer(yuan) + "元" if yuan else ""
    if jiao == 0 and fen == 0:
        return sign + text + "整"
    if yuan and (jiao == 0 or yuan % 10 == 0):
        text += "零"
    if jiao:
        text += DIGITS[jiao] + "角"
    if fen:
        text += DIGITS[fen] + "分"
    return sign + text


def _integer(n: int) -> str:
    """A positive whole number of 元 in capitals, four digits (one 万 section) at a time."""
    sections = []
    while n:
        n, rest = divmod(n, 10000)
        sections.append(rest)
    out, gap = "", False
    for k in range(len(sections) - 1, -1, -1):
        value = sections[k]
        if value == 0:
            gap = bool(out)
            continue
        if out and (gap or value < 1000):
            out += "零"
        out += _section(value) + SECTIONS[k]
        gap = value % 10 == 0
    return out


def _section(value: int) -> str:
    """1 to 9999: 壹仟零壹拾 — leading zeros dropped, one 零 for an inner run, trailing ones dropped."""
    out, zero = "", False
    for place in range(3, -1, -1):
        digit = value // 10 ** place % 10
        if digit == 0:
            zero = bool(out)
            continue
        out += ("零" if zero else "") + DIGITS[digit] + PLACES[place]
        zero = False
    return out
