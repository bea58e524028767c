"""The rider's screen (Textual): today's stops and the keys to report each event."""
