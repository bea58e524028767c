"""Simulated hardware speaking the real wire formats (ESC/POS, NMEA, gpsd JSON), stores, fleets, the demo."""
