from typing import List, Optional

from pydantic import BaseModel, Field

__all__ = ["AddressIn", "AddressOut", "UserCreate", "UserOut", "LoginRequest", "TokenOut"]


class AddressIn(BaseModel):
    line1: str
    city: str
    postcode: str
    country: str = "FR"
    line2: str = ""


class AddressOut(AddressIn):
    pass


class UserCreate(BaseModel):
    email: str
    full_name: str
    password: str = Field(min_length=8)
    marketing_opt_in: bool = False


class UserOut(BaseModel):
    id: int
    email: str
    full_name: str
    role: str
    addresses: List[AddressOut] = []

    @classmethod
    def from_model(cls, user):
        return cls(id=user.id, email=user.email, full_name=user.full_name, role=user.role,
                   addresses=[AddressOut(**vars(a)) for a in user.addresses])


class LoginRequest(BaseModel):
    email: str
    password: str


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    user_id: Optional[int] = None
