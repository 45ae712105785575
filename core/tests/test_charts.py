"""Charts are drawn with one configuration that never offers to send a chart to another host."""

import re
from datetime import date

import plotly.graph_objects as go
import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from core.charts import CONFIG, date_axis, figure_data
from core.tests.test_browser import sign_in

CODE = [
    *settings.BASE_DIR.glob("templates/**/*.html"),
    *settings.BASE_DIR.glob("*/templates/**/*.html"),
    *settings.BASE_DIR.glob("static/js/*.js"),
]


def test_the_chart_configuration_has_no_cloud_link_and_no_logo():
    assert CONFIG["showSendToCloud"] is False
    assert CONFIG["plotlyServerURL"] == ""
    assert CONFIG["displaylogo"] is False
    assert "sendChartToCloud" in CONFIG["modeBarButtonsToRemove"]
    assert "toImage" not in CONFIG["modeBarButtonsToRemove"]


def test_every_figure_carries_the_one_configuration():
    assert figure_data(go.Figure(go.Bar(x=[1], y=[2])))["config"] == CONFIG


def test_only_the_shell_draws_charts_and_with_the_figures_configuration():
    calls = {path.name: re.findall(r"Plotly\.(?:newPlot|react|plot)\((.*)\);", path.read_text()) for path in CODE}
    assert {name: found for name, found in calls.items() if found} == {
        "shell.js": ["node, figure.data, figure.layout, chartConfig(figure.config)"]
    }


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_charts_toolbar_downloads_png_and_svg_and_shares_nothing(page: Page, live_server, marketer):
    sign_in(page, live_server, "maria")
    chart = page.locator("[data-plotly='chart-jobs']")
    expect(chart.locator(".main-svg").first).to_be_attached()
    chart.hover()
    buttons = chart.locator(".modebar-btn")
    expect(buttons.first).to_be_attached()
    titles = [button.get_attribute("data-title") for button in buttons.all()]
    assert "Download plot as a PNG" in titles or "Download plot as a png" in titles, titles
    assert "Download as SVG" in titles
    assert not [title for title in titles if "Share" in title or "Cloud" in title]
    assert chart.locator("a[href^='http']").count() == 0


def test_an_empty_chart_says_so_instead_of_drawing_axes_from_minus_one_to_one():
    layout = figure_data(go.Figure(go.Scatter(x=[], y=[])))["layout"]
    assert [note["text"] for note in layout["annotations"]] == ["No data yet"]
    assert layout["xaxis"]["visible"] is False and layout["yaxis"]["visible"] is False


def test_a_chart_with_data_has_its_axes():
    layout = figure_data(go.Figure(go.Bar(x=["a"], y=[0])))["layout"]
    assert "annotations" not in layout and layout.get("xaxis", {}).get("visible", True)


def test_one_day_on_a_date_axis_is_shown_as_a_day_among_a_fortnight():
    day = date(2026, 7, 6)
    layout = figure_data(date_axis(go.Figure(go.Scatter(x=[day], y=[120])), [day]))["layout"]["xaxis"]
    assert (layout["type"], layout["tickformat"]) == ("date", "%d %b %Y")
    assert layout["range"] == ["2026-06-29", "2026-07-13"]


def test_every_chart_is_drawn_with_the_house_template_as_plotly_would_have_made_it():
    import json

    import plotly.graph_objects as go
    from django.conf import settings

    from core.charts import TEMPLATE_SCRIPT, figure_data

    def bars() -> go.Figure:
        return go.Figure(go.Bar(x=[1, 2, 3], y=[4, 5, 6]), layout={"title": "Sales"})

    made_by_plotly = bars().update_layout(template="plotly_white")
    expected = json.loads(made_by_plotly.to_json())["layout"]["template"]
    # The figure travels without it; the page loads it once, and shell.js draws every figure with it.
    assert "template" not in figure_data(bars())["layout"]
    script = settings.BASE_DIR / "static" / "js" / "chart-template.js"
    assert script.read_text() == TEMPLATE_SCRIPT, (
        "plotly's template changed: write it again with "
        '`.venv/bin/python manage.py shell -c "from core.charts import write_template_script; write_template_script()"`'
    )
    assert json.loads(TEMPLATE_SCRIPT.split(" = ", 1)[1].rstrip(";\n")) == expected


def test_a_figure_made_by_hand_is_the_one_plotly_makes_with_the_house_layout():
    import json
    from datetime import date

    import plotly.graph_objects as go

    from core.charts import figure_data, figure_plain

    days = [date(2026, 11, 2), date(2026, 11, 3)]
    traces = [{"type": "bar", "x": days, "y": [3, 0], "name": "Succeeded", "marker": {"color": "#16a34a"}}]
    # A chart that sets a margin and a legend of its own: the house layout lays over them, as it does in plotly.
    layout = {
        "barmode": "stack",
        "title": {"text": "Jobs per day"},
        "yaxis": {"title": {"text": "jobs"}, "rangemode": "nonnegative"},
        "margin": {"l": 10, "t": 90},
        "legend": {"x": 0.5},
    }
    by_hand = figure_plain(traces, layout, height=260)
    by_plotly = figure_data(go.Figure(data=traces, layout=layout), height=260)
    assert json.loads(json.dumps(by_hand)) == json.loads(json.dumps(by_plotly))
