"""Plotly figures travel to the page as JSON and are drawn by static/js/shell.js.

Every chart of the app is drawn with CONFIG and nothing else: plotly.js would otherwise offer to upload
the chart (with the campaign's figures) to the vendor's cloud and link to the vendor's site.
"""

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

# shell.js adds one button to these: "Download as SVG" (a button with a click handler cannot travel as JSON).
CONFIG = {
    "responsive": True,
    "displaylogo": False,
    "showSendToCloud": False,
    "plotlyServerURL": "",
    "showTips": False,
    "displayModeBar": "hover",
    "modeBarButtonsToRemove": ["sendChartToCloud", "select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


def figure_data(figure: go.Figure, *, height: int = 300) -> dict[str, Any]:
    """The figure as plain JSON data, with the house layout and the one chart configuration."""
    figure.update_layout(LAYOUT, height=height, template="plotly_white")
    return {**json.loads(figure.to_json()), "config": CONFIG}
