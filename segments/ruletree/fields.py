"""The fields a rule can test, what each field is, and which operators fit it."""

from dataclasses import dataclass

from customers.models import ConsentChannel

NUMBER_OPS = ("eq", "ne", "lt", "lte", "gt", "gte", "between", "is_empty", "is_not_empty")
CHOICE_OPS = ("in", "not_in")
CONSENT_OPS = ("has", "lacks")
SHARE_OPS = ("lt", "lte", "gt", "gte")
SEGMENT_OPS = ("in", "not_in")
TOPIC_OPS = ("has_any", "has_none")
CHANNELS = tuple(ConsentChannel.values)
OP_LABELS = {
    "eq": "=",
    "ne": "≠",
    "lt": "<",
    "lte": "≤",
    "gt": ">",
    "gte": "≥",
    "between": "between",
    "is_empty": "has no value",
    "is_not_empty": "has a value",
    "in": "is one of",
    "not_in": "is none of",
    "has": "consents to",
    "lacks": "does not consent to",
    "has_any": "has one of",
    "has_none": "has none of",
}


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str  # number, money, choice, consent, topic, category_share, segment
    column: str = ""  # the features table's column (or expression over it)
    group: str = "Behaviour"
    scale: int = 1  # money: the column holds cents, rules hold currency units

    @property
    def ops(self) -> tuple[str, ...]:
        return {
            "number": NUMBER_OPS,
            "money": NUMBER_OPS,
            "choice": CHOICE_OPS,
            "consent": CONSENT_OPS,
            "topic": TOPIC_OPS,
            "category_share": SHARE_OPS,
            "segment": SEGMENT_OPS,
        }[self.kind]


FIELDS = {
    field.name: field
    for field in [
        Field("recency_days", "Days since last purchase", "number", "recency_days"),
        Field("frequency", "Orders in the window", "number", "frequency"),
        Field("orders_lifetime", "Orders ever", "number", "orders_lifetime"),
        Field("revenue", "Revenue in the window", "money", "revenue_cents", scale=100),
        Field("margin", "Margin in the window (lines with a known margin)", "money", "margin_cents", scale=100),
        Field("aov", "Average order value", "money", "aov_cents", scale=100),
        Field("tenure_days", "Days as a member", "number", "tenure_days"),
        Field("first_purchase_days", "Days since first purchase", "number", "first_purchase_days"),
        Field("r_score", "Recency score (1-5)", "number", "r_score", group="Scores"),
        Field("f_score", "Frequency score (1-5)", "number", "f_score", group="Scores"),
        Field("m_score", "Monetary score (1-5)", "number", "m_score", group="Scores"),
        Field("rfm_total", "RFM total (3-15)", "number", "(f.r_score + f.f_score + f.m_score)", group="Scores"),
        Field("expected_purchases", "Expected orders, next 90 days", "number", "expected_purchases", group="Scores"),
        Field("p_active", "Probability still active", "number", "p_active", group="Scores"),
        Field("days_since_contact", "Days since last contact", "number", "days_since_contact", group="Contacts"),
        Field("contacts_30d", "Contacts in the last 30 days", "number", "contacts_30d", group="Contacts"),
        Field("birth_year", "Birth year", "number", "birth_year", group="Profile"),
        Field("region", "Region", "choice", "region", group="Profile"),
        Field("home_store", "Home store", "choice", "home_store_id", group="Profile"),
        Field("last_channel", "Last bought", "choice", "last_channel", group="Behaviour"),
        Field("stage", "Lifecycle stage", "choice", "stage_id", group="Profile"),
        Field("consent", "Consent", "consent", group="Profile"),
        Field("topics", "Topics subscribed to", "topic", group="Profile"),
        Field("category_share", "Share of spend in a category", "category_share", group="Behaviour"),
        Field("segment", "Member of segment", "segment", group="Segments"),
    ]
}
