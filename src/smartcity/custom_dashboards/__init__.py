"""Custom dashboards: operators' own grids of widgets (charts, value cards, gauges, maps, alarm
lists, tables, text) bound to devices, groups and keys of the catalogue, saved, shared with roles
or through a revocable read-only link, exported and imported as JSON. Charts of seed 003 are
one-widget dashboards of kind "chart"."""
