"""Request and response bodies of the accounts API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from feynlab.accounts.models import Role


class SignupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    password: str = Field(min_length=8, max_length=256, description="At least 8 characters.")
    name: str = Field(min_length=1, max_length=200)


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=256)


class PasswordChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=8, max_length=256, description="At least 8 characters.")


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    role: Role
    created_at: datetime


class LoginOut(BaseModel):
    user: UserRead
    token: str = Field(description="Bearer token for scripts: `Authorization: Bearer <token>`.")
    csrf_token: str = Field(description="Send as X-CSRF-Token with cookie-authenticated writes.")
    expires_at: datetime


class Message(BaseModel):
    detail: str
