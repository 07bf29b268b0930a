// Accessible data table: caption, column headers, one row per item, an empty-state message.
import { clear, h } from "../dom.js";

/**
 * columns: [{label, value: row => string | Node, className?}]
 * Returns the table; rows can be replaced later with updateRows(table, rows).
 */
export function renderTable(container, { columns, rows, caption, empty = "Nothing to show.", rowId }) {
  const body = h("tbody");
  const table = h("table", { class: "table" },
    caption ? h("caption", {}, caption) : null,
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.className }, c.label)))),
    body);
  table._spec = { columns, empty, rowId };
  updateRows(table, rows);
  clear(container, h("div", { class: "table-wrap" }, table));
  return table;
}

export function rowFor(table, row) {
  const { columns, rowId } = table._spec;
  const tr = h("tr", rowId ? { dataset: { id: rowId(row) } } : {});
  for (const column of columns) {
    const value = column.value(row);
    tr.append(h("td", { class: column.className }, value ?? "—"));
  }
  return tr;
}

export function updateRows(table, rows) {
  const { columns, empty } = table._spec;
  const body = table.tBodies[0];
  if (!rows.length) {
    clear(body, h("tr", {}, h("td", { colspan: columns.length, class: "empty" }, empty)));
    return;
  }
  clear(body, rows.map((row) => rowFor(table, row)));
}
