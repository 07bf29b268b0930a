"""Where the demo city's ~300 devices stand and which asset each belongs to (pure)."""

from dataclasses import dataclass, field

import numpy as np

from smartcity.simulator import geo
from smartcity.simulator.model import City

GATEWAY_ID = "gw-1"
VEHICLES = [("bus", 14), ("truck", 6), ("ambulance", 4), ("fire_engine", 3), ("police_car", 3)]
VEHICLE_HOME = {"truck": "depot", "ambulance": "ambulance_station",
                "fire_engine": "fire_station", "police_car": "police_station"}
BIG_CONSUMERS = [("Hospital", 900.0, "public"), ("Stadium", 400.0, "public"),
                 ("Town hall", 150.0, "public"), ("Shopping mall", 600.0, "commercial")]


@dataclass
class DeviceSpec:
    id: str
    type: str
    name: str
    x: float
    y: float
    asset_id: str
    metadata: dict = field(default_factory=dict)
    gateway_id: str | None = None

    @property
    def lonlat(self) -> tuple[float, float]:
        return geo.to_lonlat(self.x, self.y)

    def api_body(self) -> dict:
        """The body POST /api/devices (and devices.service.create_device) accepts."""
        lon, lat = self.lonlat
        body = {"id": self.id, "type": self.type, "name": self.name, "asset_id": self.asset_id,
                "location": {"lat": lat, "lon": lon}, "metadata": self.metadata}
        if self.gateway_id:
            body["gateway_id"] = self.gateway_id
        return body


class _Placer:
    def __init__(self, city: City, rng):
        self.city, self.rng, self.devices = city, rng, []

    def add(self, id_, type_, name, x, y, asset_id, **meta) -> DeviceSpec:
        spec = DeviceSpec(id_, type_, name, round(float(x), 1), round(float(y), 1), asset_id,
                          meta, meta.pop("gateway_id", None))
        self.city.district_at(spec.x, spec.y)  # raises if a device fell outside the city
        self.devices.append(spec)
        return spec

    def near(self, x, y, radius):
        angle = self.rng.uniform(0, 2 * np.pi)
        return x + radius * np.cos(angle), y + radius * np.sin(angle)

    def along(self, segment_id, fraction, side=8.0):
        seg = self.city.segments[segment_id]
        (ax, ay), (bx, by) = self.city.xy(seg.a), self.city.xy(seg.b)
        length = max(geo.distance((ax, ay), (bx, by)), 1.0)
        nx, ny = -(by - ay) / length, (bx - ax) / length  # left-hand normal
        return ax + (bx - ax) * fraction + nx * side, ay + (by - ay) * fraction + ny * side

    def pick(self, items, k):
        return [items[int(i)] for i in sorted(self.rng.choice(len(items), k, replace=False))]


def place_devices(city: City, seed: int) -> list[DeviceSpec]:
    """Put every device type of the catalogue on the map, each linked to its asset."""
    p = _Placer(city, np.random.default_rng([seed, 1]))
    _environment(p)
    _traffic(p)
    _waste(p)
    _energy(p)
    _water(p)
    _vehicles(p)
    _lighting(p)
    city.devices = p.devices
    return p.devices


def _centre(rect):
    return (rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2


def _environment(p: _Placer) -> None:
    city = p.city
    cx, cy = _centre(city.districts["district-5"])
    p.add(GATEWAY_ID, "gateway", "LoRaWAN gateway Centro", *p.near(cx, cy, 25), "district-5")
    main = sorted(s for s, seg in city.segments.items() if seg.road_class == "arterial")
    for n, district in enumerate(city.districts, start=1):
        node = city.nearest_node(*_centre(city.districts[district]))
        x, y = p.near(*city.xy(node), 20)
        p.add(f"aq-{n}", "air_quality_station", f"Air quality {city.assets[district].name}",
              x, y, city.district_at(x, y), station_class="background")
    for n, seg in enumerate(p.pick(main, 3), start=len(city.districts) + 1):
        x, y = p.along(seg, 0.5, 12)
        p.add(f"aq-{n}", "air_quality_station", f"Air quality {city.segments[seg].name}",
              x, y, city.district_at(x, y), station_class="traffic", segment=seg)
    for n, seg in enumerate(p.pick(main, 10), start=1):
        x, y = p.along(seg, 0.4, 15)
        p.add(f"noise-{n}", "noise_sensor", f"Noise {city.segments[seg].name}", x, y,
              city.district_at(x, y), segment=seg, gateway_id=GATEWAY_ID)
    for n, district in enumerate(("district-2", "district-5", "district-7"), start=1):
        x, y = p.near(*_centre(city.districts[district]), 60)
        p.add(f"wx-{n}", "weather_station", f"Weather {city.assets[district].name}", x, y,
              city.district_at(x, y))


def _traffic(p: _Placer) -> None:
    city = p.city
    main = sorted(s for s, seg in city.segments.items() if seg.road_class != "local")
    local = sorted(s for s, seg in city.segments.items() if seg.road_class == "local")
    for n, seg in enumerate(p.pick(main, 24) + p.pick(local, 6), start=1):
        x, y = p.along(seg, 0.5)
        p.add(f"cnt-{n}", "traffic_counter", f"Counter {city.segments[seg].name}", x, y, seg,
              lanes=city.segments[seg].lanes)
    junctions = [a for a in city.of_type("junction") if a.properties["signalised"]]
    for n, junction in enumerate(junctions, start=1):
        x, y = p.near(*city.xy(junction.id), 6)
        approaches = [s for _n, s in city.adjacency[junction.id]]
        p.add(f"sig-{n}", "traffic_signal", f"Signal {junction.name}", x, y, junction.id,
              phases=2, approaches=approaches)


def _waste(p: _Placer) -> None:
    for n, site in enumerate(p.city.of_type("bin_site"), start=1):
        lon, lat = site.geometry["coordinates"]
        x, y = geo.to_xy(lon, lat)
        stream = ("mixed", "mixed", "paper", "plastic", "glass")[n % 5]
        p.add(f"bin-{n}", "smart_bin", f"Bin {n} ({stream})", x, y, site.id,
              capacity_l=3200 if n % 4 == 0 else 1100, stream=stream)


def _energy(p: _Placer) -> None:
    city = p.city
    feeders = city.of_type("feeder")
    for n, feeder in enumerate(feeders, start=1):
        (x0, y0), (x1, y1) = (geo.to_xy(*c) for c in feeder.geometry["coordinates"][:2])
        x, y = x0 + (x1 - x0) * 0.15, y0 + (y1 - y0) * 0.15
        p.add(f"em-{n}", "energy_meter", f"Feeder head {feeder.name}", x, y, feeder.id,
              role="feeder_head", sector="residential", customers=feeder.properties["customers"],
              peak_kw=feeder.properties["peak_kw"])
    for n, (label, base_kw, sector) in enumerate(BIG_CONSUMERS, start=len(feeders) + 1):
        feeder = feeders[(n * 5) % len(feeders)]
        x, y = p.near(*geo.to_xy(*feeder.geometry["coordinates"][-1]), 40)
        p.add(f"em-{n}", "energy_meter", f"{label} meter", x, y, feeder.id, role="consumer",
              base_kw=base_kw, site=label.lower().replace(" ", "_"), sector=sector)
    for n, feeder in enumerate(p.pick(feeders, 6), start=1):
        x, y = p.near(*geo.to_xy(*feeder.geometry["coordinates"][-2]), 50)
        p.add(f"gen-{n}", "generator", f"Solar plant {n}", x, y, feeder.id, kind="solar",
              capacity_kw=float(p.rng.choice([80, 150, 250, 400, 600])))
    x0, y0, x1, y1 = city.bounds
    for n, (x, y) in enumerate([(x0 + 90, y1 - 90), (x1 - 90, y0 + 90)], start=7):
        feeder = min(feeders, key=lambda f: geo.distance(geo.to_xy(*f.geometry["coordinates"][-1]),
                                                         (x, y)))
        p.add(f"gen-{n}", "generator", f"Wind turbine {n - 6}", x, y, feeder.id, kind="wind",
              capacity_kw=850.0)
    for n, substation in enumerate(city.of_type("substation")[:2], start=1):
        x, y = p.near(*geo.to_xy(*substation.geometry["coordinates"]), 25)
        p.add(f"bat-{n}", "battery", f"Battery {substation.name}", x, y, substation.id,
              capacity_kwh=2000.0, max_kw=500.0)


def _water(p: _Placer) -> None:
    dmas = p.city.of_type("dma")
    for n, dma in enumerate(dmas, start=1):
        x0, y0, x1, y1 = dma.properties["rect_m"]
        inlet = (x0 + 60, (y0 + y1) / 2)
        p.add(f"wm-{n}", "water_meter", f"Inlet meter {dma.name}", *inlet, dma.id, role="inlet")
        p.add(f"valve-{n}", "water_valve", f"Inlet valve {dma.name}", inlet[0] + 15, inlet[1],
              dma.id, role="inlet", diameter_mm=300)
        p.add(f"ps-{n}", "pressure_sensor", f"Critical point {dma.name}", x1 - 70, y1 - 70,
              dma.id, point="critical")
    for n, dma in enumerate(sorted(dmas, key=lambda d: -d.properties["population"])[:2],
                            start=len(dmas) + 1):
        x0, y0, x1, y1 = dma.properties["rect_m"]
        p.add(f"ps-{n}", "pressure_sensor", f"Inlet pressure {dma.name}", x0 + 75,
              (y0 + y1) / 2 + 20, dma.id, point="inlet")
    for n, dma in enumerate(dmas[:4], start=1):
        x, y = p.near(*_centre(dma.properties["rect_m"]), 30)
        p.add(f"wq-{n}", "water_quality_sensor", f"Water quality {dma.name}", x, y, dma.id)
    for n, dma in enumerate(dmas[:4], start=len(dmas) + 1):
        x0, y0, x1, y1 = dma.properties["rect_m"]
        x, y = p.near(*_centre((x0, y0, x1, y1)), 120)
        p.add(f"wm-{n}", "water_meter", f"Bulk customer meter {dma.name}", x, y, dma.id,
              role="bulk", base_m3h=float(p.rng.choice([4, 8, 12])))


def _vehicles(p: _Placer) -> None:
    city = p.city
    lines = city.of_type("bus_line")
    n = 0
    for kind, count in VEHICLES:
        for k in range(count):
            n += 1
            if kind == "bus":
                line = lines[k % len(lines)]
                nodes = line.properties["nodes"]
                node = nodes[(k // len(lines)) * 5 % len(nodes)]
                home, meta = line.id, {"line": line.id, "capacity": 80,
                                       "powertrain": "electric" if k % 2 else "diesel"}
            else:
                homes = city.of_type(VEHICLE_HOME[kind])
                home_asset = homes[k % len(homes)]
                node, home = home_asset.properties["node"], home_asset.id
                meta = {"capacity": 40 if kind == "truck" else 4, "powertrain": "diesel"}
            x, y = p.near(*city.xy(node), 5)
            label = kind.replace("_", " ").capitalize()
            p.add(f"{kind.replace('_', '-')}-{k + 1}", "vehicle", f"{label} {k + 1}", x, y, home,
                  kind=kind, home_node=node, **meta)


def _lighting(p: _Placer) -> None:
    city = p.city
    main = sorted(s for s, seg in city.segments.items() if seg.road_class == "arterial")
    local = sorted(s for s, seg in city.segments.items() if seg.road_class == "local")
    n = 0
    for seg in p.pick(main, 14) + p.pick(local, 6):
        rated = 150 if city.segments[seg].road_class == "arterial" else 90
        for fraction in (0.25, 0.5, 0.75):
            n += 1
            x, y = p.along(seg, fraction, 10)
            p.add(f"light-{n}", "streetlight", f"Streetlight {n} {city.segments[seg].name}",
                  x, y, seg, rated_w=rated)
