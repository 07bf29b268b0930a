"""The water KPIs for analytics (registered with @domain.kpi in water/__init__.py).

- Non-revenue water (IWA water balance; Alegre et al., "Performance Indicators for Water Supply
  Services", IWA 2000/2006): NRW = system input volume - billed authorised consumption, as a
  share of the system input volume. System input: every DMA inlet meter's volume from the hourly
  rollups. Billed authorised: billed metered (every customer meter's register advance) plus
  billed unmetered (residents billed on an assessed volume, WATER_ASSESSED_LPCD litres per
  person per day, for the hours the DMA's inlet reported: the demo city has no household
  meters; set it to 0 where every customer is metered).
- Infrastructure Leakage Index over the period: per DMA, the mean of its nights' leakage
  estimates (the minimum-night-flow analysis x the FAVAD hour-day factor, as GET /api/water/
  leaks) is its current real losses per day; its UARL follows the IWA formula at the DMA's
  mean pressure; the city's ILI is the sum of CARL over the sum of UARL of the DMAs with both.
"""

from flask import current_app

from smartcity.extensions import db
from smartcity.water import leakage, service
from smartcity.water.network import BAR_TO_M, load_dmas

HOUR, DAY = service.HOUR, service.DAY


def water_balance(siv_m3: float, billed_metered_m3: float, billed_unmetered_m3: float) -> dict:
    """IWA non-revenue water of a period (pure); nrw_pct None without system input."""
    billed = billed_metered_m3 + billed_unmetered_m3
    nrw = siv_m3 - billed
    return {"system_input_m3": siv_m3, "billed_metered_m3": billed_metered_m3,
            "billed_unmetered_m3": billed_unmetered_m3, "non_revenue_m3": nrw,
            "nrw_pct": nrw / siv_m3 * 100 if siv_m3 > 0 else None}


def balance(start: int, end: int) -> dict:
    """The water balance of [start, end) from the stored readings."""
    lpcd = current_app.config["WATER_ASSESSED_LPCD"]
    inflow = service.consumption(start, end, "hour")
    siv = sum(i["total_m3"] for i in inflow)
    assessed = sum(i["population"] * lpcd / 1000 * len(i["series"]) / 24 for i in inflow)
    metered = sum(m["total_m3"] for m in service.customer_consumption(start, end, "day"))
    return water_balance(siv, metered, assessed)


def non_revenue_water(start: int, end: int) -> float | None:
    return balance(start, end)["nrw_pct"]


def city_ili(per_dma: list[dict]) -> float | None:
    """Sum of CARL over sum of UARL (m3/day) of the DMAs that have both (pure)."""
    usable = [d for d in per_dma if d["carl_m3_per_day"] is not None and d["uarl_m3_per_day"]]
    if not usable:
        return None
    return sum(d["carl_m3_per_day"] for d in usable) / sum(d["uarl_m3_per_day"]
                                                           for d in usable)


def dma_losses(start: int, end: int) -> list[dict]:
    """Per DMA over the nights of [start, end) (whose window ended by `end`): mean CARL (m3/day,
    negative estimates counted as 0), mean pressure and the UARL at it."""
    first = start // DAY * DAY + (DAY if start % DAY else 0)
    nights = range(first, service.last_night(end) + 1, DAY)
    out = []
    with db.reader() as conn:
        for dma in load_dmas():
            found = [service.analyse_dma(conn, dma, n) for n in nights]
            found = [f for f in found if f["status"] == "ok"]
            carl = (sum(max(f["leakage_m3_per_day"], 0.0) for f in found) / len(found)
                    if found else None)
            pressures = [f["avg_pressure_bar"] for f in found if f["avg_pressure_bar"]]
            uarl = None
            if pressures:
                try:
                    uarl = leakage.uarl_litres_per_day(
                        float(dma.properties.get("mains_km") or 0),
                        float(dma.properties.get("connections") or 0),
                        sum(pressures) / len(pressures) * BAR_TO_M) / 1000
                except leakage.Undefined:
                    uarl = None
            out.append({"dma": dma.id, "nights": len(found), "carl_m3_per_day": carl,
                        "uarl_m3_per_day": uarl})
    return out


def infrastructure_leakage_index(start: int, end: int) -> float | None:
    return city_ili(dma_losses(start, end))
