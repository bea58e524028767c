"""Brigade rider tracker: GPS from gpsd or NMEA, positions and delivery events over MQTT."""
