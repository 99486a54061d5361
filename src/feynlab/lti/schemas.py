"""Pydantic models of LTI registrations and of the tool's configuration for an LMS admin."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, HttpUrl


class PlatformCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    issuer: str = Field(min_length=1, max_length=500, description="The LMS's `iss`.")
    client_id: str = Field(min_length=1, max_length=200, description="Feynlab's id in the LMS.")
    auth_login_url: HttpUrl = Field(description="The LMS's OIDC authorization endpoint.")
    auth_token_url: HttpUrl = Field(description="The LMS's OAuth 2 token endpoint.")
    jwks_url: HttpUrl = Field(description="Where the LMS publishes its public keys.")
    deployment_ids: list[str] = Field(min_length=1, max_length=50)


class PlatformRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    jwks_url: str
    deployment_ids: list[str]
    created_at: datetime


class ToolConfig(BaseModel):
    """What to enter in the LMS when registering Feynlab."""

    login_url: str = Field(description="OIDC login initiation URL.")
    launch_url: str = Field(description="Redirect / target link URI (launches).")
    deep_link_url: str = Field(description="Deep-linking URL (the same launch endpoint).")
    jwks_url: str = Field(description="The tool's public keys.")
    scopes: list[str]


class RosterSynced(BaseModel):
    class_id: int
    members: int = Field(description="Members read from the LMS.")
    added: int


class ScoreDelivery(BaseModel):
    sent: int
    failed: int
