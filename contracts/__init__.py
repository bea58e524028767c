"""The one contract between Brigade's processes: topics, envelope, payload models, codec."""

from contracts.errors import ContractError

__all__ = ["ContractError"]
