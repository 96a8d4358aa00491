from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from predictly.training.hyperparams import resolve_params


def build_pipeline(algorithm, params=None):
    params = resolve_params(algorithm, params)
    if algorithm == "logreg":
        est = LogisticRegression(**params)
        return Pipeline([("scale", StandardScaler()), ("clf", est)]), params
    if algorithm == "forest":
        return Pipeline([("clf", RandomForestClassifier(**params))]), params
    if algorithm == "gbm":
        return Pipeline([("clf", GradientBoostingClassifier(**params))]), params
    raise AssertionError("resolve_params should have rejected " + algorithm)


def feature_importances(pipeline, columns):
    clf = pipeline.named_steps["clf"]
    if hasattr(clf, "feature_importances_"):
        values = clf.feature_importances_
    elif hasattr(clf, "coef_"):
        values = abs(clf.coef_[0])
    else:
        return {}
    total = float(sum(values)) or 1.0
    ranked = sorted(zip(columns, values), key=lambda kv: -kv[1])
    return {name: float(v) / total for name, v in ranked}
