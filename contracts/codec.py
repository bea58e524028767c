"""Encode and decode messages: re-exported from the envelope module under one short name."""

from contracts.envelope import Envelope, decode, encode, encode_body, wrap

__all__ = ["Envelope", "decode", "encode", "encode_body", "wrap"]
