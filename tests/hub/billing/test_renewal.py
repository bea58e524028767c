"""Auto-renewal only with a recorded, unrevoked consent covering the price; renewed once per term."""

from __future__ import annotations

from datetime import date

import pytest

from hub.billing.errors import ConsentMissing, EntryKeyConflict, InvalidEntry
from hub.billing.ledger import Ledger
from hub.billing.renewal import AutoRenewConsent, RenewalDecision, decide_auto_renewal, renewal_top_up
from tests.hub.billing.entries import at

ENDS = date(2026, 3, 31)
CONSENT = AutoRenewConsent(
    subscription_id="sub-1",
    given_by="customer:c1",
    given_at=at(date(2026, 3, 1), 9),
    method="app_checkbox",
    wording_version="auto-renew-v2",
    max_price_fen=36000,
)


def decide(consent: AutoRenewConsent | None, today: date = date(2026, 3, 30), price: int = 36000) -> RenewalDecision:
    return decide_auto_renewal(
        subscription_id="sub-1",
        ends_on=ENDS,
        today=today,
        now=at(today, 3),
        consent=consent,
        offered=True,
        price_fen=price,
    ).decision


def test_renewal_needs_a_consent_that_is_recorded_unrevoked_and_covers_the_price() -> None:
    assert decide(None) is RenewalDecision.NO_CONSENT
    assert decide(CONSENT) is RenewalDecision.RENEW
    assert decide(CONSENT, today=date(2026, 3, 29)) is RenewalDecision.NOT_DUE
    assert decide(CONSENT, price=39000) is RenewalDecision.PRICE_ABOVE_CONSENT
    revoked = CONSENT.revoke(by="customer:c1", at=at(date(2026, 3, 20)))
    assert decide(revoked) is RenewalDecision.NO_CONSENT
    other = AutoRenewConsent("sub-2", "customer:c1", at(date(2026, 3, 1)), "signed_form", "v1", 36000)
    assert decide(other) is RenewalDecision.NO_CONSENT
    check = decide_auto_renewal(
        subscription_id="sub-1", ends_on=ENDS, today=ENDS, now=at(ENDS), consent=CONSENT, offered=False, price_fen=1
    )
    assert check.decision is RenewalDecision.NOT_OFFERED


def test_a_consent_records_who_how_and_which_wording() -> None:
    with pytest.raises(InvalidEntry, match="who gave it, how, and which wording"):
        AutoRenewConsent("sub-1", "customer:c1", at(date(2026, 3, 1)), " ", "v1", 36000)
    assert CONSENT.active_at(at(date(2026, 3, 2)))
    assert not CONSENT.active_at(at(date(2026, 2, 28)))


def test_the_renewal_top_up_is_keyed_by_subscription_and_term() -> None:
    first = renewal_top_up(
        Ledger("acct-1"),
        subscription_id="sub-1",
        term_start=date(2026, 4, 1),
        price_fen=36000,
        payment_ref="pay-9",
        business_date=date(2026, 3, 30),
        at=at(date(2026, 3, 30), 3),
    )
    assert (first.created, first.entry.key, first.ledger.balance_fen) == (True, "renewal:sub-1:2026-04-01", 36000)
    again = renewal_top_up(
        first.ledger,
        subscription_id="sub-1",
        term_start=date(2026, 4, 1),
        price_fen=36000,
        payment_ref="pay-9",
        business_date=date(2026, 3, 30),
        at=at(date(2026, 3, 30), 4),
    )
    assert not again.created and again.ledger.balance_fen == 36000
    with pytest.raises(EntryKeyConflict):  # a second payment for the same term is a bug, not a renewal
        renewal_top_up(
            first.ledger,
            subscription_id="sub-1",
            term_start=date(2026, 4, 1),
            price_fen=36000,
            payment_ref="pay-10",
            business_date=date(2026, 3, 30),
            at=at(date(2026, 3, 30), 4),
        )


def test_require_consent_error_is_a_conflict_with_a_stable_code() -> None:
    from hub.billing.renewal import require_consent

    with pytest.raises(ConsentMissing) as caught:
        require_consent(None, subscription_id="sub-1", now=at(ENDS), price_fen=36000)
    assert (caught.value.code, caught.value.status) == ("billing.consent_missing", 409)
