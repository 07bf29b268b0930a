"""paho's Client with a cheaper receive path, for a subscriber taking thousands of QoS 1 messages/s.

Profiles of `run.py ingest-worker` showed paho's own per-message work as the largest share of the
MQTT thread: an MQTT v5 `Properties` object built (two dicts of ~27 entries) for every PUBLISH
even when it carries none, a `threading.Condition` per received message (`MQTTMessage.info`,
meaningless for incoming messages), a topic matcher walk, one select() and three recv() calls per
packet read byte by byte, and one socket write (plus a wake-up write) per PUBACK. This subclass
keeps paho's connection handling, state machine and callbacks and overrides only those steps,
each falling back to paho's own code outside the fast path (QoS 2, properties present, a packet
split across reads, logging enabled, topic-filtered callbacks). It relies on paho internals:
`requirements.txt` pins the paho version it was written against, and tests/mqtt/test_client.py
checks its behaviour against plain paho.
"""

import struct
import time

import paho.mqtt.client as mqtt
from paho.mqtt.exception import MalformedPacket
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

_H = struct.Struct("!H")
_PUBACK = bytes([mqtt.PUBACK, 2])
READ_SIZE = 65536
_IN_PACKET_EMPTY = {"command": 0, "have_remaining": 0, "remaining_count": [], "remaining_mult": 1,
                    "remaining_length": 0, "packet": bytearray(), "to_process": 0, "pos": 0}

# Shared by every property-less message: nothing in our code writes to message.properties.
EMPTY_PUBLISH_PROPERTIES = Properties(PacketTypes.PUBLISH)


class IngestClient(mqtt.Client):
    """A paho Client whose receive path costs less per message; `ack_many` acks in one write."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._rbuf = b""
        self._rpos = 0
        self._rsock = None
        self._filtered_callbacks = False

    # -- reading: one recv() for many packets ------------------------------------------------
    def _sock_recv(self, bufsize: int) -> bytes:
        if self._rsock is not self._sock:  # a new connection: nothing buffered belongs to it
            self._rsock, self._rbuf, self._rpos = self._sock, b"", 0
        if self._rpos >= len(self._rbuf):
            data = super()._sock_recv(max(bufsize, READ_SIZE))
            if len(data) <= bufsize:
                return data
            self._rbuf, self._rpos = data, 0
        start = self._rpos
        self._rpos = min(start + bufsize, len(self._rbuf))
        return self._rbuf[start:self._rpos]

    def _packet_read(self) -> mqtt.MQTTErrorCode:
        # A whole packet in the buffer is handled at once; anything else (a packet split across
        # reads, an empty buffer) goes through paho's incremental reader.
        buf, pos = self._rbuf, self._rpos
        if self._in_packet["command"] or self._rsock is not self._sock or pos + 2 > len(buf):
            return super()._packet_read()
        length, shift, i = 0, 0, pos + 1
        while True:
            if i >= len(buf) or i > pos + 4:
                return super()._packet_read()
            byte = buf[i]
            length |= (byte & 127) << shift
            shift += 7
            i += 1
            if not byte & 128:
                break
        end = i + length
        if end > len(buf):
            return super()._packet_read()
        self._rpos = end
        self._in_packet = {"command": buf[pos], "have_remaining": 1, "remaining_count": [],
                           "remaining_mult": 1, "remaining_length": length,
                           "packet": buf[i:end], "to_process": 0, "pos": 0}
        try:
            rc = self._packet_handle()
        except MalformedPacket as exc:
            self._easy_log(mqtt.MQTT_LOG_DEBUG, "Received malformed packet: %s", exc)
            rc = mqtt.MQTTErrorCode.MQTT_ERR_PROTOCOL
        self._in_packet = dict(_IN_PACKET_EMPTY, remaining_count=[], packet=bytearray())
        with self._msgtime_mutex:
            self._last_bytes_received = time.monotonic()
        return rc

    def loop_read(self, max_packets: int = 1) -> mqtt.MQTTErrorCode:
        # Handle every packet already buffered: select() only sees the socket, so a complete
        # packet left in the buffer would wait for the next network event.
        while True:
            if self._sock is None:
                return mqtt.MQTTErrorCode.MQTT_ERR_NO_CONN
            rc = self._packet_read()
            if rc > 0:
                return self._loop_rc_handle(rc)
            if rc == mqtt.MQTTErrorCode.MQTT_ERR_AGAIN or self._rpos >= len(self._rbuf):
                return mqtt.MQTTErrorCode.MQTT_ERR_SUCCESS

    # -- PUBLISH without properties, QoS 0/1 ------------------------------------------------
    def message_callback_add(self, sub, callback) -> None:
        self._filtered_callbacks = True
        super().message_callback_add(sub, callback)

    def _handle_publish(self) -> mqtt.MQTTErrorCode:
        header = self._in_packet["command"]
        qos = (header & 0x06) >> 1
        if qos == 2 or self._filtered_callbacks or self.on_log is not None \
                or self._logger is not None:
            return super()._handle_publish()
        packet = self._in_packet["packet"]
        (topic_len,) = _H.unpack_from(packet, 0)
        pos = 2 + topic_len
        mid = 0
        if qos:
            (mid,) = _H.unpack_from(packet, pos)
            pos += 2
        properties = None
        if self._protocol == mqtt.MQTTv5:
            if packet[pos] != 0:  # properties present (topic alias, user properties...)
                return super()._handle_publish()
            properties = EMPTY_PUBLISH_PROPERTIES
            pos += 1
        if topic_len == 0:  # invalid without a topic alias: paho's code decides
            return super()._handle_publish()
        message = mqtt.MQTTMessage.__new__(mqtt.MQTTMessage)  # no per-message Condition (info)
        message.timestamp = time.monotonic()
        message.state = mqtt.mqtt_ms_invalid
        message.dup = bool(header & 0x08)
        message.mid = mid
        message._topic = bytes(packet[2:2 + topic_len])
        message.payload = bytes(packet[pos:])
        message.qos = qos
        message.retain = bool(header & 0x01)
        message.info = None
        message.properties = properties
        on_message = self.on_message
        if on_message is not None:
            with self._in_callback_mutex:
                try:
                    on_message(self, self._userdata, message)
                except Exception as err:
                    self._easy_log(mqtt.MQTT_LOG_ERR, "Caught exception in on_message: %s", err)
                    if not self.suppress_exceptions:
                        raise
        if qos and not self._manual_ack:
            return self._send_puback(mid)
        return mqtt.MQTTErrorCode.MQTT_ERR_SUCCESS

    # -- acknowledging -------------------------------------------------------------------------
    def ack_many(self, mids) -> None:
        """PUBACK QoS 1 messages (manual_ack) in one packet write and one loop wake-up."""
        if mids:
            data = b"".join([_PUBACK + _H.pack(mid) for mid in mids])
            self._packet_queue(mqtt.PUBACK, data, 0, 1)
