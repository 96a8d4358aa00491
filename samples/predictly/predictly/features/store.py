"""Tiny feature store: materialised feature matrices per dataset, kept in sqlite."""
import pandas as pd

from predictly import db
from predictly.features.spec import FEATURE_SPEC
from predictly.features.transforms import build_features
from predictly.ingestion.datasets import get_dataset
from predictly.utils import NotFound, dumps, loads, now_iso

# dataset name -> (spec_version, X, y); warmed by materialize(), read by training
_CACHE = {}


class FeatureSet:
    def __init__(self, dataset, X: pd.DataFrame, y, spec_version):
        self.dataset = dataset
        self.X = X
        self.y = y
        self.spec_version = spec_version

    def __len__(self):
        return len(self.X)


def materialize(dataset, spec=FEATURE_SPEC):
    df = get_dataset(dataset)
    X, y = build_features(df, spec)
    payload = {"X": X.to_dict(orient="list"), "y": [int(v) for v in y] if y is not None else None}
    db.execute("DELETE FROM feature_sets WHERE dataset = ?", (dataset,))
    db.execute(
        "INSERT INTO feature_sets (dataset, spec_version, payload, created_at) VALUES (?, ?, ?, ?)",
        (dataset, spec.version, dumps(payload), now_iso()),
    )
    _CACHE[dataset] = (spec.version, X, y)
    return FeatureSet(dataset, X, y, spec.version)


def get_feature_set(dataset, spec=FEATURE_SPEC, refresh=False):
    if not refresh and dataset in _CACHE and _CACHE[dataset][0] == spec.version:
        version, X, y = _CACHE[dataset]
        return FeatureSet(dataset, X, y, version)
    row = db.query_one(
        "SELECT spec_version, payload FROM feature_sets WHERE dataset = ? ORDER BY id DESC LIMIT 1", (dataset,)
    )
    if row is None or row["spec_version"] != spec.version or refresh:
        try:
            return materialize(dataset, spec)
        except NotFound:
            raise NotFound(f"no features for dataset {dataset!r}")
    payload = loads(row["payload"])
    X = pd.DataFrame(payload["X"])[list(spec.columns)]
    y = payload["y"]
    _CACHE[dataset] = (row["spec_version"], X, y)
    return FeatureSet(dataset, X, y, row["spec_version"])


def clear_cache():
    _CACHE.clear()
