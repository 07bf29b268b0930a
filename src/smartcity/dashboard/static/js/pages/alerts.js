// Alerts: live feed with filters, acknowledge and clear, optional sound and desktop notification
// for critical alarms (both off until the operator turns them on; the choice is remembered).
import { $ } from "../dom.js";
import { AlarmList } from "../components/alarms.js";
import { startPage } from "../shell.js";

const SOUND_KEY = "smartcity.alerts.sound";
const DESKTOP_KEY = "smartcity.alerts.desktop";
let audio = null;

function beep() {
  audio = audio || new AudioContext();
  const osc = audio.createOscillator();
  const gain = audio.createGain();
  osc.frequency.value = 880;
  gain.gain.setValueAtTime(0.2, audio.currentTime);
  gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.6);
  osc.connect(gain).connect(audio.destination);
  osc.start();
  osc.stop(audio.currentTime + 0.6);
}

function notifyCritical(action, alarm) {
  if (action !== "created" || alarm.severity !== "critical") return;
  if ($("#opt-sound").checked) beep();
  if ($("#opt-desktop").checked && "Notification" in window && Notification.permission === "granted") {
    new Notification(`Critical: ${alarm.type.replaceAll("_", " ")}`, {
      body: `${alarm.originator_type} ${alarm.originator_id}`, tag: `alarm-${alarm.id}` });
  }
}

function setupOptions() {
  const sound = $("#opt-sound");
  const desktop = $("#opt-desktop");
  sound.checked = localStorage.getItem(SOUND_KEY) === "1";
  desktop.checked = localStorage.getItem(DESKTOP_KEY) === "1";
  sound.addEventListener("change", () => localStorage.setItem(SOUND_KEY, sound.checked ? "1" : "0"));
  desktop.addEventListener("change", async () => {
    if (desktop.checked && "Notification" in window && Notification.permission !== "granted") {
      desktop.checked = (await Notification.requestPermission()) === "granted";
    }
    localStorage.setItem(DESKTOP_KEY, desktop.checked ? "1" : "0");
  });
}

function filtersFromForm(form) {
  return Object.fromEntries([...new FormData(form).entries()].map(([k, v]) => [k, v.trim()]));
}

async function render() {
  setupOptions();
  const form = $("#alert-filters");
  const params = new URLSearchParams(location.search);
  for (const [key, value] of params) if (form.elements[key]) form.elements[key].value = value;
  const feed = new AlarmList($("#alarm-feed"), { filters: filtersFromForm(form), limit: 100, onAlarm: notifyCritical });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    feed.load(filtersFromForm(form));
  });
  await feed.load();
}

startPage(render);
