from fastapi import APIRouter, Depends, Header, HTTPException

from shopapi.schemas.users import AddressIn, LoginRequest, TokenOut, UserCreate, UserOut
from shopapi.services.users import AuthError, user_service

router = APIRouter(prefix="/users", tags=["users"])


def get_current_user(authorization: str = Header(default="")):
    token = authorization.removeprefix("Bearer ").strip()
    if not token:
        raise HTTPException(401, "not authenticated")
    try:
        return user_service.user_from_token(token)
    except AuthError as exc:
        raise HTTPException(401, str(exc))


def require_staff(user=Depends(get_current_user)):
    if user.role not in ("staff", "admin"):
        raise HTTPException(403, "staff only")
    return user


@router.post("", response_model=UserOut, status_code=201)
def register(body: UserCreate):
    try:
        user = user_service.register(body.email, body.full_name, body.password, body.marketing_opt_in)
    except AuthError as exc:
        raise HTTPException(400, str(exc))
    # welcome mail goes through notifications; imported lazily to keep routers/users light
    from shopapi.services.notifications import notification_service

    notification_service.notify(user.id, "welcome")
    return UserOut.from_model(user)


@router.post("/login", response_model=TokenOut)
def login(body: LoginRequest):
    try:
        token = user_service.authenticate(body.email, body.password)
    except AuthError:
        raise HTTPException(401, "invalid credentials")
    return TokenOut(access_token=token)


@router.get("/me", response_model=UserOut)
def me(user=Depends(get_current_user)):
    return UserOut.from_model(user)


@router.post("/me/addresses", response_model=UserOut)
def add_address(body: AddressIn, user=Depends(get_current_user)):
    return UserOut.from_model(user_service.add_address(user.id, **body.model_dump()))
