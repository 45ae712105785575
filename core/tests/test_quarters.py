from datetime import date

from core.lib.quarters import prorate, quarters_spanned


def test_a_period_is_split_into_the_quarters_it_spans():
    assert quarters_spanned(date(2026, 3, 20), date(2026, 4, 10)) == [((2026, 1), 12), ((2026, 2), 10)]
    assert quarters_spanned(date(2026, 12, 31), date(2027, 1, 1)) == [((2026, 4), 1), ((2027, 1), 1)]


def test_money_is_charged_pro_rata_and_adds_up_to_the_cent():
    # 12 of 22 days in Q1 and 10 in Q2: 100.00 splits 54.55 and 45.45.
    assert prorate(10_000, date(2026, 3, 20), date(2026, 4, 10)) == {(2026, 1): 5_455, (2026, 2): 4_545}
    shares = prorate(1_000, date(2026, 1, 1), date(2026, 12, 31))
    assert sum(shares.values()) == 1_000 and len(shares) == 4
    assert prorate(999, date(2026, 5, 1), date(2026, 5, 31)) == {(2026, 2): 999}
