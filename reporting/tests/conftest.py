# Results are measured on campaigns: their tests build campaigns with the campaigns' own fixtures.
from campaigns.tests.conftest import bank, history, make_campaign, no_global_control, portfolio  # noqa: F401
