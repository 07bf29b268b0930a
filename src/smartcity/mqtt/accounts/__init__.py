"""Device accounts on the broker: Mosquitto's dynamic-security plugin holds one client per device.

MQTT username = client id = device id, password = the device's API key, so the key shown once
is all a device needs. Every change to a device (created, key rotated, status or gateway
changed, deleted) queues a row in broker_account_changes in the same transaction; an applier
brings the broker in line over `$CONTROL/dynamic-security/v1` with the platform's admin
credentials, so the registry never waits for, or refuses a device because of, the broker.
"""
