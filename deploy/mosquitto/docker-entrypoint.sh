#!/bin/sh
# Writes Mosquitto's password file from the environment on every start (so a
# changed secret in .env takes effect on restart), then runs the broker.
# Demo gateways share MQTT_GATEWAY_PASSWORD; production sites get their own
# lines (mosquitto_passwd) in MQTT_GATEWAY_PASSWD_FILE if set.
set -eu
: "${MQTT_INGEST_PASSWORD:?MQTT_INGEST_PASSWORD is not set}"
: "${MQTT_API_PASSWORD:?MQTT_API_PASSWORD is not set}"
passwd=/mosquitto/data/passwd
umask 077
rm -f "$passwd"
touch "$passwd"
mosquitto_passwd -b "$passwd" ingest "$MQTT_INGEST_PASSWORD"
mosquitto_passwd -b "$passwd" api "$MQTT_API_PASSWORD"
if [ -n "${MQTT_GATEWAY_PASSWORD:-}" ]; then
  for site in ${MQTT_GATEWAY_USERS:-}; do
    mosquitto_passwd -b "$passwd" "$site" "$MQTT_GATEWAY_PASSWORD"
  done
fi
if [ -n "${MQTT_GATEWAY_PASSWD_FILE:-}" ] && [ -f "$MQTT_GATEWAY_PASSWD_FILE" ]; then
  cat "$MQTT_GATEWAY_PASSWD_FILE" >> "$passwd"
fi
chown mosquitto:mosquitto "$passwd"
exec mosquitto -c /mosquitto/config/mosquitto.conf
