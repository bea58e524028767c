"""Automatic renewal, only with the customer's recorded consent. Pure.

A consent records who gave it, when, how (the channel and the wording's version) and the highest
term price it covers; it holds until revoked. ``decide_auto_renewal`` says whether a term is to be
renewed now; the service then takes the payment, appends ``renewal_top_up`` and calls
``Subscription.renew(automatic=True)``, all in one transaction. The top-up's key is derived from
the subscription and the new term's start, so a job that runs twice renews once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from hub.billing.errors import ConsentMissing, InvalidEntry
from hub.billing.ledger import Appended, EntryKind, Ledger, LedgerEntry


@dataclass(frozen=True)
class AutoRenewConsent:
    subscription_id: str
    given_by: str
    """``customer:<id>``, or ``staff:<id>`` recording a consent given by phone or on paper."""
    given_at: datetime
    method: str
    """How: e.g. ``app_checkbox``, ``signed_form``, ``recorded_call``."""
    wording_version: str
    """Which consent text the customer saw."""
    max_price_fen: int
    """The highest term price the consent covers; a higher price needs a new consent."""
    revoked_by: str | None = None
    revoked_at: datetime | None = None

    def __post_init__(self) -> None:
        if not (self.given_by.strip() and self.method.strip() and self.wording_version.strip()):
            raise InvalidEntry("a consent records who gave it, how, and which wording they agreed to")
        for moment in (self.given_at, self.revoked_at):
            if moment is not None and (moment.tzinfo is None or moment.utcoffset() is None):
                raise InvalidEntry("consent times must be timezone-aware")
        if self.max_price_fen < 0:
            raise InvalidEntry("a consent's price limit must not be negative")

    def revoke(self, *, by: str, at: datetime) -> AutoRenewConsent:
        return replace(self, revoked_by=by, revoked_at=at)

    def active_at(self, at: datetime) -> bool:
        return self.given_at <= at and (self.revoked_at is None or at < self.revoked_at)


class RenewalDecision(StrEnum):
    RENEW = "renew"
    NOT_DUE = "not_due"
    NOT_OFFERED = "not_offered"
    NO_CONSENT = "no_consent"
    PRICE_ABOVE_CONSENT = "price_above_consent"


@dataclass(frozen=True)
class RenewalCheck:
    decision: RenewalDecision
    detail: str


def decide_auto_renewal(
    *,
    subscription_id: str,
    ends_on: date,
    today: date,
    now: datetime,
    consent: AutoRenewConsent | None,
    offered: bool,
    price_fen: int,
    lead_days: int = 1,
) -> RenewalCheck:
    """Renew ``lead_days`` before the term's last day (or later, if the job was late)."""
    if today < ends_on - timedelta(days=lead_days):
        return RenewalCheck(RenewalDecision.NOT_DUE, f"the term runs until {ends_on.isoformat()}")
    if not offered:
        return RenewalCheck(RenewalDecision.NOT_OFFERED, "the plan does not renew automatically")
    try:
        require_consent(consent, subscription_id=subscription_id, now=now, price_fen=price_fen)
    except ConsentMissing as exc:
        above = consent is not None and consent.active_at(now) and price_fen > consent.max_price_fen
        decision = RenewalDecision.PRICE_ABOVE_CONSENT if above else RenewalDecision.NO_CONSENT
        return RenewalCheck(decision, exc.detail)
    return RenewalCheck(RenewalDecision.RENEW, f"consent given {consent.given_at.isoformat() if consent else ''}")


def require_consent(consent: AutoRenewConsent | None, *, subscription_id: str, now: datetime, price_fen: int) -> None:
    if consent is None or consent.subscription_id != subscription_id:
        raise ConsentMissing(f"subscription {subscription_id} has no recorded consent to renew automatically")
    if not consent.active_at(now):
        raise ConsentMissing(f"the consent to renew subscription {subscription_id} was revoked or is not yet given")
    if price_fen > consent.max_price_fen:
        raise ConsentMissing(
            f"the renewal price {price_fen} fen is above the {consent.max_price_fen} fen the customer agreed to"
        )


def renewal_top_up(
    ledger: Ledger,
    *,
    subscription_id: str,
    term_start: date,
    price_fen: int,
    payment_ref: str,
    business_date: date,
    at: datetime,
    actor: str = "system:auto-renew",
    expires_on: date | None = None,
) -> Appended:
    """The renewal's payment as a top-up, keyed by (subscription, term start): once per term."""
    entry = LedgerEntry(
        key=f"renewal:{subscription_id}:{term_start.isoformat()}",
        kind=EntryKind.TOP_UP,
        amount_fen=price_fen,
        business_date=business_date,
        at=at,
        actor=actor,
        refers_to=payment_ref,
        expires_on=expires_on,
        note="automatic renewal",
    )
    return ledger.append(entry)
