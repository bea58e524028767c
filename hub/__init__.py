"""Brigade's central service. Build it with ``hub.app.create_app(settings)``."""
