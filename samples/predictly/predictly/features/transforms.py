import numpy as np
import pandas as pd

from predictly.features.spec import FEATURE_SPEC, FeatureSpec
from predictly.utils import PredictlyError, timed


def add_derived_columns(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    tenure = out["tenure_months"].astype(float).clip(lower=1.0)
    spend = out["monthly_spend"].astype(float).clip(lower=0.0)
    out["log_spend"] = np.log1p(spend)
    out["tickets_per_year"] = out["support_tickets"].astype(float) * 12.0 / tenure
    out["spend_per_tenure"] = spend / tenure
    return out


def one_hot(df: pd.DataFrame, column, levels) -> pd.DataFrame:
    values = df[column].astype(str).str.lower()
    for lvl in levels:
        df[f"{column}_{lvl}"] = (values == lvl).astype(float)
    return df


@timed("features.build")
def build_features(df: pd.DataFrame, spec: FeatureSpec = FEATURE_SPEC, with_label=True):
    """Turn a raw customer frame into the model matrix (X, y)."""
    missing = [c for c in ("tenure_months", "monthly_spend", "support_tickets") if c not in df.columns]
    if missing:
        raise PredictlyError(f"cannot build features, missing {missing}", status_code=422)
    frame = add_derived_columns(df)
    for name, levels in spec.categorical.items():
        if name not in frame.columns:
            frame[name] = "unknown"
        frame = one_hot(frame, name, levels)
    X = frame[spec.columns].astype(float)
    y = None
    if with_label and spec.label in frame.columns:
        y = frame[spec.label].astype(int).to_numpy()
    return X, y


def row_to_frame(features: dict) -> pd.DataFrame:
    return pd.DataFrame.from_records([features])


def summarize(X: pd.DataFrame):
    return {
        col: {"mean": float(X[col].mean()), "std": float(X[col].std(ddof=0))}
        for col in X.columns
    }
