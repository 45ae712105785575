// Keyboard shortcuts of the shell and plotly charts rendered from JSON islands.
(function () {
  "use strict";

  const routes = {};
  document.querySelectorAll("[data-shortcut]").forEach(function (link) {
    routes[link.dataset.shortcut] = link.getAttribute("href");
  });
  const home = document.querySelector(".desk-brand");
  if (home) routes.h = home.getAttribute("href");

  let pendingG = false;
  let pendingTimer = null;

  function typing(target) {
    return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
  }

  // On the search page, the arrow keys walk the matches of every group in turn; Enter opens the focused one.
  function moveInResults(event) {
    const hits = Array.from(document.querySelectorAll("[data-search-results] a.search-hit"));
    if (!hits.length || (event.key !== "ArrowDown" && event.key !== "ArrowUp")) return false;
    const at = hits.indexOf(document.activeElement);
    const next = event.key === "ArrowDown" ? Math.min(at + 1, hits.length - 1) : at - 1;
    event.preventDefault();
    if (next < 0) document.getElementById("global-search").focus();
    else hits[next].focus();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (moveInResults(event)) return;
    if (event.key === "Escape") {
      document.querySelectorAll(".modal.show").forEach(function (modal) {
        bootstrap.Modal.getOrCreateInstance(modal).hide();
      });
    }
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (pendingG) {
      pendingG = false;
      clearTimeout(pendingTimer);
      if (routes[event.key]) {
        event.preventDefault();
        window.location.assign(routes[event.key]);
      }
      return;
    }
    if (event.key === "g") {
      pendingG = true;
      pendingTimer = setTimeout(function () { pendingG = false; }, 1500);
    } else if (event.key === "/") {
      event.preventDefault();
      document.getElementById("global-search").focus();
    } else if (event.key === "?") {
      event.preventDefault();
      bootstrap.Modal.getOrCreateInstance(document.getElementById("shortcuts")).show();
    }
  });

  // The configuration comes from the server (core/charts.py) alone; only the SVG download, a button with a
  // click handler, is added here.
  function chartConfig(config) {
    const svg = {
      name: "downloadSvg",
      title: "Download as SVG",
      icon: Plotly.Icons.camera,
      click: function (chart) { Plotly.downloadImage(chart, {format: "svg", filename: "chart"}); },
    };
    return Object.assign({}, config, {modeBarButtonsToAdd: [svg]});
  }

  function renderCharts(root) {
    if (typeof Plotly === "undefined") return;
    root.querySelectorAll("[data-plotly]").forEach(function (node) {
      if (node.dataset.rendered) return;
      const figure = JSON.parse(document.getElementById(node.dataset.plotly).textContent);
      // Figures travel without the house template; the page has it once (static/js/chart-template.js).
      if (!figure.layout.template && window.deskChartTemplate) figure.layout.template = window.deskChartTemplate;
      Plotly.newPlot(node, figure.data, figure.layout, chartConfig(figure.config));
      node.dataset.rendered = "1";
    });
  }

  // Pages load plotly after this file (shortcuts work before it arrives): draw once every script has run.
  document.addEventListener("DOMContentLoaded", function () { renderCharts(document); });
  document.body.addEventListener("htmx:afterSettle", function (event) { renderCharts(event.target); });
})();
