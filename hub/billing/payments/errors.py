"""Refusals of the payments package: one base, ``PaymentError``, with stable codes.

Each maps once at the edge: problem+json for REST, and a failure reply to the provider for a
notification (so the provider sends it again later, see ``PaymentProviderPort.acknowledge``).
"""

from __future__ import annotations

from typing import ClassVar

from hub.errors import DomainError


class PaymentError(DomainError):
    code: ClassVar[str] = "payment.error"
    status: ClassVar[int] = 400
    title: ClassVar[str] = "Payment refused"


class BadSignature(PaymentError):
    """A notification or provider answer whose signature does not verify (forged, tampered, replayed)."""

    code = "payment.bad_signature"
    status = 401
    title = "Bad payment signature"


class MalformedNotice(PaymentError):
    """Signed correctly but not a notice we understand (missing fields, unknown event)."""

    code = "payment.malformed_notice"
    status = 422
    title = "Malformed payment notice"


class WrongMerchant(PaymentError):
    """A genuine notice, but for another merchant account or app than ours."""

    code = "payment.wrong_merchant"
    status = 422
    title = "Notice for another merchant"


class UnknownOrder(PaymentError):
    code = "payment.unknown_order"
    status = 404
    title = "Unknown payment order"


class AmountMismatch(PaymentError):
    code = "payment.amount_mismatch"
    status = 409
    title = "Payment amount mismatch"


class ConflictingNotice(PaymentError):
    """A notice that contradicts what was already applied (another transaction for a paid order)."""

    code = "payment.conflicting_notice"
    status = 409
    title = "Conflicting payment notice"


class InvalidPaymentRequest(PaymentError):
    code = "payment.invalid_request"
    status = 422
    title = "Invalid payment request"


class ProviderError(PaymentError):
    """The provider refused the call or did not answer; nothing changed on our side."""

    code = "payment.provider_error"
    status = 502
    title = "Payment provider error"


class BadBillFile(PaymentError):
    """A provider bill export (CSV) that cannot be read or does not add up."""

    code = "payment.bad_bill_file"
    status = 422
    title = "Unreadable bill file"
