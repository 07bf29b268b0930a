"""Energy domain: grid load, consumption, renewables, carbon, tariffs, forecasts, load balancing."""
