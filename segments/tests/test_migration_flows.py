"""A portfolio's Sankey draws only the customers who came into its stage or left it."""

import pandas as pd

from segments.selectors import flows_touching

STAGES = ["New", "Repurchase", "Lapsed"]


def test_only_flows_into_or_out_of_the_stage_are_kept():
    matrix = pd.DataFrame(
        [[50, 10, 5], [0, 0, 0], [3, 7, 20], [8, 0, 30]],
        index=["(joined)", "New", "Repurchase", "Lapsed"],
        columns=STAGES,
    )
    flows = flows_touching(matrix, "Repurchase")
    moves = {(row, column): flows.loc[row, column] for row in flows.index for column in flows.columns}
    assert {move: count for move, count in moves.items() if count} == {
        ("(joined)", "Repurchase"): 10,
        ("Repurchase", "New"): 3,
        ("Repurchase", "Repurchase"): 7,
        ("Repurchase", "Lapsed"): 20,
    }


def test_a_stage_nobody_reaches_has_no_flows():
    matrix = pd.DataFrame([[5, 0]], index=["(joined)"], columns=["New", "Lapsed"])
    assert flows_touching(matrix, "Repurchase").empty
