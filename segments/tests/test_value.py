"""The BG/NBD fit recovers the parameters of data simulated with them."""

import numpy as np
import pytest

from segments.value import BgNbd, fit, log_likelihood, simulate

# The parameters published for the CDNOW panel: a realistic point to simulate from.
CDNOW = BgNbd(r=0.243, alpha=4.414, a=0.793, b=2.426)


@pytest.mark.parametrize("truth", [CDNOW, BgNbd(r=1.2, alpha=8.0, a=0.4, b=3.5)], ids=["cdnow", "frequent"])
def test_the_fit_recovers_known_parameters(truth):
    rng = np.random.default_rng(2024)
    T = rng.uniform(26, 78, 30_000)
    x, t_x, _ = simulate(truth, T, rng)
    estimate = fit(x, t_x, T)
    assert estimate.r == pytest.approx(truth.r, rel=0.12)
    assert estimate.alpha == pytest.approx(truth.alpha, rel=0.15)
    assert estimate.a == pytest.approx(truth.a, rel=0.2)
    assert estimate.b == pytest.approx(truth.b, rel=0.25)


def test_predictions_follow_the_model(truth=CDNOW):
    # A customer never seen to repeat is certainly alive; many repeats long ago make one likely gone.
    assert CDNOW.p_active(np.array([0.0]), np.array([0.0]), np.array([40.0]))[0] == 1.0
    assert CDNOW.p_active(np.array([6.0]), np.array([5.0]), np.array([40.0]))[0] < 0.1
    assert CDNOW.p_active(np.array([6.0]), np.array([39.0]), np.array([40.0]))[0] > 0.85
    recent, stale = CDNOW.expected_orders(39, np.array([6.0, 6.0]), np.array([39.0, 5.0]), np.array([40.0, 40.0]))
    assert recent > 2 * stale


def test_the_expected_orders_match_what_a_simulated_population_then_does():
    rng = np.random.default_rng(99)
    T = rng.uniform(20, 40, 40_000)
    x, t_x, next_half_year = simulate(CDNOW, T, rng, then_weeks=26)
    predicted = CDNOW.expected_orders(26, x, t_x, T)
    assert predicted.sum() == pytest.approx(next_half_year.sum(), rel=0.05)
    # And customer by customer, in groups by past repeats (the calibration the value page shows).
    for repeats in (0, 1, 3):
        group = x == repeats
        assert predicted[group].mean() == pytest.approx(next_half_year[group].mean(), rel=0.15), repeats


def test_the_likelihood_is_highest_near_the_truth():
    rng = np.random.default_rng(5)
    T = rng.uniform(26, 78, 5_000)
    x, t_x, _ = simulate(CDNOW, T, rng)
    at_truth = log_likelihood(np.array([CDNOW.r, CDNOW.alpha, CDNOW.a, CDNOW.b]), x, t_x, T).sum()
    elsewhere = log_likelihood(np.array([0.6, 2.0, 0.3, 5.0]), x, t_x, T).sum()
    assert at_truth > elsewhere
