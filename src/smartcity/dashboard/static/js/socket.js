// One Socket.IO connection per page, authenticated with the in-memory access token; rooms are
// joined again after every reconnect, and the shell shows the connection state.
import { io } from "/static/vendor/socket.io.esm.min.js";
import { refresh, token } from "./api.js";

let socket = null;
const rooms = new Set();
const stateListeners = new Set();

function setState(state) {
  for (const listener of stateListeners) listener(state);
}

export function onConnectionState(listener) {
  stateListeners.add(listener);
}

export function getSocket() {
  if (socket) return socket;
  socket = io({ auth: (cb) => cb({ token: token() }) });
  socket.on("connect", () => {
    setState("online");
    for (const room of rooms) socket.emit("join_room", { room });
  });
  socket.on("disconnect", () => setState("offline"));
  socket.on("connect_error", async () => {
    setState("offline");
    if (socket.active) return; // a transport error: the client retries by itself
    // Refused (an expired token): get a fresh one, then try again.
    try {
      await refresh();
    } catch {
      return;
    }
    setTimeout(() => socket.connect(), 1000);
  });
  return socket;
}

export function joinRoom(room) {
  rooms.add(room);
  const s = getSocket();
  if (s.connected) s.emit("join_room", { room });
}

export function leaveRoom(room) {
  rooms.delete(room);
  if (socket && socket.connected) socket.emit("leave_room", { room });
}

export function on(event, handler) {
  getSocket().on(event, handler);
}
