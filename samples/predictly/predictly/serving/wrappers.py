import numpy as np
import pandas as pd


class BaseModelWrapper:
    """Uniform interface over whatever estimator the training code produced."""

    kind = "base"

    def __init__(self, estimator, columns, threshold=0.5):
        self.estimator = estimator
        self.columns = list(columns)
        self.threshold = float(threshold)

    def _align(self, X: pd.DataFrame):
        missing = [c for c in self.columns if c not in X.columns]
        for c in missing:
            X[c] = 0.0
        return X[self.columns]

    def predict_proba_frame(self, X: pd.DataFrame):
        return self.estimator.predict_proba(self._align(X))[:, 1]

    def predict(self, X: pd.DataFrame):
        raise NotImplementedError

    def describe(self):
        return {"kind": self.kind, "threshold": self.threshold, "n_features": len(self.columns)}


class LinearModelWrapper(BaseModelWrapper):
    kind = "linear"

    def predict(self, X):
        proba = self.predict_proba_frame(X)
        return [
            {"churn_probability": float(p), "churn": bool(p >= self.threshold)}
            for p in proba
        ]

    def explain(self, X):
        clf = self.estimator.named_steps["clf"]
        scaled = self.estimator.named_steps["scale"].transform(self._align(X))
        contrib = scaled * clf.coef_[0]
        top = np.argsort(-np.abs(contrib), axis=1)[:, :3]
        return [[self.columns[j] for j in row] for row in top]


class TreeEnsembleWrapper(BaseModelWrapper):
    kind = "tree"

    def predict(self, X):
        proba = self.predict_proba_frame(X)
        # trees are poorly calibrated at the extremes; clip so the UI never shows 0%/100%
        proba = np.clip(proba, 0.01, 0.99)
        return [
            {"churn_probability": float(p), "churn": bool(p >= self.threshold)}
            for p in proba
        ]


WRAPPERS = {"logreg": LinearModelWrapper, "forest": TreeEnsembleWrapper, "gbm": TreeEnsembleWrapper}


def wrap_model(estimator, algorithm, threshold=0.5, columns=None):
    cls = WRAPPERS.get(algorithm, LinearModelWrapper)
    return cls(estimator, columns or [], threshold=threshold)
