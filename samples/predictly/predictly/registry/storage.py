import json
import pickle
from pathlib import Path

try:
    import joblib
except ImportError:  # slim images don't ship joblib
    joblib = None

from predictly.config import settings
from predictly.registry.metadata import ModelMetadata
from predictly.utils import NotFound, dumps


def model_path(name, version):
    return Path(settings.model_dir) / name / f"v{version}.joblib"


def save_model(estimator, meta: ModelMetadata):
    path = model_path(meta.name, meta.version)
    path.parent.mkdir(parents=True, exist_ok=True)
    if joblib is not None:
        joblib.dump(estimator, path)
    else:
        with open(path, "wb") as fh:
            pickle.dump(estimator, fh)
    path.with_suffix(".json").write_text(dumps(meta.to_dict()))
    return str(path)


def load_estimator(path):
    p = Path(path)
    if not p.exists():
        raise NotFound(f"model artifact missing: {p.name}")
    if joblib is not None:
        return joblib.load(p)
    with open(p, "rb") as fh:
        return pickle.load(fh)


def load_metadata(path):
    p = Path(path).with_suffix(".json")
    if not p.exists():
        raise NotFound(f"metadata missing for {Path(path).name}")
    return ModelMetadata.from_dict(json.loads(p.read_text()))


def delete_artifacts(path):
    p = Path(path)
    for f in (p, p.with_suffix(".json")):
        if f.exists():
            f.unlink()
