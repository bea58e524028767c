"""Simulated GPS: a bike driven along a route, NMEA 0183 on a pseudo-terminal, a real gpsd fed by
it or by gpsfake, and fleets of bikes for load tests."""
