"""Rules to one parameterised SQL condition over the features table (alias f).

No value from a rule is ever pasted into the SQL text: values travel as named
query parameters (`%(prefix0)s`...; a statement that holds several compiled
conditions gives each its own prefix), and the only names that reach the text
are columns and tables from the field registry. Every condition is wrapped so that it is true or
false, never NULL, which is what makes "not" behave as people expect.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings

from customers.models import Category, Customer, Store
from segments.models import CustomerCategoryShare, CustomerFeatures, LifecycleStage
from segments.ruletree.fields import FIELDS
from segments.ruletree.validation import RuleError, validate

COMPARISONS = {"eq": "=", "ne": "<>", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
FEATURES = CustomerFeatures._meta.db_table
SHARES = CustomerCategoryShare._meta.db_table


@dataclass
class Compiler:
    features_table: str = FEATURES
    shares_table: str = SHARES
    # Looks up another segment's rules by id, for "member of segment" conditions.
    segment_rules: Callable[[int], dict | None] = lambda segment_id: None
    params: dict[str, object] = field(default_factory=dict)
    visiting: tuple[int, ...] = ()
    prefix: str = "rule"
    # Conditions compiled so far, shared with the compilers of referred segments (which multiply them).
    tally: list[int] = field(default_factory=lambda: [0])
    nesting: int = 0  # how many segment references deep these rules are

    def compile(self, rules: dict, alias: str = "f") -> str:
        validate(rules)
        return self._node(rules, alias)

    def _node(self, node: dict, alias: str) -> str:
        if "all" in node:
            parts = [self._node(child, alias) for child in node["all"]]
            return "(" + " AND ".join(parts) + ")" if parts else "TRUE"
        if "any" in node:
            parts = [self._node(child, alias) for child in node["any"]]
            return "(" + " OR ".join(parts) + ")" if parts else "FALSE"
        if "not" in node:
            return f"(NOT {self._node(node['not'], alias)})"
        self.tally[0] += 1
        if self.tally[0] > settings.SEGMENT_MAX_CONDITIONS:
            raise RuleError(
                f"The rules, with the segments they refer to, hold more than {settings.SEGMENT_MAX_CONDITIONS:,} "
                "conditions; make them simpler."
            )
        return f"COALESCE({self._condition(node, alias)}, FALSE)"

    def _value(self, value: object) -> str:
        name = f"{self.prefix}{len(self.params)}"
        self.params[name] = value
        return f"%({name})s"

    def _condition(self, condition: dict, alias: str) -> str:
        spec = FIELDS[condition["field"]]
        op, value = condition["op"], condition.get("value")
        if spec.kind in ("number", "money"):
            return self._number(spec.column, spec.scale, op, value, alias)
        if spec.kind == "choice":
            return self._choice(spec.name, spec.column, op, value, alias)
        if spec.kind == "consent":
            column = f"consent_{value}"  # value checked against the known channels by validate()
            return f"{'' if op == 'has' else 'NOT '}{alias}.{column}"
        if spec.kind == "topic":
            return self._topics(op, value, alias)
        if spec.kind == "category_share":
            return self._share(op, value, alias)
        return self._segment(op, value, alias)

    def _number(self, column: str, scale: int, op: str, value: object, alias: str) -> str:
        expression = column.replace("f.", f"{alias}.") if column.startswith("(") else f"{alias}.{column}"
        if op == "is_empty":
            return f"{expression} IS NULL"
        if op == "is_not_empty":
            return f"{expression} IS NOT NULL"
        if op == "between":
            low, high = (bound * scale for bound in value)
            return f"{expression} BETWEEN {self._value(low)} AND {self._value(high)}"
        return f"{expression} {COMPARISONS[op]} {self._value(value * scale)}"

    def _choice(self, name: str, column: str, op: str, values: list, alias: str) -> str:
        values = [str(item) for item in values]
        if name == "home_store":
            members = f"SELECT id FROM {Store._meta.db_table} WHERE code = ANY({self._value(values)})"
            test = f"{alias}.{column} IN ({members})"
        elif name == "stage":
            members = f"SELECT id FROM {LifecycleStage._meta.db_table} WHERE code = ANY({self._value(values)})"
            test = f"{alias}.{column} IN ({members})"
        else:
            test = f"{alias}.{column} = ANY({self._value(values)})"
        # A customer without a value is in no list, and so not "none of" one either.
        return test if op == "in" else f"({alias}.{column} IS NOT NULL AND NOT ({test}))"

    def _topics(self, op: str, topics: list[str], alias: str) -> str:
        """Topics are the customer's own choice, read from the customer row (the features keep no copy): a
        customer who subscribed to nothing has none of any list."""
        subscribed = (
            f"EXISTS (SELECT 1 FROM {Customer._meta.db_table} topic_holder WHERE topic_holder.id = {alias}.customer_id"
            f" AND topic_holder.topics::text[] && {self._value(list(topics))}::text[])"
        )
        return subscribed if op == "has_any" else f"NOT {subscribed}"

    def _share(self, op: str, value: dict, alias: str) -> str:
        """A customer with no purchase in the category has a share of 0."""
        share = float(value["share"])
        if (op == "gte" and share <= 0) or (op == "lte" and share >= 1):
            return "TRUE"
        if op == "lt" and share <= 0:
            return "FALSE"
        category = f"(SELECT id FROM {Category._meta.db_table} WHERE code = {self._value(value['category'])})"
        if op in ("gt", "gte"):
            test = COMPARISONS[op]
            holders = f"SELECT customer_id FROM {self.shares_table} WHERE category_id = {category} AND share {test} "
            return f"{alias}.customer_id IN ({holders}{self._value(share)})"
        above = ">=" if op == "lt" else ">"
        holders = f"SELECT customer_id FROM {self.shares_table} WHERE category_id = {category} AND share {above} "
        return f"{alias}.customer_id NOT IN ({holders}{self._value(share)})"

    def _segment(self, op: str, segment_id: int, alias: str) -> str:
        if segment_id in self.visiting:
            raise RuleError("The rules refer to a segment that refers back to them.")
        if self.nesting >= settings.SEGMENT_MAX_NESTING:
            raise RuleError(f"Segments refer to segments more than {settings.SEGMENT_MAX_NESTING} deep.")
        rules = self.segment_rules(segment_id)
        if rules is None:
            raise RuleError(f"There is no segment {segment_id}.")
        inner_alias = f"{alias}s"
        inner = Compiler(
            self.features_table,
            self.shares_table,
            self.segment_rules,
            self.params,
            (*self.visiting, segment_id),
            self.prefix,
            self.tally,
            self.nesting + 1,
        )
        members = f"SELECT {inner_alias}.customer_id FROM {self.features_table} {inner_alias} WHERE " + inner.compile(
            rules, inner_alias
        )
        test = f"{alias}.customer_id IN ({members})"
        return test if op == "in" else f"NOT ({test})"


def compile_rules(
    rules: dict,
    *,
    segment_rules: Callable[[int], dict | None] = lambda _: None,
    features_table: str = FEATURES,
    shares_table: str = SHARES,
    visiting: tuple[int, ...] = (),
    prefix: str = "rule",
) -> tuple[str, dict[str, object]]:
    """The SQL condition for `rules` over `features_table` aliased f, and its named parameters."""
    compiler = Compiler(features_table, shares_table, segment_rules, {}, visiting, prefix)
    return compiler.compile(rules), compiler.params
