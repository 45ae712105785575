"""The statistics of campaign results, on simulated campaigns whose true effects are known."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm
from statsmodels.stats import proportion

from reporting import statistics
from reporting.experiments import sample_size


def simulated(
    rng: np.random.Generator, *, treated: int, control: int, base: float, lift: float, spend_lift: float = 0.0
) -> pd.DataFrame:
    is_control = np.r_[np.zeros(treated, bool), np.ones(control, bool)]
    rate = np.where(is_control, base, base + lift)
    responded = rng.random(len(rate)) < rate
    spend = np.where(responded, rng.gamma(2.0, 2_000 + np.where(is_control, 0, spend_lift)), 0).round()
    return pd.DataFrame(
        {
            "customer_id": np.arange(len(rate)),
            "treatment_id": 1,
            "is_control": is_control,
            "stage_id": 0,
            "responded": responded,
            "orders": responded.astype(int),
            "revenue_cents": spend,
            "margin_cents": (spend * 0.3).round(),
            "redemptions": 0,
            "response_day": np.where(responded, rng.integers(0, 30, len(rate)), np.nan),
        }
    )


def test_confidence_intervals_cover_the_true_lift_about_95_times_in_100():
    rng = np.random.default_rng(20_261_123)
    covered, runs = 0, 600
    for _ in range(runs):
        members = simulated(rng, treated=1_800, control=600, base=0.10, lift=0.03)
        interval = statistics.rate_difference(members[~members.is_control], members[members.is_control])
        covered += interval["low"] <= 0.03 <= interval["high"]
    assert 0.925 <= covered / runs <= 0.975


def test_money_intervals_cover_the_true_difference_too():
    rng = np.random.default_rng(7)
    covered, runs = 0, 300
    true_difference = 0.02 * 4_000  # two more responders in a hundred, each spending 4,000 on average
    for _ in range(runs):
        members = simulated(rng, treated=1_500, control=1_500, base=0.10, lift=0.02)
        interval = statistics.mean_difference(
            members.loc[~members.is_control, "revenue_cents"], members.loc[members.is_control, "revenue_cents"]
        )
        covered += interval["low"] <= true_difference <= interval["high"]
    assert 0.92 <= covered / runs <= 0.98


def test_a_winner_is_named_only_when_what_it_added_is_significantly_more():
    rng = np.random.default_rng(3)
    # a goes to a segment that buys at 8% and adds 4 points; b to one that buys at 12% and adds nothing.
    a = simulated(rng, treated=20_000, control=20_000, base=0.08, lift=0.04)
    b = simulated(rng, treated=20_000, control=20_000, base=0.12, lift=0.0)
    duel = statistics.head_to_head(a, b)
    assert duel["winner"] == "a" and duel["p_value"] < 0.05
    assert duel["low"] <= 0.04 <= duel["high"]


def test_different_segments_with_no_lift_have_no_winner_however_far_apart_their_rates():
    rng = np.random.default_rng(4)
    loyal = simulated(rng, treated=5_000, control=5_000, base=0.40, lift=0.0)
    lapsed = simulated(rng, treated=5_000, control=5_000, base=0.02, lift=0.0)
    duel = statistics.head_to_head(loyal, lapsed)
    assert duel["winner"] is None and duel["p_value"] > 0.05


def test_a_treatment_without_a_control_cannot_be_compared():
    rng = np.random.default_rng(5)
    duel = statistics.head_to_head(
        simulated(rng, treated=1_000, control=0, base=0.1, lift=0.0),
        simulated(rng, treated=1_000, control=1_000, base=0.1, lift=0.0),
    )
    assert (duel["difference"], duel["winner"]) == (None, None)


def test_an_inconclusive_test_says_how_many_more_members_it_needs():
    def cells(treated: int, control: int) -> pd.DataFrame:
        responded = [True] * treated + [False] * (500 - treated) + [True] * control + [False] * (500 - control)
        return pd.DataFrame({"responded": responded, "is_control": [False] * 500 + [True] * 500})

    duel = statistics.head_to_head(cells(60, 50), cells(50, 50))  # lifts of 2 and 0 points over 1,000 each
    assert duel["winner"] is None
    # Worked out apart: each lift's standard error, added in quadrature, against what 80% power needs.
    se = np.sqrt(0.12 * 0.88 / 500 + 0.1 * 0.9 / 500 + 0.1 * 0.9 / 500 + 0.1 * 0.9 / 500)
    wanted = 0.02 / (norm.ppf(0.975) + norm.ppf(0.8))
    assert duel["more_members_needed"] == int(np.ceil(2_000 * ((se / wanted) ** 2 - 1)))


def test_the_sample_size_grows_as_the_lift_shrinks_and_the_holdout_moves_off_half():
    small, _ = sample_size(base_rate=0.05, lift=0.02, holdout_share=0.5)
    smaller_lift, _ = sample_size(base_rate=0.05, lift=0.01, holdout_share=0.5)
    assert smaller_lift > 3 * small
    control_at_10, audience_at_10 = sample_size(base_rate=0.05, lift=0.01, holdout_share=0.1)
    assert audience_at_10 == pytest.approx(control_at_10 / 0.1, abs=1)
    with pytest.raises(ValueError):
        sample_size(base_rate=0.05, lift=0.0, holdout_share=0.1)


def test_a_campaigns_net_interval_adds_its_treatments_errors_in_quadrature():
    z = norm.ppf(0.975)
    treatments = [
        {"net_cents": 1_000.0, "net_low_cents": 1_000.0 - 3 * z, "net_high_cents": 1_000.0 + 3 * z},
        {"net_cents": -200.0, "net_low_cents": -200.0 - 4 * z, "net_high_cents": -200.0 + 4 * z},
    ]
    low, high = statistics.net_interval(treatments)  # standard errors 3 and 4 make 5
    assert (low, high) == pytest.approx((800 - 5 * z, 800 + 5 * z))
    assert statistics.net_interval(
        [*treatments, {"net_cents": 0.0, "net_low_cents": None, "net_high_cents": None}]
    ) == (
        None,
        None,
    )


def cells(responders: int, size: int) -> pd.DataFrame:
    return pd.DataFrame({"responded": [True] * responders + [False] * (size - responders)})


# statsmodels also works out the ratio of the rates, which divides by a control rate of zero.
@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
def test_the_response_rate_interval_and_its_p_value_never_disagree():
    # Half of ten treated responded, none of two controls: the pooled test once said p = 0.19 beside an
    # interval that left zero out.
    few = statistics.rate_difference(cells(5, 10), cells(0, 2))
    assert few["low"] > 0 and few["p_value"] < 0.05
    for treated, control in [((3, 20), (0, 20)), ((30, 400), (18, 400)), ((7, 50), (2, 9)), ((40, 90), (12, 30))]:
        result = statistics.rate_difference(cells(*treated), cells(*control))
        independent = proportion.test_proportions_2indep(*treated, *control, method="wald", compare="diff")
        assert result["p_value"] == pytest.approx(independent.pvalue)
        assert (result["low"] > 0 or result["high"] < 0) == (result["p_value"] < 0.05)
