"""The service desk: complaint, inquiry and quality tickets with SLA clocks on business calendars.

The pure core (no database, no framework): ``ticket_model`` (the ticket and its state machine),
``sla_policy`` and ``sla_clock`` (targets, pauses, breaches, escalation), ``assignment``,
``repeats`` (repeated complaints), ``surveys`` (CSAT/NPS), ``leads`` and ``compensation``.
"""
