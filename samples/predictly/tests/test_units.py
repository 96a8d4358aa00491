import numpy as np
import pandas as pd

from predictly.accounts.passwords import hash_password, verify_password
from predictly.features.spec import FEATURE_SPEC
from predictly.features.transforms import build_features
from predictly.ingestion.events import EventSource
from predictly.monitoring.drift import drift_report, reference_stats
from predictly.utils import round_floats


def test_password_roundtrip():
    enc = hash_password("Secr3tPass", iterations=1000)
    assert verify_password("Secr3tPass", enc)
    assert not verify_password("secr3tpass", enc)


def test_event_source_is_deterministic():
    a = EventSource(seed=3).drain(2, 5)
    b = EventSource(seed=3).drain(2, 5)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 10


def test_build_features_columns():
    X, y = build_features(EventSource(seed=1).poll(20))
    assert list(X.columns) == FEATURE_SPEC.columns
    assert y is not None and len(y) == 20


def test_drift_detects_shift():
    X, _ = build_features(EventSource(seed=1).poll(200), with_label=False)
    ref = reference_stats(X)
    same = drift_report(ref, X, threshold=0.2)
    assert same["drifted_features"] == []
    shifted = X.copy()
    shifted["tenure_months"] = shifted["tenure_months"] * 0 + float(np.max(X["tenure_months"]))
    assert "tenure_months" in drift_report(ref, shifted, threshold=0.2)["drifted_features"]


def test_round_floats_nested():
    assert round_floats({"a": [1.23456789, {"b": np.float64(2.0000004)}]}) == {"a": [1.234568, {"b": 2.0}]}
