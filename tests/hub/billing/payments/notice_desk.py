"""What the service layer will do with a provider notification, in memory: verify, decide, apply once, answer.

The real service stores ``decision.record`` under its unique key in the ledger's transaction; here a
dict plays that table, so the tests can count what was applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.billing.payments.errors import PaymentError
from hub.billing.payments.notices import RecordedNotice, Verdict, decide
from hub.billing.payments.port import NotificationReply, PaymentProviderPort, PaymentStatus
from tests.hub.billing.payments.local_http import Request, Response


@dataclass
class NoticeDesk:
    port: PaymentProviderPort
    orders: dict[str, int]
    """Our reference -> the order's amount in fen."""
    recorded: dict[str, tuple[str, RecordedNotice]] = field(default_factory=dict)
    ledger: list[tuple[str, int]] = field(default_factory=list)
    """(reference, +credit / -refund fen) applied."""
    verdicts: list[Verdict] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)

    def receive(self, headers: dict[str, str], body: bytes) -> NotificationReply:
        try:
            notice = self.port.parse_notice(headers, body)
            mine = [r for ref, r in self.recorded.values() if ref == notice.reference]
            decision = decide(notice, self.orders.get(notice.reference), mine)
        except PaymentError as exc:
            self.refusals.append(f"{exc.code}: {exc.detail}")
            return self.port.acknowledge(False, exc.detail)
        self.verdicts.append(decision.verdict)
        if decision.verdict is Verdict.APPLY and decision.record is not None:
            assert decision.key not in self.recorded, "the unique key would refuse this row"
            self.recorded[decision.key] = (notice.reference, decision.record)
            if notice.status is PaymentStatus.SUCCESS:
                self.ledger.append((notice.reference, notice.amount_fen))
            elif notice.status is PaymentStatus.REFUND:
                self.ledger.append((notice.reference, -(decision.record.refund_fen or 0)))
        return self.port.acknowledge(decision.acknowledge, decision.reason)

    def handle(self, request: Request) -> Response:
        reply = self.receive(dict(request.headers), request.body)
        return Response(reply.status_code, reply.body, {"Content-Type": reply.content_type})
