"""Charts are drawn with one configuration that never offers to send a chart to another host."""

import re

import plotly.graph_objects as go
import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from core.charts import CONFIG, figure_data
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
