// The plan page: the budget grid (a row per portfolio, its channels inside), campaigns opened by a click on the
// calendar, and draft campaigns moved by dragging their outline (the server checks and says why it refuses).
(function () {
  const csrf = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="))?.split("=")[1];
  const money = (cents) => (cents === null || cents === undefined ? "" :
    (cents / 100).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 }));

  const rowsNode = document.getElementById("budget-rows");
  if (rowsNode && typeof Tabulator !== "undefined") {
    const help = JSON.parse(document.getElementById("budget-help").textContent);
    const cell = (field) => ({
      title: { budget: "Budget", planned: "Planned", committed: "Committed", spent: "Spent",
               forecast_net: "Forecast net", measured_net: "Measured net", remaining: "Remaining" }[field],
      field: field, hozAlign: "right", headerHozAlign: "right", sorter: "number", headerTooltip: help[field],
      formatter: (c) => {
        const value = c.getValue();
        const row = c.getRow().getData();
        let text = money(value);
        if (field === "budget" && row.pending !== null && row.pending !== undefined) {
          text += ` <span class="badge text-bg-warning" title="A change to ${money(row.pending)} waits for a manager">→ ${money(row.pending)}?</span>`;
        }
        if ((field === "remaining" || field.endsWith("net")) && value < 0) return `<span class="text-danger">${text}</span>`;
        return text;
      },
      tooltip: (event, c) => {
        const row = c.getRow().getData();
        return `${row.label}, ${c.getColumn().getDefinition().title.toLowerCase()}: ${money(c.getValue()) || "none"}.\n${help[field]}`;
      },
    });
    const table = new Tabulator(document.getElementById("budget-grid"), {
      data: JSON.parse(rowsNode.textContent),
      dataTree: true,
      dataTreeStartExpanded: false,
      dataTreeChildField: "_children",
      layout: "fitColumns",
      index: "key",
      columns: [
        { title: "Portfolio / channel", field: "label", minWidth: 180, formatter: (c) => {
          const row = c.getRow().getData();
          return row.key === "total" ? `<strong>${c.getValue()}</strong>` :
            row.portfolio_id ? `<a href="/portfolios/${row.portfolio_id}/">${c.getValue()}</a>` : c.getValue();
        } },
        ...["budget", "planned", "committed", "spent", "forecast_net", "measured_net", "remaining"].map(cell),
      ],
      rowFormatter: (row) => { if (row.getData().key === "total") row.getElement().classList.add("fw-semibold"); },
    });
    window.planBudgetGrid = table;
  }

  function hook(node) {
    if (!node.on) return false;
    node.on("plotly_click", (event) => {
      const url = event.points?.[0]?.customdata?.[0];
      if (url) window.location.href = url;
    });
    const moves = node.layout?.meta?.moves || [];
    const status = document.getElementById("plan-move-status");
    node.on("plotly_relayout", async (change) => {
      const index = Object.keys(change).map((key) => key.match(/^shapes\[(\d+)\]\.x0$/)).find(Boolean)?.[1];
      if (index === undefined || !moves[index]) return;
      const shape = node.layout.shapes[index];
      const day = (value) => new Date(new Date(value).getTime() + 12 * 3600 * 1000).toISOString().slice(0, 10);
      const start = day(shape.x0);
      const end = day(new Date(new Date(shape.x1).getTime() - 24 * 3600 * 1000));
      const body = new URLSearchParams({ start: start, end: end });
      const response = await fetch(moves[index].url, { method: "POST", body: body, headers: { "X-CSRFToken": csrf } });
      const answer = await response.json();
      if (status) status.textContent = answer.message || answer.error;
      setTimeout(() => window.location.reload(), response.ok ? 600 : 2500);
    });
    return true;
  }
  document.addEventListener("DOMContentLoaded", () => {
    const node = document.querySelector("#plan-calendar, [data-plotly='chart-calendar']");
    if (!node) return;
    const tries = setInterval(() => { if (hook(node)) clearInterval(tries); }, 100);
  });
})();
