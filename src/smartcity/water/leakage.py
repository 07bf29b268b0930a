"""Leakage arithmetic of a district metered area (pure: no database, no Flask).

- Minimum night flow (MNF) analysis: at the hour of minimum night flow (typically 02:00-04:00)
  nearly all consumption has stopped, so what flows in beyond the legitimate night use of the
  residents and the non-household users is leakage.
      legitimate (m3/h) = population * active_fraction * per_person_night_use_lph / 1000
                          + non_household_users * non_household_use_lph / 1000
      net night flow (m3/h) = MNF - legitimate
      leakage (m3/day) = net night flow * hour-day factor
- Hour-day factor (HDF) by the FAVAD relation (Fixed And Variable Area Discharges, May 1994;
  Thornton & Lambert, "Progress in practical prediction of pressure: leakage, pressure: burst
  frequency and pressure: consumption relationships", IWA Leakage 2005): leak flow varies as
  pressure^N1, so a day's leakage is the night leak rate times
      HDF = sum over the 24 hours of (P_h / P_night) ** N1   (hours)
  with P_night the pressure at the hour of minimum night flow. N1 = 1.0 (a mix of rigid and
  flexible pipes) is the usual default; 0.5 for fixed-area holes in rigid pipes, up to 1.5 or
  2.5 for flexible (plastic) pipes. A flat profile gives 24; pressure management at night makes
  it smaller than 24 (daytime pressure is lower than at night in gravity systems).
- Infrastructure Leakage Index (IWA, Lambert et al. 1999, "A Review of Performance Indicators for
  Real Losses from Water Supply Systems", AQUA 48(6); Lambert & McKenzie 2002):
      UARL (litres/day) = (18 * Lm + 0.8 * Nc + 25 * Lp) * P
  Lm mains length (km), Nc number of service connections, Lp length of private underground pipe
  between the property boundary and the customer meter (km), P average operating pressure (m).
      ILI = CARL / UARL   (current annual real losses over unavoidable ones, same unit)
  The formula was fitted on systems with Nc > 3000 (or connection density above 20 per km of
  mains) and P > 25 m; outside that range the index is less reliable, so `ili` reports
  `within_iwa_limits` and the reasons instead of refusing.
"""

from dataclasses import dataclass

DEFAULT_ACTIVE_FRACTION = 0.06  # share of residents using water at the night hour
DEFAULT_PER_PERSON_NIGHT_USE_LPH = 10.0  # litres per hour per active person (mostly WC flushes)
DEFAULT_HOUR_DAY_FACTOR = 24.0
DEFAULT_N1 = 1.0
# the IWA validity limits of the UARL formula
IWA_MIN_CONNECTIONS = 3000
IWA_MIN_CONNECTION_DENSITY = 20  # per km of mains
IWA_MIN_PRESSURE_M = 25


class Undefined(ValueError):
    """A quantity is undefined for these inputs; `field` names the input that makes it so."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class NightFlow:
    legitimate_night_flow_m3h: float
    net_night_flow_m3h: float
    leakage_m3_per_day: float


def legitimate_night_flow(population: float, active_fraction: float = DEFAULT_ACTIVE_FRACTION,
                          per_person_night_use_lph: float = DEFAULT_PER_PERSON_NIGHT_USE_LPH,
                          non_household_users: float = 0,
                          non_household_use_lph: float = 0) -> float:
    """Legitimate night use in m3/h: active residents plus non-household users."""
    return (population * active_fraction * per_person_night_use_lph
            + non_household_users * non_household_use_lph) / 1000.0


def night_flow_analysis(min_night_flow_m3h: float, population: float,
                        active_fraction: float = DEFAULT_ACTIVE_FRACTION,
                        per_person_night_use_lph: float = DEFAULT_PER_PERSON_NIGHT_USE_LPH,
                        non_household_users: float = 0, non_household_use_lph: float = 0,
                        hour_day_factor: float = DEFAULT_HOUR_DAY_FACTOR) -> NightFlow:
    """The minimum-night-flow analysis. A net flow below zero is reported as it is (it means the
    assumptions overstate night use), not clipped: the caller sees the inconsistency."""
    legitimate = legitimate_night_flow(population, active_fraction, per_person_night_use_lph,
                                       non_household_users, non_household_use_lph)
    net = min_night_flow_m3h - legitimate
    return NightFlow(legitimate, net, net * hour_day_factor)


def hour_day_factor(pressures: list[float], night_hour: int | None = None,
                    n1: float = DEFAULT_N1) -> float:
    """FAVAD hour-day factor (hours) from 24 hourly average pressures (any one unit).

    night_hour is the hour of minimum night flow (the reference); None takes the hour of the
    highest pressure between 00:00 and 05:00, where minimum night flow falls in a DMA whose
    pressure rises as demand falls.
    """
    if len(pressures) != 24:
        raise Undefined("the pressure profile needs 24 hourly values", "pressures")
    if any(p is None or p < 0 for p in pressures):
        raise Undefined("pressures must be non-negative numbers", "pressures")
    if n1 <= 0:
        raise Undefined("N1 must be positive", "n1")
    if night_hour is None:
        night_hour = max(range(5), key=lambda h: pressures[h])
    if not 0 <= night_hour <= 23:
        raise Undefined("night_hour must be 0-23", "night_hour")
    reference = pressures[night_hour]
    if reference <= 0:
        raise Undefined("the pressure at the night hour must be above zero", "pressures")
    return sum((p / reference) ** n1 for p in pressures)


def uarl_litres_per_day(mains_km: float, service_connections: float, avg_pressure_m: float,
                        private_pipe_km: float = 0.0) -> float:
    """IWA unavoidable annual real losses, as litres per day."""
    if min(mains_km, service_connections, private_pipe_km) < 0:
        raise Undefined("lengths and connections must not be negative", "mains_km")
    if avg_pressure_m <= 0:
        raise Undefined("UARL is undefined at zero pressure", "avg_pressure_m")
    if mains_km <= 0:
        raise Undefined("UARL is undefined without mains", "mains_km")
    if service_connections <= 0:
        raise Undefined("UARL is undefined without service connections", "service_connections")
    return (18.0 * mains_km + 0.8 * service_connections + 25.0 * private_pipe_km) * avg_pressure_m


def iwa_limits(mains_km: float, service_connections: float, avg_pressure_m: float) -> list[str]:
    """Why the UARL formula may be unreliable here (empty: within the IWA's range)."""
    reasons = []
    density = service_connections / mains_km if mains_km > 0 else 0
    if service_connections <= IWA_MIN_CONNECTIONS and density < IWA_MIN_CONNECTION_DENSITY:
        reasons.append(f"service_connections <= {IWA_MIN_CONNECTIONS} and density below "
                       f"{IWA_MIN_CONNECTION_DENSITY} per km of mains")
    if avg_pressure_m <= IWA_MIN_PRESSURE_M:
        reasons.append(f"avg_pressure_m <= {IWA_MIN_PRESSURE_M}")
    return reasons


def ili(carl_m3_per_day: float, mains_km: float, service_connections: float,
        avg_pressure_m: float, private_pipe_km: float = 0.0) -> dict:
    """Infrastructure Leakage Index: CARL (m3/day) over UARL (converted to m3/day)."""
    if carl_m3_per_day < 0:
        raise Undefined("current real losses must not be negative", "carl_m3_per_day")
    uarl = uarl_litres_per_day(mains_km, service_connections, avg_pressure_m,
                               private_pipe_km) / 1000.0
    reasons = iwa_limits(mains_km, service_connections, avg_pressure_m)
    return {"uarl_m3_per_day": uarl, "ili": carl_m3_per_day / uarl,
            "within_iwa_limits": not reasons, "limits": reasons}
