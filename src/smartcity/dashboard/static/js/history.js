// How far the history backfill has got (GET /api/jobs/progress): pages say "history loading"
// instead of drawing zeros while it runs.
import { api } from "./api.js";

const RUNNING_MS = 5_000;
const IDLE_MS = 60_000;
let state = null;  // {label, percent, finished} of the newest run, or null

/** The run under way, or null when none is. */
export const historyLoading = () => (state && !state.finished ? state : null);

export async function checkHistory() {
  const answer = await api.get("/api/jobs/progress");
  state = answer.items.find((i) => i.name === "history") || null;
  return historyLoading();
}

/** Call listener(run or null) now and whenever the progress moves; polls faster while it runs. */
export function followHistory(listener) {
  let last = "";
  const tick = async () => {
    let run = null;
    try {
      run = await checkHistory();
    } catch { /* try again later */ }
    const key = run ? `${run.percent}` : "none";
    if (key !== last) listener(run);
    last = key;
    setTimeout(tick, run ? RUNNING_MS : IDLE_MS);
  };
  return tick();
}

export const historyText = (run) => `${run.label || "History"} loading: ${Math.floor(run.percent)}%`;
