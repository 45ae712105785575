"""Checking a rule tree: its shape against a JSON schema, then each condition against its field."""

from typing import Any

import jsonschema

from segments.ruletree.fields import CHANNELS, FIELDS

MAX_DEPTH = 8
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$ref": "#/$defs/node",
    "$defs": {
        "node": {
            "oneOf": [
                {"$ref": "#/$defs/all"},
                {"$ref": "#/$defs/any"},
                {"$ref": "#/$defs/not"},
                {"$ref": "#/$defs/condition"},
            ]
        },
        "all": {
            "type": "object",
            "properties": {"all": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
            "required": ["all"],
            "additionalProperties": False,
        },
        "any": {
            "type": "object",
            "properties": {"any": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
            "required": ["any"],
            "additionalProperties": False,
        },
        "not": {
            "type": "object",
            "properties": {"not": {"$ref": "#/$defs/node"}},
            "required": ["not"],
            "additionalProperties": False,
        },
        "condition": {
            "type": "object",
            "properties": {"field": {"type": "string"}, "op": {"type": "string"}, "value": {}},
            "required": ["field", "op"],
            "additionalProperties": False,
        },
    },
}
_validator = jsonschema.Draft202012Validator(SCHEMA)


class RuleError(ValueError):
    """The rules cannot be used; the message says where and why."""


def validate(rules: Any) -> None:
    errors = sorted(_validator.iter_errors(rules), key=lambda error: len(error.path))
    if errors:
        where = "/".join(str(part) for part in errors[0].absolute_path) or "the top"
        raise RuleError(f"The rules are not a tree of all/any/not groups and conditions (at {where}).")
    _check(rules, depth=1, where="rules")


def _check(node: dict, *, depth: int, where: str) -> None:
    if depth > MAX_DEPTH:
        raise RuleError(f"The rules nest deeper than {MAX_DEPTH} groups.")
    for group in ("all", "any"):
        if group in node:
            for position, child in enumerate(node[group], start=1):
                _check(child, depth=depth + 1, where=f"{where} > {group} #{position}")
            return
    if "not" in node:
        _check(node["not"], depth=depth + 1, where=f"{where} > not")
        return
    _check_condition(node, where)


def _check_condition(condition: dict, where: str) -> None:
    field = FIELDS.get(condition["field"])
    if field is None:
        raise RuleError(f"{where}: there is no field called {condition['field']!r}.")
    op = condition["op"]
    if op not in field.ops:
        raise RuleError(f"{where}: {field.label} cannot be tested with {op!r}.")
    value = condition.get("value")
    problem = _value_problem(field.kind, op, value)
    if problem:
        raise RuleError(f"{where}: {field.label} {problem}.")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value and abs(value) < 1e15


def _value_problem(kind: str, op: str, value: Any) -> str | None:
    if op in ("is_empty", "is_not_empty"):
        return None
    if kind in ("number", "money"):
        if op == "between":
            if not (isinstance(value, list) and len(value) == 2 and all(map(_is_number, value))):
                return "needs two numbers for 'between'"
            return "needs the smaller number first" if value[0] > value[1] else None
        return None if _is_number(value) else "needs a number"
    if kind == "choice":
        if not (isinstance(value, list) and value and all(isinstance(item, str | int) for item in value)):
            return "needs a list of one or more values"
        return None
    if kind == "topic":
        if not (isinstance(value, list) and value and all(isinstance(item, str) and item for item in value)):
            return "needs a list of one or more topics"
        return None
    if kind == "consent":
        return None if value in CHANNELS else f"needs one of {', '.join(CHANNELS)}"
    if kind == "category_share":
        if not (
            isinstance(value, dict)
            and isinstance(value.get("category"), str)
            and _is_number(value.get("share"))
            and 0 <= value["share"] <= 1
        ):
            return "needs a category code and a share between 0 and 1"
        return None
    if kind == "segment":
        return None if isinstance(value, int) and not isinstance(value, bool) else "needs a segment id"
    return "has an unknown kind"
