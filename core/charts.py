"""Plotly figures travel to the page as JSON and are drawn by static/js/shell.js.

Every chart of the app is drawn with CONFIG and nothing else: plotly.js would otherwise offer to upload
the chart (with the campaign's figures) to the vendor's cloud and link to the vendor's site.
"""

import json
from datetime import date, timedelta
from typing import Any

import plotly.graph_objects as go

from core.lib.memo import digest, remembered

LAYOUT = {
    "margin": {"l": 48, "r": 16, "t": 32, "b": 40},
    "font": {"size": 12},
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "rgba(0,0,0,0)",
    "legend": {"orientation": "h", "y": -0.2},
}

# plotly's "plotly_white" as JSON. Every chart is drawn with it, and the browser has it once, from
# static/js/chart-template.js (TEMPLATE_SCRIPT): sent inside each figure it was 7 KB of every chart, escaped into
# every page again.
HOUSE_TEMPLATE = json.loads(go.Figure(layout={"template": "plotly_white"}).to_json())["layout"]["template"]
TEMPLATE_SCRIPT = (
    "// plotly's plotly_white template, with which static/js/shell.js draws every chart; the same as core.charts\n"
    "// HOUSE_TEMPLATE (core/tests/test_charts.py checks it and says how to write it again).\n"
    f"window.deskChartTemplate = {json.dumps(HOUSE_TEMPLATE, sort_keys=True)};\n"
)

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


def figure_data(figure: go.Figure, *, height: int = 300, empty: str = "No data yet") -> dict[str, Any]:
    """The figure as plain JSON data, with the house layout and the one chart configuration.

    A figure with nothing to draw says `empty` instead of showing bare axes from -1 to 1.
    """
    figure.update_layout(LAYOUT, height=height)
    figure.layout.template = {}  # the browser draws it with the house template (TEMPLATE_SCRIPT)
    if not any(_points(trace) for trace in figure.data):
        figure.update_xaxes(visible=False)
        figure.update_yaxes(visible=False)
        figure.add_annotation(text=empty, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    data = json.loads(figure.to_json())
    data["layout"].pop("template", None)
    return {**data, "config": CONFIG}


def figure_given_whole(traces: list[dict], layout: dict, *, height: int = 300) -> dict[str, Any]:
    """`figure_data` of a figure given as plain traces and layout, made once for each distinct figure: plotly
    checks every property of a figure it builds, several milliseconds a chart, for the same answer each time."""
    return remembered(
        f"figure:{digest(traces, layout, height)}",
        lambda: figure_data(go.Figure(data=traces, layout=layout), height=height),
    )


def figure_plain(traces: list[dict], layout: dict, *, height: int = 300) -> dict[str, Any]:
    """`figure_data` of a figure given as plain traces and layout that plotly would take as they are (titles
    as {"text": ...}, days as dates), made without plotly: for a chart whose figures change with every job
    that ends, where checking every property with plotly took longer than the rest of the page."""
    return {
        "data": [{name: _plain(value) for name, value in trace.items()} for trace in traces],
        "layout": {**layout, **{name: _merged(layout.get(name), value) for name, value in LAYOUT.items()}}
        | {"height": height},
        "config": CONFIG,
    }


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value.isoformat() if isinstance(value, date) else value


def _merged(given: Any, house: Any) -> Any:
    """The house layout over what the chart gave, as figure_data's update_layout(LAYOUT) lays it."""
    return {**given, **house} if isinstance(given, dict) and isinstance(house, dict) else house


def date_axis(figure: go.Figure, days: list[date]) -> go.Figure:
    """Days on the x axis read as days: plotly would tick a lone day in milliseconds."""
    figure.update_xaxes(type="date", tickformat="%d %b %Y", hoverformat="%d %b %Y")
    if len(set(days)) == 1:
        day = days[0]
        figure.update_xaxes(range=[day - timedelta(days=7), day + timedelta(days=7)], dtick=7 * 86_400_000)
    return figure


def _points(trace: Any) -> int:
    for name in ("y", "x", "values", "r", "z"):
        values = getattr(trace, name, None)
        if values is not None and len(values):
            return len(values)
    if getattr(trace, "link", None) is not None and trace.link.value is not None:
        return len(trace.link.value)
    return 0


def write_template_script() -> None:
    """Write static/js/chart-template.js from the installed plotly (after plotly is upgraded)."""
    from django.conf import settings

    (settings.BASE_DIR / "static" / "js" / "chart-template.js").write_text(TEMPLATE_SCRIPT)
