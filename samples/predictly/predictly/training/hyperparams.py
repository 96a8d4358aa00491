from copy import deepcopy

from predictly.utils import PredictlyError

DEFAULTS = {
    "logreg": {"C": 1.0, "max_iter": 500, "class_weight": None},
    "forest": {"n_estimators": 50, "max_depth": 4, "min_samples_leaf": 2, "random_state": 0},
    "gbm": {"n_estimators": 40, "learning_rate": 0.1, "max_depth": 2, "random_state": 0},
}

BOUNDS = {
    "C": (1e-4, 1e4),
    "max_iter": (10, 5000),
    "n_estimators": (1, 500),
    "max_depth": (1, 32),
    "min_samples_leaf": (1, 100),
    "learning_rate": (1e-4, 1.0),
}

SEARCH_SPACES = {
    "logreg": {"C": [0.1, 1.0, 10.0]},
    "forest": {"max_depth": [3, 5], "n_estimators": [30, 60]},
}


def resolve_params(algorithm, overrides=None):
    if algorithm not in DEFAULTS:
        raise PredictlyError(f"unknown algorithm {algorithm!r}; choose from {sorted(DEFAULTS)}")
    params = deepcopy(DEFAULTS[algorithm])
    for key, value in (overrides or {}).items():
        if key not in params:
            raise PredictlyError(f"unknown hyperparameter {key!r} for {algorithm}")
        if key in BOUNDS and value is not None:
            lo, hi = BOUNDS[key]
            if not (lo <= value <= hi):
                raise PredictlyError(f"{key}={value} outside [{lo}, {hi}]")
        params[key] = value
    return params


def search_space(algorithm):
    return deepcopy(SEARCH_SPACES.get(algorithm, {}))
