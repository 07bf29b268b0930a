"""The profile, reset-password and notification-log pages in a real browser (Debian's chromium
through Playwright) on the kit's live city: preferences saved and read back, a session ended, a
password changed, a reset link used, the delivery log of a real alarm; axe in both themes.

Screenshots: docs/screenshots/profile*.png, reset-password.png, notification-log*.png.
"""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import insert, select

from smartcity.auth.models import PasswordResetToken, User
from smartcity.database import make_engine
from smartcity.notifications.models import NotificationDelivery
from tests.broker import wait_until
from tests.browser import PASSWORD, shoot

DESKTOP = {"width": 1440, "height": 900}
TABLET = {"width": 820, "height": 1180}


def test_profile_saves_notification_preferences_and_ends_another_session(
        new_session, city, no_console_errors, axe_in_both_themes):
    other = new_session("ui-viewer")  # a second sign-in of the same person, to end from here
    session = new_session("ui-viewer", viewport=DESKTOP)
    no_console_errors(session)
    page = session.goto("/profile")
    page.locator("#prefs-form").wait_for()
    page.get_by_role("cell", name="this session").wait_for()
    assert page.locator("#who").get_attribute("href") == "/profile"
    assert page.locator("#prefs-status").inner_text() == "Off: you get no alarm notifications."
    # Channels the server cannot use are offered disabled, with the reason beside them.
    assert page.locator("#channels-sms").is_disabled()
    assert page.locator("#channels-sms-why").inner_text() == "SMS is not configured on this server"
    assert page.locator("#push-state").inner_text() == (
        "Push notifications are not configured on this server (VAPID key).")

    page.get_by_label("Send me alarm notifications").check()
    page.get_by_label("Chat webhook", exact=True).check()
    page.get_by_label("Chat webhook URL").fill("http://127.0.0.1:9/hook")
    before = len(session.errors)
    page.get_by_role("button", name="Save notification settings").click()
    page.get_by_text("chat_url: 127.0.0.1 resolves to 127.0.0.1").first.wait_for()  # egress guard

    page.get_by_label("Chat webhook URL").fill("https://chat.invalid/hooks/T000/B000")
    page.get_by_label("Chat style").select_option("teams")
    page.get_by_label("Minimum severity").select_option("critical")
    page.get_by_label("water").check()
    page.get_by_label("Quiet hours from").fill("22:00")
    page.get_by_label("Quiet hours until").fill("06:30")
    page.get_by_label("Time zone").select_option("America/New_York")
    page.get_by_label("Delivery").select_option("daily")
    page.get_by_label("Daily digest at").fill("07:15")
    page.get_by_role("button", name="Save notification settings").click()
    page.get_by_text("On: chat, critical and above.").wait_for()
    # The browser logged the refused save (a 400) to the console: that is the guard working.
    session.errors[before:] = [e for e in session.errors[before:] if "status of 400" not in e]

    viewer = city.login("ui-viewer")
    saved = requests.get(f"{city.url}/api/users/me/notifications", timeout=10,
                         headers={"Authorization": f"Bearer {viewer}"}).json()
    assert {k: saved[k] for k in ("enabled", "channels", "min_severity", "domains", "quiet_start",
                                  "quiet_end", "timezone", "digest", "daily_at", "chat_url",
                                  "chat_style")} == {
        "enabled": True, "channels": ["chat"], "min_severity": "critical", "domains": ["water"],
        "quiet_start": "22:00", "quiet_end": "06:30", "timezone": "America/New_York",
        "digest": "daily", "daily_at": "07:15",
        "chat_url": "https://chat.invalid/hooks/T000/B000", "chat_style": "teams"}

    page.reload()
    page.locator("#prefs-form").wait_for()
    assert page.get_by_label("Time zone").input_value() == "America/New_York"
    assert page.get_by_label("water").is_checked()
    shoot(page, "profile", full_page=True)
    assert axe_in_both_themes(page) == {}

    rows = page.locator("#profile-root table").first.locator("tbody tr")
    before = rows.count()
    assert before >= 3  # this one, the other browser, the API sign-in above
    page.get_by_role("button", name="End the session of").first.click()
    page.get_by_text("Session ended").wait_for()
    wait_until(lambda: rows.count() == before - 1, timeout=10)
    page.evaluate("document.documentElement.dataset.theme = 'dark'")
    shoot(page, "profile-dark", full_page=True)
    other.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_profile_on_a_tablet(new_session, no_console_errors, theme):
    session = new_session("ui-operator", viewport=TABLET, has_touch=True, is_mobile=True,
                          color_scheme=theme)
    no_console_errors(session)
    page = session.goto("/profile")
    page.locator("#prefs-form").wait_for()
    page.get_by_role("cell", name="this session").wait_for()
    overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
    assert overflow <= 1
    shoot(page, f"profile-tablet-{theme}", full_page=True)


def test_a_password_change_keeps_this_tab_signed_in(new_session, city, no_console_errors):
    session = new_session("ui-operator", viewport=DESKTOP)
    no_console_errors(session)
    page = session.goto("/profile")
    page.locator("#password-form").wait_for()
    new = "lantern-orchid-quarry-41"
    for current, chosen in ((PASSWORD, new), (new, PASSWORD)):  # and back, for the next tests
        page.get_by_label("Current password").fill(current)
        page.get_by_label("New password", exact=True).fill(chosen)
        page.get_by_label("New password again").fill(chosen)
        page.get_by_role("button", name="Change password").click()
        page.get_by_text("Password changed; your other sessions have ended.").wait_for()
        page.get_by_text("Password changed; your other sessions have ended.").wait_for(
            state="detached")
    page.reload()
    page.locator("#password-form").wait_for()  # still signed in: the fresh pair was kept
    before = len(session.errors)
    page.get_by_label("Current password").fill("wrong-password-123")
    page.get_by_label("New password", exact=True).fill("weak")
    page.get_by_label("New password again").fill("weak")
    page.get_by_role("button", name="Change password").click()
    page.locator(".toast").filter(has_text="password").first.wait_for()
    # The refused change (a 400) is logged by the browser: expected here, nothing else is.
    wait_until(lambda: len(session.errors) > before, timeout=10)
    session.errors[before:] = [e for e in session.errors[before:] if "status of 400" not in e]


def _reset_token(database_url: str, username: str) -> str:
    """A reset token as the e-mail would carry it (the live server has no SMTP)."""
    token = secrets.token_urlsafe(32)
    engine = make_engine(database_url)
    with engine.begin() as conn:
        user_id = conn.scalar(select(User.id).where(User.username == username))
        now = datetime.now(UTC)
        conn.execute(insert(PasswordResetToken).values(
            user_id=user_id, token_hash=hashlib.sha256(token.encode()).hexdigest(),
            created_at=now, expires_at=now + timedelta(minutes=30)))
    engine.dispose()
    return token


def test_the_reset_link_opens_the_page_that_sets_the_password(chromium, city, database_url,
                                                              axe_in_both_themes):
    city.api("POST", "/api/users", json={"username": "ui-resetter", "email": "r@city.test",
                                         "password": PASSWORD, "role": "viewer"})
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{city.url}/login")
        page.get_by_role("link", name="Forgot your password?").click()
        page.get_by_label("E-mail").fill("nobody@city.test")
        page.get_by_role("button", name="Send the link").click()
        page.get_by_text("If an account has this address, the link is on its way.").wait_for()

        token = _reset_token(database_url, "ui-resetter")
        page.goto(f"{city.url}/reset-password#token={token}")
        page.get_by_label("New password", exact=True).wait_for()
        assert page.url == f"{city.url}/reset-password"  # the token left the address bar
        page.get_by_label("New password", exact=True).fill("password")
        page.get_by_label("New password again").fill("password")
        page.get_by_role("button", name="Set the new password").click()
        page.locator("#reset-error").wait_for()
        assert "common" in page.locator("#reset-error").inner_text() or \
            "guess" in page.locator("#reset-error").inner_text()
        shoot(page, "reset-password")
        assert axe_in_both_themes(page) == {}
        page.evaluate("document.documentElement.dataset.theme = 'light'")
        page.get_by_label("New password", exact=True).fill("velvet-harbour-compass-88")
        page.get_by_label("New password again").fill("velvet-harbour-compass-88")
        page.get_by_role("button", name="Set the new password").click()
        page.get_by_text("Your password is set.").wait_for()

        page.goto(f"{city.url}/reset-password#token={token}")  # the link works once
        page.get_by_label("New password", exact=True).fill("another-quiet-meadow-12")
        page.get_by_label("New password again").fill("another-quiet-meadow-12")
        page.get_by_role("button", name="Set the new password").click()
        page.get_by_text("This link has expired or was used already.").wait_for()
        assert page.locator("#forgot-form").is_visible()
    finally:
        context.close()
    assert errors == []
    assert requests.post(f"{city.url}/api/auth/login", timeout=10, json={
        "username": "ui-resetter", "password": "velvet-harbour-compass-88"}).status_code == 200


def test_the_notification_log_shows_a_real_alarms_deliveries(admin, new_session, city,
                                                             database_url, no_console_errors,
                                                             axe_in_both_themes):
    token = city.login("ui-admin")
    response = requests.put(f"{city.url}/api/users/me/notifications", timeout=10,
                            headers={"Authorization": f"Bearer {token}"},
                            json={"channels": ["chat"], "min_severity": "major",
                                  "chat_url": "https://chat.invalid/hooks/admin"})
    assert response.status_code == 200, response.text
    city.reading("aq-2", {"pm25": 190})  # over the kit's critical rule
    engine = make_engine(database_url)
    try:
        def attempted():
            with engine.connect() as conn:
                return conn.scalar(select(NotificationDelivery.id).where(
                    NotificationDelivery.channel == "chat",
                    NotificationDelivery.attempts > 0))
        wait_until(attempted, timeout=30)
        with engine.begin() as conn:  # and one that gave up earlier, to retry from the page
            conn.execute(insert(NotificationDelivery).values(
                channel="webhook", target="https://hooks.invalid/ops", action="created",
                status="failed", attempts=6, last_error="HTTP 503: busy", last_status_code=503,
                payload={"event": "alarm.created", "alarm": {"id": 999}}, alarm_id=999,
                rule_id=1, created_at=datetime.now(UTC)))
    finally:
        engine.dispose()

    no_console_errors(admin)
    page = admin.goto("/admin/notifications")
    page.locator("#admin-root tbody tr").first.wait_for()
    row = page.locator("#admin-root tbody tr").filter(has_text="chat.invalid")
    assert "user #" in row.inner_text() and "alarm.created" in row.inner_text()
    assert "ConnectionError" in row.inner_text() and "chat" in row.inner_text()
    page.get_by_label("Status").select_option("failed")
    page.get_by_role("button", name="Filter").click()
    page.get_by_text("1 delivery shown.").wait_for()
    shoot(page, "notification-log")
    assert axe_in_both_themes(page) == {}
    page.get_by_role("button", name="Retry delivery").click()
    page.get_by_text("queued again").wait_for()
    page.get_by_text("0 deliveries shown.").wait_for()

    tablet = new_session("ui-admin", viewport=TABLET, has_touch=True, is_mobile=True,
                         color_scheme="dark")
    no_console_errors(tablet)
    tab = tablet.goto("/admin/notifications")
    tab.locator("#admin-root tbody tr").first.wait_for()
    overflow = tab.evaluate("""() => [...document.querySelectorAll('.table-wrap')]
        .map(w => w.scrollWidth - w.clientWidth)""")
    assert max(overflow) <= 1, overflow
    shoot(tab, "notification-log-tablet-dark")


# -- push opt-in, end to end ---------------------------------------------------------------------

# The browser's push service is the one outside party: PushManager.subscribe is replaced by a
# stand-in that returns a subscription to the local fake push service, with keys the test holds.
# Everything else is real: the service worker registration, the page, the API, the alarm, the
# dispatcher, pywebpush's encryption and VAPID signature, which the fake service checks.
FAKE_PUSH = """([endpoint, p256dh, auth]) => {
  const subscription = {
    endpoint, expirationTime: null,
    toJSON: () => ({ endpoint, expirationTime: null, keys: { p256dh, auth } }),
    unsubscribe: async () => { window.__subscription = null; return true; },
  };
  PushManager.prototype.subscribe = async function (options) {
    window.__serverKey = btoa(String.fromCharCode(...new Uint8Array(options.applicationServerKey)))
      .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
    window.__subscription = subscription;
    return subscription;
  };
  PushManager.prototype.getSubscription = async () => window.__subscription || null;
}"""


@pytest.fixture(scope="module")
def push_service():
    from tests.webhook import Receiver

    service = Receiver()
    service.thread.start()
    yield service
    service.server.shutdown()
    service.server.server_close()


@pytest.fixture(scope="module")
def push_city(city, database_url, tmp_path_factory):
    """A second server on the kit's database, with a VAPID key and the local receivers allowed."""
    from smartcity.notifications import push
    from tests.browser import serve

    key = push.new_private_key()
    with serve(database_url, tmp_path_factory.mktemp("push-server"), settings={
            "VAPID_PRIVATE_KEY": key, "VAPID_SUBJECT": "mailto:ops@city.test",
            "WEBHOOK_ALLOWED_TARGETS": "127.0.0.1/32"}) as live:
        live.public_key = push.public_key({"VAPID_PRIVATE_KEY": key})
        yield live


def test_push_opt_in_subscribes_the_browser_and_an_alarm_arrives_encrypted(
        chromium, push_city, push_service, no_console_errors):
    from tests.browser import Session
    from tests.notifications.test_channels import Browser

    browser = Browser(push_service.url.replace("/hook", "/push/ui-operator"))
    keys = browser.subscription["keys"]
    session = Session(chromium, push_city, "ui-operator", viewport=DESKTOP,
                      permissions=["notifications"])
    try:
        no_console_errors(session)
        session.context.add_init_script(
            f"({FAKE_PUSH})({[browser.subscription['endpoint'], keys['p256dh'], keys['auth']]})")
        session.sign_in()
        page = session.goto("/profile")
        page.get_by_role("button", name="Turn on push on this browser").click()
        page.get_by_role("button", name="Turn off push on this browser").wait_for()
        assert page.evaluate("window.__serverKey") == push_city.public_key
        assert page.evaluate("navigator.serviceWorker.getRegistration('/static/js/sw.js')"
                             ".then(r => Boolean(r && (r.active || r.installing || r.waiting)))")

        page.get_by_label("Send me alarm notifications").check()
        page.get_by_label("Push on this browser").check()
        page.get_by_role("button", name="Save notification settings").click()
        page.get_by_text("On: push, major and above.").wait_for()

        device = push_city.api("POST", "/api/devices", json={
            "id": "aq-push", "type": "air_quality_station", "name": "Push test station"})
        push_city.api("POST", "/api/alert-rules", json={
            "name": "PM2.5 push test", "kind": "threshold", "scope": {"device_id": "aq-push"},
            "key": "pm25", "operator": ">", "value": 50, "severity": "critical"})
        answer = requests.post(f"{push_city.url}/api/telemetry", timeout=10,
                               headers={"X-API-Key": device["api_key"]},
                               json={"values": {"pm25": 95}})
        assert answer.status_code == 201, answer.text
        [request] = push_service.wait_for(1, timeout=30)
        assert request["path"] == "/push/ui-operator"
        assert request["headers"]["authorization"].startswith("vapid t=")
        message = browser.decrypt(request["body"])
        assert message["title"] == ("smartcity: Alarm raised: CRITICAL pm2_5_push_test on device "
                                    "aq-push (value 95.0)")
        assert message["url"].startswith("/alerts?alarm=")

        page.get_by_role("button", name="Turn off push on this browser").click()
        page.get_by_role("button", name="Turn on push on this browser").wait_for()
        assert push_city.api("GET", "/api/users/me/push-subscriptions")["items"] == []  # admin's
    finally:
        session.close()
