from predictly.registry.storage import load_estimator, load_metadata
from predictly.registry.versions import ACTIVE_MODELS, active_version, get_version_row
from predictly.serving.cache import model_cache
from predictly.serving.wrappers import wrap_model


class LoadedModel:
    def __init__(self, meta, wrapper):
        self.meta = meta
        self.wrapper = wrapper

    @property
    def name(self):
        return self.meta.name

    @property
    def version(self):
        return self.meta.version


def load_model(name, version=None):
    if version is None:
        # hot path: read the registry's promoted-version map directly, fall back to the db
        version = ACTIVE_MODELS.get(name) or active_version(name)
    key = (name, int(version))
    cached = model_cache.get(key)
    if cached is not None:
        return cached
    row = get_version_row(name, version)
    estimator = load_estimator(row["path"])
    meta = load_metadata(row["path"])
    wrapper = wrap_model(estimator, meta.algorithm, threshold=meta.threshold, columns=meta.feature_columns)
    loaded = LoadedModel(meta, wrapper)
    model_cache.put(key, loaded)
    return loaded


def load_latest(name):
    return load_model(name, None)
