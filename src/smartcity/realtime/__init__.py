"""Socket.IO: authenticated connections, rooms, batched and coalesced pushes."""
