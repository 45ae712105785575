"""The Starbucks promotion experiment, imported as a historical campaign, gives the published figures."""

import pandas as pd
import pytest

from campaigns.models import Campaign, ContactHistory
from customers.imports.run import import_file
from reporting.services import results_run

# Published for promoting everyone (../shared/data/README.md).
PUBLISHED = {
    "starbucks_training.csv": {"irr": 0.009454547819772702, "nir": -2334.60, "counts": (42_364, 721, 42_170, 319)},
    "starbucks_test.csv": {"irr": 0.009593, "nir": -1132.20, "counts": (20_748, 339, 20_902, 141)},
}


def import_experiment(source, folder) -> Campaign:
    """The experiment as a user would bring it: customers, their contacts, and the purchases that followed."""
    frame = pd.read_csv(source)
    frame["customer"] = "SB" + frame["ID"].astype(str)
    files = {
        "customers": frame[["customer"]].rename(columns={"customer": "external_id"}),
        "categories": pd.DataFrame({"code": ["COFFEE"], "name": ["Coffee"], "margin_rate": [0.5]}),
        "contacts": pd.DataFrame(
            {
                "customer_id": frame["customer"],
                "campaign": source.stem,
                "treatment": "PROMO",
                "cell": frame["Promotion"].map({"Yes": "treatment", "No": "control"}),
                "contacted_at": "2026-03-02 09:00:00",
                "channel": "email",
                "cost_per_contact": "0.15",
            }
        ),
        # Each purchaser bought once, for $10, inside the response window.
        "purchases": frame.loc[frame["purchase"] == 1, ["customer"]]
        .assign(
            line_id=lambda f: "SBP" + f["customer"],
            purchased_at="2026-03-05 12:00:00",
            quantity=1,
            revenue="10.00",
            category="COFFEE",
        )
        .rename(columns={"customer": "customer_id"}),
    }
    for kind in ("categories", "customers", "contacts", "purchases"):
        path = folder / f"{kind}.csv"
        files[kind].to_csv(path, index=False)
        import_file(kind=kind, path=path)
    return Campaign.objects.get(name=source.stem)


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_the_historical_campaign_gives_the_published_irr_and_nir(shared_data, db, tmp_path, name):
    campaign = import_experiment(shared_data / name, tmp_path)
    result = results_run(campaign=campaign).payload["treatments"][0]
    treated, control = result["treatment"], result["control"]
    assert (treated["members"], treated["responders"], control["members"], control["responders"]) == (
        PUBLISHED[name]["counts"]
    )
    assert result["response_rate"]["difference"] == pytest.approx(
        PUBLISHED[name]["irr"], abs=1e-12 if "training" in name else 1e-6
    )
    nir = (treated["revenue_cents"] - result["contact_cost_cents"] - control["revenue_cents"]) / 100
    assert nir == pytest.approx(PUBLISHED[name]["nir"], abs=0.005)
    assert ContactHistory.objects.filter(campaign=campaign).count() == treated["members"]


def test_importing_the_contacts_again_changes_nothing(shared_data, db, tmp_path):
    campaign = import_experiment(shared_data / "starbucks_test.csv", tmp_path)
    contacts = ContactHistory.objects.count()
    again = import_file(kind="contacts", path=tmp_path / "contacts.csv")
    assert again["steps"][0]["new"] == 0
    assert ContactHistory.objects.count() == contacts
    assert campaign.treatments.get().cost_per_contact_cents == 15
