"""Who may use the service desk: managers and operators work tickets and leads; a sales channel's
API key may also open tickets, pass on customers' replies and survey answers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from hub.deps import require
from hub.kernel.principal import Principal
from hub.kernel.roles import Role

DeskDep = Annotated[Principal, Depends(require(Role.ADMIN, Role.OPERATOR, Role.STORE_MANAGER))]
IntakeDep = Annotated[Principal, Depends(require(Role.ADMIN, Role.OPERATOR, Role.STORE_MANAGER, Role.CHANNEL))]
