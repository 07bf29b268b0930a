"""Charts and numbers as an operator reads them: axis labels whole, units everywhere, a lone
point drawn, empty ranges explained, "last updated" tied to the device's own readings (#19)."""

import time

import pytest

from tests.broker import wait_until

MINUTE = 60_000
AXIS = """key => {
  const u = document.querySelector(`.chart[data-key=${key}]`).timeChart.plot;
  const axis = u.axes[1];
  u.ctx.font = axis.font[0];
  return {size: axis._size, labels: axis._values,
          widths: axis._values.map(v => u.ctx.measureText(v).width / devicePixelRatio),
          x: [u.scales.x.min, u.scales.x.max], points: u.series[1].points.show === true
            || (typeof u.series[1].points.show === "function" && u.series[1].points.show(u, 1))};
}"""


@pytest.fixture(scope="module")
def meters(city):
    """An energy meter with a large cumulative total and a vehicle with one reading."""
    city.device("em-1", "energy_meter", "Depot meter", 0.003, 0.002)
    city.device("veh-9", "vehicle", "Truck 9", -0.003, 0.004)
    now = int(time.time() * 1000) // MINUTE * MINUTE
    points = [{"device_id": "em-1", "ts": now - i * MINUTE,
               "values": {"energy": 102_522_247 - i * 150, "power": 1.49 + i % 2 * 0.31}}
              for i in range(1, 40)]
    points.append({"device_id": "veh-9", "ts": now - 10 * MINUTE, "values": {"odometer": 48_210}})
    # an hourly index written two hours ago: nothing to draw in the last hour
    points.append({"device_id": "aq-new", "ts": now - 120 * MINUTE, "values": {"aqi": 42}})
    city.api("POST", "/api/telemetry/batch", json=points)
    return now


def test_y_axis_labels_are_whole_and_fit_the_axis(operator, meters, no_console_errors):
    no_console_errors(operator)
    page = operator.goto("/devices/em-1")
    page.wait_for_selector("#charts[data-range='1h'] .chart[data-key=energy] canvas")
    axis = page.evaluate(AXIS, "energy")
    assert axis["labels"] and all(label.startswith("102,5") for label in axis["labels"]), axis
    assert max(axis["widths"]) + 10 <= axis["size"], axis  # tick + gap + text inside the axis
    assert axis["size"] > 56  # the old fixed width cut "102,522,247" to "22,247"


def test_every_number_carries_its_unit(operator, meters, no_console_errors):
    no_console_errors(operator)
    page = operator.goto("/devices/em-1")
    row = page.locator("#latest tbody tr", has_text="Energy")
    row.wait_for()
    assert row.locator("td.num").inner_text() == "102,522,097 kWh"
    power = page.locator("#latest tbody tr", has_text="Power").first.locator("td.num").inner_text()
    assert power.endswith(" kW") and power.split()[0] in ("1.5", "1.8"), power
    figure = page.locator("figure", has=page.locator(".chart[data-key=energy]"))
    assert "(kWh)" in figure.inner_text()
    page = operator.goto("/devices/aq-1")
    pm25 = page.locator("#latest tbody tr", has_text="PM2.5").locator("td.num")
    pm25.wait_for()
    assert pm25.inner_text().endswith(" µg/m³")


def test_a_lone_point_is_drawn_inside_the_window_asked_for(operator, meters, no_console_errors):
    no_console_errors(operator)
    page = operator.goto("/devices/veh-9")
    page.wait_for_selector("#charts[data-range='1h'] .chart[data-key=odometer][data-points='1']")
    axis = page.evaluate(AXIS, "odometer")
    assert axis["points"] is True  # a dot, since one point makes no line
    lo, hi = axis["x"]
    assert 3500 <= hi - lo <= 3700 and lo * 1000 <= meters - 10 * MINUTE <= hi * 1000
    assert "48,210" in axis["labels"][0] or any("48,2" in v for v in axis["labels"])


def test_an_empty_range_says_why(operator, meters, no_console_errors, screenshot):
    no_console_errors(operator)
    page = operator.goto("/devices/aq-new")
    empty = page.locator("figure", has=page.locator(".chart[data-key=aqi][data-points='0']"))
    empty.locator(".chart-empty").wait_for()
    assert empty.locator(".chart-empty").inner_text() == (
        "No readings in the last hour; US AQI is computed hourly.")
    page.get_by_role("button", name="24 h").click()
    page.wait_for_selector("#charts[data-range='24h'] .chart[data-key=aqi][data-points='1']")
    assert empty.locator(".chart-empty").is_hidden()
    screenshot(page, "device-charts")


def test_an_alarm_shows_its_rule_device_value_with_unit_and_age(operator, city, no_console_errors):
    no_console_errors(operator)
    city.api("POST", "/api/alert-rules", json={
        "name": "Harbour PM10 high", "kind": "threshold", "scope": {"device_id": "aq-2"},
        "key": "pm10", "operator": ">", "value": 100, "severity": "major"})
    page = operator.goto("/alerts")
    page.locator("#alarm-feed .alarm-list").wait_for()
    city.reading("aq-2", {"pm10": 163.4})
    alarm = page.locator("li.alarm", has_text="Harbour PM10 high")
    alarm.locator("a", has_text="Harbour air (aq-2)").wait_for()
    assert "PM10 163.4 µg/m³" in alarm.inner_text()
    assert alarm.locator("time").inner_text() == "just now"
    assert alarm.locator("time").get_attribute("title")  # the absolute time on hover


def test_last_updated_follows_the_devices_own_readings(operator, city, no_console_errors):
    """Another device's alarm used to move "last updated" on every device page."""
    no_console_errors(operator)
    page = operator.goto("/devices/aq-1")
    page.wait_for_selector("#charts[data-range='1h'] .chart[data-key=pm25] canvas")
    page.locator("#device-alarms li").first.wait_for()  # the page has rendered in full
    before = city.api("GET", "/api/alerts?status=active")["items"][0]
    city.reading("aq-2", {"pm10": 170})  # updates the harbour alarm: an `alert` event
    wait_until(lambda: city.api("GET", f"/api/alerts/{before['id']}")["count"] > before["count"])
    ts = int(time.time() * 1000) - 90_000  # a reading sent late: "updated" is its own time
    city.publish("devices/aq-1/telemetry", {"ts": ts, "values": {"o3": 41.5}})
    page.locator("#latest tbody tr", has_text="O₃").wait_for()
    iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts / 1000)) + f".{ts % 1000:03d}Z"
    assert page.get_attribute("#last-updated", "datetime") == iso
