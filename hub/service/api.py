"""The service desk as other domains may read it: its tickets and their SLA events (analytics)."""

from hub.service.tables import ServiceSlaEvent, ServiceTicket

service_tickets_table = ServiceTicket.__table__  # type: ignore[attr-defined]

service_sla_events_table = ServiceSlaEvent.__table__  # type: ignore[attr-defined]

__all__ = ["service_sla_events_table", "service_tickets_table"]
