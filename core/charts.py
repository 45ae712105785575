"""Plotly figures travel to the page as JSON and are drawn by static/js/shell.js."""

import json
from typing import Any

import plotly.graph_objects as go

LAYOUT = {
    "margin": {"l": 48, "r": 16, "t": 32, "b": 40},
    "font": {"size": 12},
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "rgba(0,0,0,0)",
    "legend": {"orientation": "h", "y": -0.2},
}


def figure_data(figure: go.Figure, *, height: int = 300) -> dict[str, Any]:
    """The figure as plain JSON data, with the house layout."""
    figure.update_layout(LAYOUT, height=height, template="plotly_white")
    return json.loads(figure.to_json())
