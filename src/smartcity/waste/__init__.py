"""Waste domain: smart bins, fill rates and time to full, collections, collection routes
(capacitated VRP over the road network), recycling rate and cost."""
