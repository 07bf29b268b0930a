"""US EPA AQI (TAD EPA-454/B-24-002, May 2024), EAQI (2024 bands) and NowCast, checked against
the documents' tables and worked examples derived by hand from them."""

from decimal import Decimal
from fractions import Fraction

import pytest

from smartcity.environment import aqi
from smartcity.environment.advice import EPA_CATEGORIES, epa_category

# Table 6 of the 2024 TAD, written out again here (not derived from the code under test).
TABLE_2024 = {
    "pm25": [("0.0", "9.0"), ("9.1", "35.4"), ("35.5", "55.4"), ("55.5", "125.4"),
             ("125.5", "225.4"), ("225.5", "325.4")],
    "pm10": [("0", "54"), ("55", "154"), ("155", "254"), ("255", "354"), ("355", "424"),
             ("425", "604")],
    "o3_8h": [("0.000", "0.054"), ("0.055", "0.070"), ("0.071", "0.085"), ("0.086", "0.105"),
              ("0.106", "0.200")],
    "o3_1h": [None, None, ("0.125", "0.164"), ("0.165", "0.204"), ("0.205", "0.404"),
              ("0.405", "0.604")],
    "co": [("0.0", "4.4"), ("4.5", "9.4"), ("9.5", "12.4"), ("12.5", "15.4"), ("15.5", "30.4"),
           ("30.5", "50.4")],
    "so2": [("0", "35"), ("36", "75"), ("76", "185"), ("186", "304"), ("305", "604"),
            ("605", "1004")],
    "no2": [("0", "53"), ("54", "100"), ("101", "360"), ("361", "649"), ("650", "1249"),
            ("1250", "2049")],
}
INDEX = [(0, 50), (51, 100), (101, 150), (151, 200), (201, 300), (301, 500)]
STEP = {"pm25": "0.1", "pm10": "1", "o3_8h": "0.001", "o3_1h": "0.001", "co": "0.1",
        "so2": "1", "no2": "1"}
EDGES = [(p, i, lo, hi) for p, rows in TABLE_2024.items() for i, row in enumerate(rows)
         if row for lo, hi in [row]]


@pytest.mark.parametrize(("pollutant", "row", "lo", "hi"), EDGES)
def test_every_breakpoint_maps_to_the_ends_of_its_index_range(pollutant, row, lo, hi):
    assert aqi.sub_index(pollutant, lo).value == INDEX[row][0]
    assert aqi.sub_index(pollutant, hi).value == INDEX[row][1]


@pytest.mark.parametrize(("pollutant", "row", "lo", "hi"), EDGES)
def test_one_step_above_a_row_is_the_next_row(pollutant, row, lo, hi):
    above = Decimal(hi) + Decimal(STEP[pollutant])
    result = aqi.sub_index(pollutant, above)
    if row + 1 < len(TABLE_2024[pollutant]):
        assert result.value == INDEX[row + 1][0] and not result.beyond
    else:
        assert result.beyond


def test_the_2024_pm25_breakpoints_replace_the_2018_ones():
    # 12.0: 49/26.3·2.9+51 = 56.40 -> 56 (50 under the 2018 table)
    assert aqi.sub_index("pm25", "12.0").value == 56
    # 150.4: 99/99.9·24.9+201 = 225.68 -> 226 (200 under the 2018 table)
    assert aqi.sub_index("pm25", "150.4").value == 226
    assert aqi.sub_index("pm25", "325.4").value == 500  # was 400 (one Hazardous row now)


# Worked examples. PM2.5 35.9 µg/m³ (24 h): row 35.5-55.4 -> 101-150,
# (150-101)/(55.4-35.5)·(35.9-35.5)+101 = 49/19.9·0.4+101 = 101.98 -> 102.
# O3 0.07853 ppm (8 h) truncates to 0.078: 49/0.014·0.007+101 = 125.5 -> 126.
# PM10 155 µg/m³: first value of the USG row -> 101. CO 6.3 ppm: 49/4.9·1.8+51 = 69.
# NO2 2.5 ppb truncates to 2: 50/53·2 = 1.89 -> 2. SO2 140 ppb: 49/109·64+101 = 129.77 -> 130.
# PM2.5 12.3: 49/26.3·3.2+51 = 56.96 -> 57. O3 0.150 ppm (1 h): 49/0.039·0.025+101 = 132.41.
@pytest.mark.parametrize(("pollutant", "concentration", "expected"), [
    ("pm25", "35.9", 102), ("o3_8h", "0.07853", 126), ("pm10", "155", 101), ("co", "6.3", 69),
    ("no2", "2.5", 2), ("so2", "140", 130), ("pm25", "12.3", 57), ("o3_1h", "0.150", 132),
])
def test_worked_examples(pollutant, concentration, expected):
    assert aqi.sub_index(pollutant, concentration).value == expected


@pytest.mark.parametrize(("pollutant", "concentration", "truncated", "expected"), [
    ("pm25", "9.09", "9.0", 50),  # rounding would give 9.1 -> 51
    ("pm25", "35.49", "35.4", 100),
    ("pm10", "54.9", "54", 50),
    ("o3_8h", "0.0549", "0.054", 50),
    ("o3_8h", "0.0709", "0.070", 100),
    ("co", "4.49", "4.4", 50),
    ("so2", "35.99", "35", 50),
    ("no2", "53.99", "53", 50),
    ("no2", "100.7", "100", 100),
])
def test_concentrations_are_truncated_never_rounded(pollutant, concentration, truncated,
                                                    expected):
    result = aqi.sub_index(pollutant, concentration)
    assert result.concentration == Decimal(truncated)
    assert result.value == expected


def test_truncation_is_exact_for_binary_floats():
    assert aqi.truncate(0.29, 2) == Decimal("0.29")  # 0.29 * 100 is 28.999999999999996
    assert aqi.truncate(1.3, 1) == Decimal("1.3")


def test_an_index_exactly_half_way_rounds_up():
    # CO 1.1 ppm: 50/4.4 · 1.1 = 12.5 exactly; Python's round() would give 12.
    assert aqi.interpolate(Decimal("1.1"), Decimal("0.0"), Decimal("4.4"), 0, 50) == 13
    assert aqi.sub_index("co", "1.1").value == 13
    assert aqi.round_half_up(Fraction(25, 2)) == 13 and aqi.round_half_up(Fraction(49, 4)) == 12


def test_the_aqi_is_the_highest_sub_index_and_names_its_pollutant():
    result = aqi.epa_aqi({"pm25": "35.9", "no2": "100", "o3_8h": "0.060"})
    assert result["aqi"] == 102 and result["dominant_pollutant"] == "pm25"
    assert result["sub_indices"] == {"pm25": 102, "o3_8h": 67, "no2": 100}
    assert result["category"] == "Unhealthy for Sensitive Groups"
    assert result["color"] == "#FF7E00"
    assert "people with heart or lung disease" in result["sensitive_groups"]


def test_a_tie_goes_to_the_first_pollutant_of_the_table():
    result = aqi.epa_aqi({"pm10": "54", "pm25": "9.0"})
    assert result["aqi"] == 50 and result["dominant_pollutant"] == "pm25"


def test_ozone_reports_the_higher_of_its_8_hour_and_1_hour_index():
    result = aqi.epa_aqi({"o3_8h": "0.078", "o3_1h": "0.150"})
    assert result["sub_indices"] == {"o3_8h": 126, "o3_1h": 132}
    assert result["aqi"] == 132 and result["dominant_pollutant"] == "o3_1h"
    # 8 h 0.090: 49/0.019·0.004+151 = 161.3 -> 161, above the 1-hour 132
    assert aqi.epa_aqi({"o3_8h": "0.090", "o3_1h": "0.150"})["aqi"] == 161


def test_1_hour_ozone_below_0_125_ppm_defines_no_index():
    with pytest.raises(aqi.NoIndex):
        aqi.sub_index("o3_1h", "0.124")
    result = aqi.epa_aqi({"o3_8h": "0.050", "o3_1h": "0.100"})
    assert result["sub_indices"] == {"o3_8h": 46} and result["notes"]
    assert aqi.epa_aqi({"o3_1h": "0.100"}) is None


def test_8_hour_ozone_above_0_200_ppm_needs_the_1_hour_value():
    alone = aqi.epa_aqi({"o3_8h": "0.201"})
    assert alone["aqi"] == 301 and alone["beyond_index"] and alone["category"] == "Hazardous"
    both = aqi.epa_aqi({"o3_8h": "0.250", "o3_1h": "0.450"})
    # 1 h: (500-301)/(0.604-0.405)·(0.450-0.405)+301 = 346
    assert both["sub_indices"]["o3_1h"] == 346 and both["aqi"] == 346


def test_above_the_top_breakpoint_is_hazardous_beyond_the_index():
    for pollutant, over in [("pm25", "325.5"), ("pm10", "605"), ("co", "50.5"), ("so2", "1005"),
                            ("no2", "2050"), ("o3_1h", "0.605")]:
        result = aqi.epa_aqi({pollutant: over})
        assert result["aqi"] == 500 and result["beyond_index"], pollutant
        assert result["category"] == "Hazardous"
    assert not aqi.epa_aqi({"pm25": "325.4"})["beyond_index"]


def test_so2_from_305_ppb_uses_the_24_hour_mean_at_stations():
    assert aqi.so2_index(200).value == 157  # row 186-304: 49/118·14+151 = 156.81
    assert aqi.so2_index(400).value == 232  # no 24-hour mean: the 1-hour value on 305-604
    assert aqi.so2_index(400, 250).value == 200  # 24-hour mean below 305: 200
    assert aqi.so2_index(400, 320).value == 206  # 99/299·15+201 = 205.97
    assert aqi.so2_index(304, 600).value == 200  # 1-hour below 305: the 24-hour mean is unused


def test_the_calculator_notes_when_1_hour_so2_is_read_on_the_24_hour_rows():
    result = aqi.epa_aqi({"so2": "400"})
    assert result["aqi"] == 232 and "24-hour" in result["notes"][0]


def test_categories_cover_0_to_500_without_gaps():
    assert [(c.low, c.high) for c in EPA_CATEGORIES] == INDEX
    assert [epa_category(v).name for v in (0, 50, 51, 100, 101, 150, 151, 200, 201, 300, 301,
                                           500)] == [c.name for c in EPA_CATEGORIES
                                                     for _ in (0, 1)]


# -- EAQI ----------------------------------------------------------------------------------------

BANDS_2024 = {"pm25": [5, 15, 50, 90, 140], "pm10": [15, 45, 120, 195, 270],
              "no2": [10, 25, 60, 100, 150], "o3": [60, 100, 120, 160, 180],
              "so2": [20, 40, 125, 190, 275]}


@pytest.mark.parametrize("pollutant", sorted(BANDS_2024))
def test_eaqi_bands_include_their_upper_bound(pollutant):
    assert aqi.eaqi_level(pollutant, 0) == 1
    for level, upper in enumerate(BANDS_2024[pollutant], start=1):
        assert aqi.eaqi_level(pollutant, upper) == level
        assert aqi.eaqi_level(pollutant, upper + 0.01) == level + 1
    assert aqi.eaqi_level(pollutant, 5000) == 6


def test_eaqi_is_the_worst_level_with_its_name():
    result = aqi.eaqi({"pm25": 12, "no2": 70, "o3": 110})
    assert result["sub_levels"] == {"pm25": 2, "no2": 4, "o3": 3}
    assert (result["level"], result["category"], result["dominant_pollutant"]) == (4, "Poor",
                                                                                  "no2")
    names = [aqi.eaqi({"pm25": v})["category"] for v in (1, 10, 20, 60, 100, 200)]
    assert names == ["Good", "Fair", "Moderate", "Poor", "Very poor", "Extremely poor"]


# -- NowCast -------------------------------------------------------------------------------------

def test_nowcast_weights_recent_hours_more_when_concentrations_change():
    # c = 40, 20, 20, 20: w* = 20/40 = 0.5, so w = 0.5;
    # (40 + 0.5·20 + 0.25·20 + 0.125·20) / (1 + 0.5 + 0.25 + 0.125) = 57.5 / 1.875 = 30.667
    assert aqi.nowcast([40, 20, 20, 20]) == pytest.approx(30.6667, abs=1e-4)
    # truncated to 30.6: 49/26.3·21.5+51 = 91.06 -> 91
    assert aqi.sub_index("pm25", aqi.nowcast([40, 20, 20, 20])).value == 91


def test_nowcast_weight_is_min_over_max_when_above_one_half():
    hours = [12, 10, 11, 9, 10, 12, 11, 10, 9, 10, 11, 12]  # w = 9/12 = 0.75
    w = Fraction(3, 4)
    expected = sum(w ** i * c for i, c in enumerate(hours)) / sum(w ** i for i in range(12))
    assert aqi.nowcast(hours) == pytest.approx(float(expected))
    assert aqi.nowcast(hours) == pytest.approx(10.7316, abs=1e-4)


def test_nowcast_weight_never_drops_below_one_half():
    # min/max = 5/100 would be 0.05; the PM floor makes it 0.5
    assert aqi.nowcast([100, 5]) == pytest.approx((100 + 0.5 * 5) / 1.5)


def test_nowcast_keeps_the_position_of_missing_hours():
    # c1 = 30, c2 missing, c3 = 20: w = 2/3, (30 + (2/3)²·20) / (1 + (2/3)²) = 26.923
    assert aqi.nowcast([30, None, 20]) == pytest.approx(26.9231, abs=1e-4)


def test_nowcast_needs_two_of_the_three_most_recent_hours():
    assert aqi.nowcast([None, None, 20, 20, 20]) is None
    assert aqi.nowcast([None, 30, None, 20]) is None
    assert aqi.nowcast([30, 20]) is not None
    assert aqi.nowcast([]) is None


def test_nowcast_uses_only_the_last_12_hours():
    assert aqi.nowcast([10] * 12 + [1000] * 12) == 10
