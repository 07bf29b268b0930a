"""Environment domain: air quality (US EPA AQI, EU EAQI), noise, weather, health advice."""
