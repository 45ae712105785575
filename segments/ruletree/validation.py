"""Checking a rule tree: its shape against a JSON schema, then each condition against its field."""

import json
from typing import Any

import jsonschema
from django.conf import settings

from segments.ruletree.fields import CHANNELS, FIELDS

# Rules of the largest allowed size take a few kilobytes; text past this is refused unread.
MAX_TEXT_CHARS = 200_000
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


def load(text: str) -> Any:
    """Rules posted as JSON text, refusing text too long or nested too deep to read safely."""
    if len(text) > MAX_TEXT_CHARS:
        raise RuleError(f"The rules are longer than {MAX_TEXT_CHARS:,} characters; make them simpler.")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise RuleError("The rules are not valid JSON.") from None
    except RecursionError:
        raise RuleError(f"The rules nest deeper than {settings.SEGMENT_MAX_DEPTH} groups.") from None


def _measure(rules: Any) -> None:
    """Refuse rules nested too deep or holding too many conditions, before anything walks them recursively."""
    depth_limit, condition_limit = settings.SEGMENT_MAX_DEPTH, settings.SEGMENT_MAX_CONDITIONS
    pending, conditions = [(rules, 1)], 0
    while pending:
        node, depth = pending.pop()
        if depth > depth_limit:
            raise RuleError(f"The rules nest deeper than {depth_limit} groups.")
        if not isinstance(node, dict):
            continue
        children = [node[group] for group in ("all", "any") if isinstance(node.get(group), list)]
        if children or "not" in node:
            pending.extend((child, depth + 1) for child in [*(children[0] if children else []), node.get("not")])
            continue
        conditions += 1
        if conditions > condition_limit:
            raise RuleError(f"The rules hold more than {condition_limit:,} conditions; make them simpler.")


def validate(rules: Any) -> None:
    _measure(rules)
    errors = sorted(_validator.iter_errors(rules), key=lambda error: len(error.path))
    if errors:
        where = "/".join(str(part) for part in errors[0].absolute_path) or "the top"
        raise RuleError(f"The rules are not a tree of all/any/not groups and conditions (at {where}).")
    _check(rules, depth=1, where="rules")


def _check(node: dict, *, depth: int, where: str) -> None:
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
    problem = "has a control character (such as a NUL byte) in its value" if _has_control(value) else None
    problem = problem or _value_problem(field.kind, op, value)
    if problem:
        raise RuleError(f"{where}: {field.label} {problem}.")


def _has_control(value: Any) -> bool:
    """Whether any text in the value holds a character no customer attribute can (PostgreSQL refuses NUL)."""
    if isinstance(value, str):
        return any(character < " " for character in value)
    if isinstance(value, list):
        return any(_has_control(item) for item in value)
    if isinstance(value, dict):
        return any(_has_control(item) for item in value.values())
    return False


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
