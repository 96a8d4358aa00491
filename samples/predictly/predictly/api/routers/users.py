from typing import Optional

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from predictly.accounts import api_keys
from predictly.accounts.users import authenticate, change_plan, create_user
from predictly.api.deps import current_user

router = APIRouter(tags=["users"])


class SignupRequest(BaseModel):
    email: str
    password: str
    plan: Optional[str] = None
    role: str = "member"


class LoginRequest(BaseModel):
    email: str
    password: str


class PlanChange(BaseModel):
    plan: str


@router.post("/users", status_code=201)
def signup(body: SignupRequest):
    return create_user(body.email, body.password, plan=body.plan, role=body.role)


@router.post("/auth/keys", status_code=201)
def issue_api_key(body: LoginRequest):
    user = authenticate(body.email, body.password)
    issued = api_keys.issue_key(user["id"])
    return {"user_id": user["id"], "api_key": issued["key"], "prefix": issued["prefix"]}


@router.get("/users/me")
def me(user=Depends(current_user)):
    return user


@router.get("/users/me/keys")
def my_keys(user=Depends(current_user)):
    return {"keys": api_keys.list_keys(user["id"])}


@router.post("/users/me/plan")
def switch_plan(body: PlanChange, user=Depends(current_user)):
    return change_plan(user["id"], body.plan)
