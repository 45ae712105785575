"""How big an experiment must be: the statistics come from statsmodels, not from formulas written here."""

import math

from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize


def sample_size(
    *, base_rate: float, lift: float, holdout_share: float, power: float = 0.8, alpha: float = 0.05
) -> tuple[int, int]:
    """Control members, and the whole audience, needed to detect `lift` over `base_rate` (two-sided test).

    The audience is split into control (holdout_share) and treatment (the rest).
    """
    if not (0 < base_rate < 1 and 0 < base_rate + lift < 1 and lift != 0 and 0 < holdout_share < 1 and 0 < power < 1):
        raise ValueError("Rates and shares must lie between 0 and 1, and the lift must not be zero.")
    effect = abs(proportion_effectsize(base_rate + lift, base_rate))
    treatment_per_control = (1 - holdout_share) / holdout_share
    control = NormalIndPower().solve_power(
        effect_size=effect, alpha=alpha, power=power, ratio=treatment_per_control, alternative="two-sided"
    )
    return math.ceil(control), math.ceil(math.ceil(control) / holdout_share)
