"""Assigning lifecycle stages: each customer gets the first stage, in order, whose rules match."""

from datetime import date

from django.db import connection
from psycopg2 import sql

from segments.models import LifecycleStage, StageAssignment
from segments.ruletree.compiler import compile_rules


def stage_case(*, features_table: str, shares_table: str) -> tuple[str, dict[str, object]]:
    """A CASE expression over alias f giving each customer's stage id (NULL if no stage matches)."""
    branches, params = [], {}
    for stage in LifecycleStage.objects.order_by("position", "id"):
        condition, condition_params = compile_rules(
            stage.rules, features_table=features_table, shares_table=shares_table, prefix=f"stage{int(stage.pk)}_"
        )
        branches.append(f"WHEN {condition} THEN {int(stage.pk)}")
        params |= condition_params
    if not branches:
        return "NULL::bigint", {}
    return "CASE " + " ".join(branches) + " END", params


def stages_assign(features_table: str, shares_table: str) -> None:
    """Write every customer's stage into the features table `features_table`."""
    case, params = stage_case(features_table=features_table, shares_table=shares_table)
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("UPDATE {} AS f SET stage_id = ")
            .format(sql.Identifier(features_table))
            .as_string(cursor.connection)
            + case,
            params,
        )


def history_record(period_end: date, features_table: str, shares_table: str) -> dict[str, int]:
    """Stage every customer in `features_table` by the stage rules and keep that as the stages of `period_end`,
    replacing any kept before: one INSERT ... SELECT, whatever the stages the features table carries."""
    history = StageAssignment._meta.db_table
    case, params = stage_case(features_table=features_table, shares_table=shares_table)
    with connection.cursor() as cursor:
        period = {"period_end": period_end}
        cursor.execute(
            sql.SQL("DELETE FROM {} WHERE period_end = %(period_end)s").format(sql.Identifier(history)), period
        )
        statement = sql.SQL(
            "INSERT INTO {history} (period_end, customer_id, stage_id) SELECT %(period_end)s, customer_id, stage_id "
            "FROM (SELECT f.customer_id, {case} AS stage_id FROM {features} AS f) staged WHERE stage_id IS NOT NULL"
        ).format(history=sql.Identifier(history), case=sql.SQL(case), features=sql.Identifier(features_table))
        cursor.execute(statement, {**params, **period})
        cursor.execute(
            sql.SQL(
                "SELECT s.code, count(*) FROM {history} h JOIN {stages} s ON s.id = h.stage_id "
                "WHERE h.period_end = %(period_end)s GROUP BY s.code"
            ).format(history=sql.Identifier(history), stages=sql.Identifier(LifecycleStage._meta.db_table)),
            period,
        )
        return dict(cursor.fetchall())
