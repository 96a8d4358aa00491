from predictly.accounts.users import get_user
from predictly.utils import NotFound

PLANS = {
    "free": {"monthly_cents": 0, "included_units": 100, "overage_cents_per_unit": 0, "max_models": 2},
    "pro": {"monthly_cents": 2900, "included_units": 1000, "overage_cents_per_unit": 2, "max_models": 20},
    "enterprise": {"monthly_cents": 49900, "included_units": 100000, "overage_cents_per_unit": 1,
                   "max_models": 1000},
}

UNIT_COSTS = {"predict": 1, "predict_batch_row": 1, "train": 10, "ingest": 2}


def get_plan(name):
    if name not in PLANS:
        raise NotFound(f"unknown plan {name!r}")
    return dict(PLANS[name], name=name)


def plan_for_user(user_id):
    return get_plan(get_user(user_id)["plan"])


def list_plans():
    return [dict(v, name=k) for k, v in PLANS.items()]
