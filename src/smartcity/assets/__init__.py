"""Things that are not devices: districts, roads, junctions, grid, water, transit, stations."""
