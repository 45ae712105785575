"""Segment and stage rules: a tree of all / any / not groups over customer conditions, stored as JSON.

    {"all": [{"field": "recency_days", "op": "lte", "value": 90},
             {"any": [{"field": "region", "op": "in", "value": ["North"]},
                      {"not": {"field": "consent", "op": "has", "value": "email"}}]}]}

An empty "all" matches every customer and an empty "any" matches none. A
condition on a value a customer does not have (no purchase, so no recency)
is false, and "not" turns it true: every condition is true or false, never
unknown. Rules compile to one parameterised SQL condition (see compiler.py).
"""
