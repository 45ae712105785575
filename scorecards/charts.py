"""The radar chart of one or two assessments, built for the page from the shared chart configuration."""

from typing import Any

import plotly.graph_objects as go

from core.charts import figure_data
from scorecards.selectors import Scorecard

COLOURS = ("#2563eb", "#9ca3af")


def radar(*cards: Scorecard, height: int = 360) -> dict[str, Any]:
    """One closed line per assessment, process by process, on the scale of 1 to 5 (newest first)."""
    figure = go.Figure()
    names = [line.process.name for line in cards[0].lines]
    for card, colour in zip(cards, COLOURS, strict=False):
        scores = {line.process.name: line.score.score or 0 for line in card.lines}
        values = [scores.get(name, 0) for name in names]
        figure.add_trace(
            go.Scatterpolar(
                r=[*values, values[0]],
                theta=[*names, names[0]],
                name=f"{card.assessment.assessed_on:%d %b %Y}",
                line={"color": colour},
                fill="toself" if colour == COLOURS[0] else None,
                opacity=0.8,
            )
        )
    figure.update_layout(polar={"radialaxis": {"range": [0, 5], "dtick": 1}}, showlegend=len(cards) > 1)
    data = figure_data(figure, height=height)
    data["layout"]["margin"] = {"l": 90, "r": 90, "t": 30, "b": 30}
    return data
