from predictly.utils import Forbidden

ROLE_PERMISSIONS = {
    "admin": {"predict", "train", "models:read", "models:write", "datasets:write", "billing:read",
              "billing:write", "admin"},
    "member": {"predict", "train", "models:read", "datasets:write", "billing:read", "billing:write"},
    "viewer": {"models:read", "billing:read"},
}

# plan-gated permissions; checked on top of role
PLAN_GATES = {
    "train": {"pro", "enterprise", "free"},
    "batch": {"pro", "enterprise"},
}


def permissions_for(user):
    return ROLE_PERMISSIONS.get(user.get("role"), set())


def has_permission(user, permission):
    return permission in permissions_for(user)


def check_permission(user, permission):
    if not has_permission(user, permission):
        raise Forbidden(f"missing permission {permission!r}")


def check_plan_gate(user, gate):
    allowed = PLAN_GATES.get(gate)
    if allowed is not None and user.get("plan") not in allowed:
        raise Forbidden(f"your plan ({user.get('plan')}) does not include {gate}")
