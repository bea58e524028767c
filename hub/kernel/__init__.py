"""The hub's shared kernel: rules and infrastructure every domain may use. It imports no domain."""
