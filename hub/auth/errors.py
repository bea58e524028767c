"""Sign-in and account errors, with stable codes (mapped to problem+json by ``hub.problems``)."""

from __future__ import annotations

from hub.errors import DomainError, InvalidInput


class WeakPassword(InvalidInput):
    code = "auth.weak_password"


class LoginThrottled(DomainError):
    """Too many wrong passwords for this username or from this address; ``Retry-After`` says how long."""

    code = "auth.throttled"
    status = 429
    title = "Too many sign-in attempts"

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(
            f"too many failed sign-ins; try again in {retry_after_s} s", retry_after_s=max(1, retry_after_s)
        )


class LoginBusy(DomainError):
    """Every password-hashing thread is busy and the queue is full: the hub sheds sign-ins, not other requests."""

    code = "auth.busy"
    status = 503
    title = "Sign-in busy"

    def __init__(self) -> None:
        super().__init__("too many sign-ins at once; try again in a moment", retry_after_s=1)
