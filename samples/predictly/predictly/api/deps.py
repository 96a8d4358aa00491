import functools
import inspect

from fastapi import Header, Request

from predictly import core
from predictly.accounts.permissions import check_permission


def require_api_key(permission=None):
    """Route decorator: resolves X-API-Key into request.state.user.

    The wrapped endpoint must take a `request: Request` parameter.
    """

    def deco(fn):
        @functools.wraps(fn)
        async def wrapper(*args, **kwargs):
            request = kwargs.get("request")
            if request is None:
                raise RuntimeError(f"{fn.__name__} must accept `request: Request`")
            user = core.get_user_by_api_key(request.headers.get("x-api-key"))
            if permission:
                check_permission(user, permission)
            request.state.user = user
            result = fn(*args, **kwargs)
            if inspect.isawaitable(result):
                result = await result
            return result

        return wrapper

    return deco


def current_user(x_api_key: str = Header(default=None)):
    """Dependency flavour of the above, used by the newer routers."""
    return core.get_user_by_api_key(x_api_key)


def user_of(request: Request):
    return request.state.user
