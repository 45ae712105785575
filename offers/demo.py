"""The demo retailer's offer bank: about 160 offers across its categories, imported as a user's file would be.

Most offers run for the demo's whole last year and the year after; some are seasonal and have ended, a few
are switched off, some go out on one channel or are redeemed in a few stores only, and the most generous
have quantity or budget caps tight enough to bind in a campaign.
"""

from datetime import date, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
import pandas as pd

from customers.demo.retailer import CATEGORIES, STORES
from customers.imports.run import import_file

# kind as the offer file writes it, the values it may take (percent, amount, points multiple or gift value),
# expected redemption rates
KINDS = [
    ("percent off", [5, 10, 15, 20, 25, 30], (0.03, 0.12)),
    ("amount off", [2, 3, 5, 8, 10, 15], (0.03, 0.10)),
    ("points multiplier", [2, 3, 4, 5], (0.05, 0.15)),
    ("free gift", [2, 3, 5, 8], (0.04, 0.10)),
    ("buy one get one", [0], (0.02, 0.08)),
]
WHOLE_RANGE = 16  # offers on any purchase, besides those of a category


def offer_bank_load(*, end: date, seed: int) -> dict[str, int]:
    """Write the demo bank and import it; returns how many offers it holds."""
    rng = np.random.default_rng(seed + 7)
    rows = []
    for code, name, _, unit_price in CATEGORIES:
        for number in range(12):
            rows.append(_offer(rng, f"{code}-{number + 1:02d}", name, code, unit_price, end))
    for number in range(WHOLE_RANGE):
        rows.append(_offer(rng, f"ALL-{number + 1:02d}", "Everything", "", 20.0, end))
    frame = pd.DataFrame(rows)
    with TemporaryDirectory() as folder:
        path = Path(folder) / "offers.csv"
        frame.to_csv(path, index=False)
        import_file(kind="offers", path=path)
    return {"offers": len(frame)}


def typical_order(unit_price: float) -> float:
    """A typical order in a category whose items cost about `unit_price`."""
    return unit_price * 2.5


def typical_saving(kind: str, value: float, unit_price: float) -> float:
    """What an offer saves on a typical order of its category: its cost per redemption to the retailer."""
    order = typical_order(unit_price)
    return {
        "percent off": order * value / 100,
        "amount off": value,
        "points multiplier": order * (value - 1) * 0.01,
        "free gift": value,
        "buy one get one": unit_price,
    }[kind]


def _offer(
    rng: np.random.Generator, code: str, category_name: str, category: str, unit_price: float, end: date
) -> dict:
    kind, values, rates = KINDS[rng.integers(len(KINDS))]
    value = values[rng.integers(len(values))]
    order = typical_order(unit_price)
    saving = typical_saving(kind, value, unit_price)
    label = {
        "percent off": f"{value}% off {category_name.lower()}",
        "amount off": f"{value} off {category_name.lower()}",
        "points multiplier": f"{value}x points on {category_name.lower()}",
        "free gift": f"A gift with {category_name.lower()}",
        "buy one get one": f"Buy one, get one: {category_name.lower()}",
    }[kind]
    seasonal = rng.random() < 0.15
    starts = end - timedelta(days=int(rng.integers(60, 300)) if seasonal else 365)
    ends = starts + timedelta(days=int(rng.integers(30, 90))) if seasonal else end + timedelta(days=365)
    generous = saving >= 0.18 * order
    channels = ["", "", "", "", "email", "email;sms", "push", "direct mail"][rng.integers(8)]
    stores = ";".join(code for code, *_ in STORES[: rng.integers(1, 3)]) if rng.random() < 0.08 else ""
    return {
        "code": code,
        "name": label,
        "kind": kind,
        "category": category,
        "value": value,
        "expected_redemption_rate": round(float(rng.uniform(*rates)) * (1.3 if generous else 1.0), 4),
        "cost_per_redemption": round(saving, 2),
        "valid_from": starts.isoformat(),
        "valid_until": ends.isoformat(),
        "channels": channels,
        "stores": stores,
        "max_quantity": int(rng.choice([40, 80, 150, 300])) if generous and rng.random() < 0.6 else "",
        "budget_cap": round(float(rng.choice([20, 50, 100])), 2) if generous and rng.random() < 0.4 else "",
        "active": "no" if rng.random() < 0.05 else "yes",
    }
