"""What the indices mean for people: categories, colours, health advice, sensitive groups.

EPA: category names and index ranges from the TAD (EPA-454/B-24-002, May 2024) Table 1, colours
from its Table 2 (RGB 0/228/0, 255/255/0, 255/126/0, 255/0/0, 143/63/151, 126/0/35), sensitive
groups after its Table 4 and advice after its Table 5 — in our own words, not quoted.
EAQI: level names and colours of the EEA European Air Quality Index viewer; advice after the
EEA's health messages for the general and the sensitive population, in our own words.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    name: str
    low: int
    high: int
    color: str
    advice: str


EPA_CATEGORIES = (
    Category("Good", 0, 50, "#00E400",
             "Air quality is satisfactory and poses little or no risk. Enjoy being outdoors."),
    Category("Moderate", 51, 100, "#FFFF00",
             "Air quality is acceptable. People who are unusually sensitive to this pollutant "
             "should consider making long or intense outdoor activities shorter or lighter."),
    Category("Unhealthy for Sensitive Groups", 101, 150, "#FF7E00",
             "Sensitive groups should make long or intense outdoor activities shorter or "
             "lighter and take more breaks. Most other people are unlikely to be affected."),
    Category("Unhealthy", 151, 200, "#FF0000",
             "Sensitive groups should avoid long or intense outdoor activities; everyone else "
             "should make them shorter or lighter, or move them indoors."),
    Category("Very Unhealthy", 201, 300, "#8F3F97",
             "Sensitive groups should avoid all physical activity outdoors; everyone else should "
             "avoid long or intense outdoor activities."),
    Category("Hazardous", 301, 500, "#7E0023",
             "Health warning of emergency conditions: everyone should avoid all physical "
             "activity outdoors, and sensitive groups should stay indoors and keep activity "
             "levels low."),
)
EPA_CATEGORY_NAMES = tuple(c.name for c in EPA_CATEGORIES)

# Who is at greater risk from each pollutant (reported with any index above 100).
SENSITIVE_GROUPS = {
    "pm": ["people with heart or lung disease", "older adults", "children and teenagers",
           "people who are pregnant", "people of low socioeconomic status"],
    "o3": ["people with lung disease such as asthma", "children and older adults",
           "people who are active outdoors, including outdoor workers"],
    "co": ["people with heart disease"],
    "so2": ["people with asthma", "children and older adults"],
    "no2": ["people with asthma", "children and older adults"],
}
POLLUTANT_GROUP = {"pm25": "pm", "pm10": "pm", "o3_8h": "o3", "o3_1h": "o3", "o3": "o3",
                   "co": "co", "so2": "so2", "no2": "no2"}


def epa_category(aqi: int) -> Category:
    """The category an index value falls in (values above 500 are Hazardous)."""
    for category in EPA_CATEGORIES:
        if aqi <= category.high:
            return category
    return EPA_CATEGORIES[-1]


def sensitive_groups(pollutant: str) -> list[str]:
    return list(SENSITIVE_GROUPS[POLLUTANT_GROUP[pollutant]])


@dataclass(frozen=True)
class Level:
    level: int
    name: str
    color: str
    general: str
    sensitive: str


EAQI_LEVELS = (
    Level(1, "Good", "#50F0E6", "Air quality is good: enjoy your usual outdoor activities.",
          "Air quality is good: enjoy your usual outdoor activities."),
    Level(2, "Fair", "#50CCAA", "Enjoy your usual outdoor activities.",
          "Enjoy your usual outdoor activities."),
    Level(3, "Moderate", "#F0E641", "Enjoy your usual outdoor activities.",
          "If you notice symptoms, consider making intense outdoor activities lighter."),
    Level(4, "Poor", "#FF5050",
          "If you notice symptoms such as sore eyes, a cough or a sore throat, consider making "
          "intense outdoor activities lighter.",
          "Consider reducing physical activity, above all outdoors and if you notice symptoms."),
    Level(5, "Very poor", "#960032", "Consider reducing physical activity outdoors.",
          "Reduce physical activity, above all outdoors and if you notice symptoms."),
    Level(6, "Extremely poor", "#7D2181", "Reduce physical activity outdoors.",
          "Avoid physical activity outdoors."),
)
EAQI_LEVEL_NAMES = tuple(level.name for level in EAQI_LEVELS)
