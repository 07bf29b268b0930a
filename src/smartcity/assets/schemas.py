from marshmallow import Schema, fields, validate

ASSET_TYPES = ("district", "junction", "road_segment", "substation", "feeder", "dma", "bus_line",
               "bus_stop", "bin_site", "fire_station", "ambulance_station", "police_station",
               "depot")

# GeoJSON layers of the city map and the asset types each shows ("devices" is the fleet).
LAYERS = {
    "districts": ("district",),
    "roads": ("road_segment",),
    "junctions": ("junction",),
    "feeders": ("substation", "feeder"),
    "dmas": ("dma",),
    "lines": ("bus_line",),
    "stops": ("bus_stop",),
    "stations": ("fire_station", "ambulance_station", "police_station", "depot"),
    "bins": ("bin_site",),
    "devices": (),
}


class AssetQuerySchema(Schema):
    type = fields.String(validate=validate.Length(min=1, max=32))
    parent_id = fields.String(validate=validate.Length(min=1, max=64))
    limit = fields.Integer()
    cursor = fields.String()


class GeoJsonQuerySchema(Schema):
    layer = fields.String(required=True, validate=validate.OneOf(sorted(LAYERS)))
    type = fields.String(validate=validate.Length(min=1, max=32))  # devices layer: device type
    signalised = fields.Boolean()  # junctions layer: only signalised ones (or only not)


asset_query_schema = AssetQuerySchema()
geojson_query_schema = GeoJsonQuerySchema()
