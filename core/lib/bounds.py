"""The plausible range of each kind of value: anything outside is a typing or export mistake, refused where it
comes in (imports and forms), and stated on the Imports page."""

from datetime import date

# Purchases, engagement events, contacts, sign-ups and stores: nothing the desk measures is older than this.
EARLIEST_DAY = date(1970, 1, 1)
# Plans (campaign dates, offer validity) stay within this century.
EARLIEST_PLAN_DAY = date(2000, 1, 1)
LATEST_PLAN_DAY = date(2099, 12, 31)
# One purchase line: at most this much revenue or margin either way, and this many units either way.
MAX_LINE_CENTS = 100_000_000
MAX_LINE_QUANTITY = 100_000
# A cost per contact or per redemption, an offer's value.
MAX_UNIT_CENTS = 10_000_000
# A budget or a budget cap.
MAX_BUDGET_CENTS = 100_000_000_000
# An offer's cap on how many customers get it in one campaign.
MAX_OFFER_QUANTITY = 100_000_000
