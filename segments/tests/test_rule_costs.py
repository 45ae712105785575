"""What one segment's rules may cost: conditions, nesting and segments of segments are bounded by settings,
and the preview says so in words instead of working for seconds or failing."""

import json

import pytest
from django.urls import reverse

from segments.models import Segment
from segments.ruletree.compiler import compile_rules
from segments.ruletree.validation import RuleError

YOUNG = {"field": "recency_days", "op": "lte", "value": 30}


def nested(depth: int) -> str:
    return '{"all": [' * depth + json.dumps(YOUNG) + "]}" * depth


def test_the_preview_refuses_rules_nested_900_deep_in_words(client, marketer, db):
    client.force_login(marketer)
    for depth in (20, 900, 5_000):
        response = client.post(reverse("segments:preview"), {"rules": nested(depth)})
        assert response.status_code == 200
        assert "The rules nest deeper than 8 groups." in response.content.decode()


@pytest.mark.parametrize(
    ("conditions", "message"),
    [(2_000, "The rules hold more than 200 conditions"), (20_000, "The rules are longer than 200,000 characters")],
)
def test_the_preview_refuses_thousands_of_conditions(client, marketer, db, conditions, message):
    client.force_login(marketer)
    rules = json.dumps({"any": [YOUNG] * conditions})
    response = client.post(reverse("segments:preview"), {"rules": rules})
    assert response.status_code == 200
    assert message in response.content.decode()


def test_the_condition_limit_is_a_setting(settings):
    settings.SEGMENT_MAX_CONDITIONS = 3
    compile_rules({"all": [YOUNG] * 3})
    with pytest.raises(RuleError, match="more than 3 conditions"):
        compile_rules({"all": [YOUNG] * 4})


def test_segments_of_segments_count_every_condition_they_multiply(db, manager, settings):
    settings.SEGMENT_MAX_CONDITIONS = 50
    base = Segment.objects.create(name="Base", owner=manager, rules={"all": [YOUNG] * 4})
    level = base
    for number in range(2):
        refer = {"field": "segment", "op": "in", "value": level.pk}
        level = Segment.objects.create(name=f"Level {number}", owner=manager, rules={"any": [refer] * 3})
    rules = {"any": [{"field": "segment", "op": "in", "value": level.pk}] * 3}
    lookup = {segment.pk: segment.rules for segment in Segment.objects.all()}.get
    # 3 x 3 x 3 references to a segment of 4 conditions: 108 conditions and more, past the limit of 50.
    with pytest.raises(RuleError, match="with the segments they refer to, hold more than 50 conditions"):
        compile_rules(rules, segment_rules=lookup)


def test_segments_refer_to_segments_only_so_deep(db, manager, settings):
    settings.SEGMENT_MAX_NESTING = 2
    level = Segment.objects.create(name="Base", owner=manager, rules=YOUNG)
    chain = []
    for number in range(3):
        level = Segment.objects.create(
            name=f"Level {number}", owner=manager, rules={"field": "segment", "op": "in", "value": level.pk}
        )
        chain.append(level)
    lookup = {segment.pk: segment.rules for segment in Segment.objects.all()}.get
    compile_rules(chain[0].rules, segment_rules=lookup)
    compile_rules(chain[1].rules, segment_rules=lookup)
    with pytest.raises(RuleError, match="refer to segments more than 2 deep"):
        compile_rules(chain[2].rules, segment_rules=lookup)
