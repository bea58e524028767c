"""Brigade kitchen display (Textual): tickets by station, timers, bump and recall."""
