import numpy as np
import pandas as pd

from predictly.config import settings

N_BINS = 8


def reference_stats(X: pd.DataFrame, bins=N_BINS):
    """Per-feature histogram used later as the drift baseline (stored in model metadata)."""
    ref = {}
    for col in X.columns:
        values = X[col].to_numpy(dtype=float)
        lo, hi = float(np.min(values)), float(np.max(values))
        if hi <= lo:
            hi = lo + 1.0
        edges = np.linspace(lo, hi, bins + 1)
        counts, _ = np.histogram(values, bins=edges)
        ref[col] = {
            "edges": edges.tolist(),
            "freq": (counts / max(counts.sum(), 1)).tolist(),
            "mean": float(values.mean()),
        }
    return ref


def psi(expected, actual, eps=1e-4):
    expected = np.clip(np.asarray(expected, dtype=float), eps, None)
    actual = np.clip(np.asarray(actual, dtype=float), eps, None)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def drift_report(reference: dict, X: pd.DataFrame, threshold=None):
    threshold = settings.drift_threshold if threshold is None else threshold
    features = {}
    for col, ref in reference.items():
        if col not in X.columns:
            continue
        edges = np.asarray(ref["edges"])
        values = np.clip(X[col].to_numpy(dtype=float), edges[0], edges[-1])
        counts, _ = np.histogram(values, bins=edges)
        freq = counts / max(counts.sum(), 1)
        score = psi(ref["freq"], freq)
        features[col] = {"psi": score, "drifted": score > threshold,
                         "mean_shift": float(values.mean() - ref["mean"])}
    drifted = sorted(c for c, f in features.items() if f["drifted"])
    return {"n": int(len(X)), "threshold": threshold, "drifted_features": drifted, "features": features}
