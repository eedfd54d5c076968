"""`GET /v1/ik`: who the hub takes the caller to be — the first call a partner makes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from hub.auth import Caller, authenticated

router = APIRouter(tags=["organisaties"])


class Identity(BaseModel):
    """The authenticated organisation and key."""

    organisatie: str
    rol: str
    naam: str
    sleutel: str
    medewerker: str | None


@router.get("/ik", summary="The organisation and key that signed this request")
def whoami(caller: Annotated[Caller, Depends(authenticated)]) -> Identity:
    return Identity(
        organisatie=caller.org.org_id,
        rol=caller.org.role.value,
        naam=caller.org.name,
        sleutel=caller.key_id,
        medewerker=caller.actor,
    )
