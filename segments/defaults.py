"""Data shipped with the app, kept apart from code so that migrations can use it as it was."""

# Shipped with the app; an admin can change their rules, names and order.
DEFAULT_STAGES = [
    (
        "prospect",
        "Prospect",
        "Signed up, never bought.",
        "#9ca3af",
        {"field": "orders_lifetime", "op": "eq", "value": 0},
    ),
    (
        "lapsed",
        "Lapsed",
        "No purchase for a year or more.",
        "#6b7280",
        {"field": "recency_days", "op": "gte", "value": 365},
    ),
    (
        "at_risk",
        "At risk",
        "No purchase for 120 days or more.",
        "#dc2626",
        {"field": "recency_days", "op": "gte", "value": 120},
    ),
    (
        "new",
        "New",
        "First purchase within the last 90 days.",
        "#22c55e",
        {"field": "first_purchase_days", "op": "lte", "value": 90},
    ),
    (
        "best",
        "Best customer",
        "Repeat buyers in the top RFM scores.",
        "#f59e0b",
        {
            "all": [
                {"field": "orders_lifetime", "op": "gte", "value": 2},
                {"field": "rfm_total", "op": "gte", "value": 13},
            ]
        },
    ),
    (
        "repurchase",
        "Repurchase",
        "Two or more orders.",
        "#2563eb",
        {"field": "orders_lifetime", "op": "gte", "value": 2},
    ),
    ("one_time", "One-time buyer", "Everyone else: one order, past the New window.", "#a855f7", {"all": []}),
]
