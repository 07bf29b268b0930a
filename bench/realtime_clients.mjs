// Socket.IO measuring clients for bench/realtime.py (`--client-kind node`, the default).
//
// The reference JavaScript client (socket.io-client, the library the dashboard loads in the
// browser) decodes frames with the engine's native JSON.parse, so K clients in one Node process
// cost a fraction of what python-socketio clients cost: the measurement no longer competes with
// the server for the machine's 2 cores.
//
// Protocol with the parent (one JSON spec as argv[2]; lines on stdout, logs on stderr):
//   -> "ready"                   every client logged in, connected and joined every room
//   -> "progress <n>"            distinct readings received so far, every 250 ms
//   <- "stop" on stdin           disconnect and report
//   -> "result <json>"           the same fields as realtime.py's Python clients report
// Latency = wall time on receipt - item.ts (publish wall time in ms); one host, one clock.

import { io } from "socket.io-client";
import { createInterface } from "node:readline";

const spec = JSON.parse(process.argv[2]);
const rooms = spec.devices.map((d) => `device:${d}`);
const states = [];
const sockets = [];

function newState() {
  return { lat: new Float64Array(spec.max_seq), nlat: 0, seen: new Uint8Array(spec.max_seq),
           n: 0, dup: 0, warm: 0, other: 0, emits: 0 };
}

function onTelemetry(state, items) {
  const now = performance.timeOrigin + performance.now();  // wall clock, sub-ms
  state.emits += 1;
  for (const item of items) {
    const seq = item.values.seq;
    if (seq === undefined) { state.warm += 1; continue; }
    if (seq >= state.seen.length) { state.other += 1; continue; }
    if (state.seen[seq]) { state.dup += 1; continue; }
    state.seen[seq] = 1;
    state.n += 1;
    state.lat[state.nlat++] = now - item.values.sent;
  }
}

async function login() {
  const answer = await fetch(`${spec.url}/api/auth/login`, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: spec.username, password: spec.password }),
  });
  if (!answer.ok) throw new Error(`login: HTTP ${answer.status}`);
  return (await answer.json()).access_token;
}

async function connect() {
  const token = await login();
  const state = newState();
  const socket = io(spec.url, { auth: { token }, transports: ["websocket"], reconnection: false,
                                timeout: 30000 });
  socket.on("telemetry", (items) => onTelemetry(state, items));
  await new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", (err) => reject(new Error(`connect: ${err.message}`)));
  });
  for (const room of rooms) {
    const answer = await socket.timeout(30000).emitWithAck("join_room", { room });
    if (!answer || !answer.ok) throw new Error(`join_room ${room}: ${JSON.stringify(answer)}`);
  }
  states.push(state);
  sockets.push(socket);
}

const delivered = () => states.reduce((sum, s) => sum + s.n, 0);

function median(values) {
  if (!values.length) return null;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.floor(sorted.length / 2)];
}

function report(error) {
  for (const socket of sockets) socket.disconnect();
  const total = states.reduce((sum, s) => sum + s.nlat, 0);
  const all = new Float64Array(total);
  const head = [];
  const tail = [];
  let at = 0;
  for (const s of states) {
    const lat = s.lat.subarray(0, s.nlat);
    all.set(lat, at);
    at += s.nlat;
    const fifth = Math.floor(s.nlat / 5);
    if (fifth) {
      head.push(...lat.subarray(0, fifth));
      tail.push(...lat.subarray(s.nlat - fifth));
    }
  }
  const result = {
    error, connected: sockets.length,
    per_client_delivered: states.map((s) => s.n),
    duplicates: states.reduce((sum, s) => sum + s.dup, 0),
    warmup_items: states.reduce((sum, s) => sum + s.warm, 0),
    emits_received: states.reduce((sum, s) => sum + s.emits, 0),
    // little-endian float64, what Python's array("d").frombytes reads on this host
    latency_ms_b64: Buffer.from(all.buffer).toString("base64"),
    head: median(head), tail: median(tail),
  };
  process.stdout.write(`result ${JSON.stringify(result)}\n`, () => process.exit(0));
}

let error = null;
try {
  for (let i = 0; i < spec.clients; i += 1) await connect();
} catch (exc) {
  error = String(exc.message || exc);
}
process.stdout.write("ready\n");
const ticker = setInterval(() => process.stdout.write(`progress ${delivered()}\n`), 250);
if (error) {
  clearInterval(ticker);
  report(error);
} else {
  createInterface({ input: process.stdin }).on("line", (line) => {
    if (line.trim() === "stop") {
      clearInterval(ticker);
      report(null);
    }
  });
}
