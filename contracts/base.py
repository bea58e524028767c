"""Base model for every payload body: frozen, ignores unknown fields (mixed-version fleets)."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, StringConstraints

Identifier = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
"""Ids that appear in topics or keys: no '/', '+', '#' or spaces."""

ShortText = Annotated[str, StringConstraints(max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=2000)]


class Body(BaseModel):
    """A message body. Subclasses set ``message_type`` (the envelope's ``type``)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    message_type: ClassVar[str] = ""
