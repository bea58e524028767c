"""Position sources behind one port: gpsd (gpsd-py3), NMEA 0183 from a serial port, a recorded log."""
