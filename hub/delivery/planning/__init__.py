"""The route planner: problem in, plan out (PyVRP 0.14). No database, no framework."""
