"""The single exception raised for anything that does not honour the contract."""


class ContractError(ValueError):
    """A payload or topic that does not match the contract.

    ``reason`` is short and stable enough to put in a dead-letter message.
    """

    code = "contract.invalid"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
