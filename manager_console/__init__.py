"""The manager console: a Textual app over the hub's REST API (it never imports the hub)."""
