// The offer bank's grid: sort and filter every column; marketers, managers and admins switch offers on and
// off and change their caps in place. Each edit is saved at once; a refused one is undone and says why.
(function () {
  const data = JSON.parse(document.getElementById("offer-rows").textContent);
  const root = document.getElementById("offer-grid");
  const mayChange = root.dataset.mayChange === "true";
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
    height: "calc(100vh - 13rem)",
    placeholder: "No offers yet.",
    initialSort: [{ column: "code", dir: "asc" }],
    columns: [
      { title: "Code", field: "code", headerFilter: "input", width: 130,
        formatter: (cell) => `<a href="${root.dataset.editUrl.replace("0", cell.getRow().getData().id)}">${cell.getValue()}</a>` },
      { title: "Name", field: "name", headerFilter: "input", minWidth: 180 },
      { title: "Kind", field: "kind", headerFilter: "list", headerFilterParams: { valuesLookup: true, clearable: true }, width: 140 },
      { title: "Value", field: "value", width: 120 },
      { title: "Category", field: "category", headerFilter: "list", headerFilterParams: { valuesLookup: true, clearable: true }, width: 130 },
      { title: "Redemption", field: "redemption_rate", hozAlign: "right", width: 105,
        formatter: (cell) => cell.getValue().toFixed(1) + "%" },
      { title: "Cost each", field: "cost", hozAlign: "right", width: 95, formatter: money },
      { title: "Valid", field: "valid_until", width: 190, headerFilter: "tickCross", headerFilterParams: { tristate: true },
        headerFilterFunc: (wanted, value, row) => wanted === null || wanted === "" || row.valid_now === wanted,
        formatter: (cell) => {
          const row = cell.getRow().getData();
          return `${row.valid_from} to ${row.valid_until}` + (row.valid_now ? "" : ' <span class="text-secondary">(not now)</span>');
        } },
      { title: "Channels", field: "channels", headerFilter: "input", width: 150 },
      { title: "Stores", field: "stores", headerFilter: "input", width: 110 },
      { title: "Max quantity", field: "max_quantity", hozAlign: "right", width: 115, editor: capEditor,
        editorParams: { min: 0, step: 1 }, formatter: count, sorter: "number" },
      { title: "Budget cap", field: "budget_cap", hozAlign: "right", width: 115, editor: capEditor,
        editorParams: { min: 0, step: 0.01 }, formatter: money, sorter: "number" },
      { title: "Active", field: "active", hozAlign: "center", width: 80, formatter: "tickCross",
        headerFilter: "tickCross", headerFilterParams: { tristate: true },
        cellClick: mayChange ? (event, cell) => cell.setValue(!cell.getValue()) : undefined },
    ],
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
