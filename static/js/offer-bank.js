// The offer bank's grid: sort and filter every column; marketers, managers and admins switch offers on and
// off and change their caps in place. Each edit is saved at once; a refused one is undone and says why.
(function () {
  const data = JSON.parse(document.getElementById("offer-rows").textContent);
  const root = document.getElementById("offer-grid");
  const mayChange = root.dataset.mayChange === "true";
  data.forEach((row) => {
    row.url = root.dataset.editUrl.replace("0", row.id);
    row.edit_url = mayChange ? row.url : null;
  });
  const csrf = document.querySelector("[name=csrfmiddlewaretoken]")?.value;
  const money = (cell) => (cell.getValue() === null || cell.getValue() === undefined ? "No cap" :
    cell.getValue().toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
  const count = (cell) => (cell.getValue() === null || cell.getValue() === undefined ? "No cap" :
    cell.getValue().toLocaleString());
  const capEditor = mayChange ? "number" : false;
  const table = new Tabulator(root, {
    data: data,
    index: "id",
    layout: "fitColumns",
    columnDefaults: { headerSortTristate: false },
    height: "calc(100vh - 15.5rem)",
    placeholder: "No offers yet.",
    initialSort: [{ column: "code", dir: "asc" }],
    columns: [
      { title: "Code", field: "code", headerFilter: "input", width: 100,
        formatter: (cell) => {
          const link = document.createElement("a");
          link.href = cell.getRow().getData().url;
          link.textContent = cell.getValue();
          return link;
        } },
      { title: "Name", field: "name", headerFilter: "input", minWidth: 150, tooltip: true },
      { title: "Kind", field: "kind", headerFilter: "list", headerFilterParams: { valuesLookup: true, clearable: true }, width: 120, tooltip: true },
      { title: "Category", field: "category", headerFilter: "list", headerFilterParams: { valuesLookup: true, clearable: true }, width: 110 },
      { title: "Redeem", field: "redemption_rate", hozAlign: "right", width: 90, headerTooltip: "Expected redemption rate",
        formatter: (cell) => cell.getValue().toFixed(1) + "%" },
      { title: "Cost", field: "cost", hozAlign: "right", width: 72, formatter: money, headerTooltip: "Cost per redemption" },
      { title: "Valid", field: "valid_until", width: 170, headerFilter: "tickCross", headerFilterParams: { tristate: true },
        headerTooltip: "Tick to list the offers valid today; untick for the others",
        headerFilterFunc: (wanted, value, row) => wanted === null || wanted === "" || row.valid_now === wanted,
        formatter: (cell) => {
          const row = cell.getRow().getData();
          const dates = `${row.valid_from} – ${row.valid_until}`;
          return row.valid_now ? dates : `<span class="text-secondary">${dates}</span>`;
        } },
      { title: "Channels", field: "channels", headerFilter: "input", width: 115, tooltip: true },
      { title: "Stores", field: "stores", headerFilter: "input", width: 85, tooltip: true },
      { title: "Max qty", field: "max_quantity", hozAlign: "right", width: 92, editor: capEditor,
        editorParams: { min: 0, step: 1 }, formatter: count, sorter: "number", headerTooltip: "Maximum quantity per campaign" },
      { title: "Budget cap", field: "budget_cap", hozAlign: "right", width: 108, editor: capEditor,
        editorParams: { min: 0, step: 0.01 }, formatter: money, sorter: "number" },
      { title: "Active", field: "active", hozAlign: "center", width: 80, formatter: "tickCross",
        headerFilter: "tickCross", headerFilterParams: { tristate: true },
        cellClick: mayChange ? (event, cell) => cell.setValue(!cell.getValue()) : undefined },
    ],
  });
  table.on("tableBuilt", () => {
    const config = {
      name: "offers",
      remote: false,
      columns: table.getColumns().map((column) => ({ field: column.getField(), title: column.getDefinition().title })),
      sort: [{ field: "code", dir: "asc" }],
    };
    window.deskGrid.attach(document.getElementById("offers-grid-box"), table, config);
  });
  const fields = { max_quantity: "max_quantity", budget_cap: "budget_cap_cents", active: "active" };
  table.on("cellEdited", async (cell) => {
    const field = cell.getField();
    const row = cell.getRow();
    const status = document.getElementById("offer-grid-status");
    const response = await fetch(root.dataset.cellUrl.replace("0", row.getData().id), {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ field: fields[field], value: cell.getValue() }),
    });
    const answer = await response.json();
    if (response.ok) {
      row.update(answer);
      status.className = "small text-success";
      status.textContent = `${answer.code} saved.`;
    } else {
      cell.restoreOldValue();
      status.className = "small text-danger";
      status.textContent = `${row.getData().code}: ${answer.error}`;
    }
  });
})();
