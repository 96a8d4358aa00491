from typing import TYPE_CHECKING

import numpy as np

from predictly.features.store import get_feature_set
from predictly.monitoring.drift import reference_stats
from predictly.registry.metadata import ModelMetadata
from predictly.registry.storage import save_model
from predictly.registry.versions import next_version, register_version
from predictly.training.evaluation import cross_validate, evaluate
from predictly.training.pipelines import build_pipeline, feature_importances
from predictly.utils import PredictlyError, log, now_iso, timed

if TYPE_CHECKING:
    from predictly.features.store import FeatureSet


def _check_trainable(fs: "FeatureSet"):
    if fs.y is None:
        raise PredictlyError(f"dataset {fs.dataset!r} has no label column")
    y = np.asarray(fs.y)
    if len(y) < 12:
        raise PredictlyError("need at least 12 labelled rows to train")
    if len(set(y.tolist())) < 2:
        raise PredictlyError("label has a single class")
    return y


@timed("training.train_model")
def train_model(dataset, algorithm="logreg", params=None, model_name=None, user_id=None,
                threshold=0.5, cv_folds=3, promote=True):
    fs = get_feature_set(dataset)
    y = _check_trainable(fs)
    pipeline, resolved = build_pipeline(algorithm, params)
    pipeline.fit(fs.X, y)

    metrics = evaluate(pipeline, fs.X, y, algorithm=algorithm, threshold=threshold)
    if cv_folds and cv_folds > 1:
        metrics.update(cross_validate(lambda: build_pipeline(algorithm, params)[0], fs.X, y, folds=cv_folds))

    name = model_name or dataset
    version = next_version(name)
    meta = ModelMetadata(
        name=name,
        version=version,
        algorithm=algorithm,
        params=resolved,
        metrics=metrics,
        dataset=dataset,
        feature_columns=list(fs.X.columns),
        feature_spec_version=fs.spec_version,
        threshold=threshold,
        reference=reference_stats(fs.X),
        importances=feature_importances(pipeline, list(fs.X.columns)),
        trained_at=now_iso(),
    )
    path = save_model(pipeline, meta)
    register_version(meta, path, created_by=user_id, activate=promote)
    log.info("trained %s v%s (%s) acc=%.3f", name, version, algorithm, metrics["accuracy"])
    return meta


def grid_search(dataset, algorithm, space, user_id=None):
    """Very small grid search; trains and registers every candidate, promotes the best."""
    import itertools

    keys = sorted(space)
    best = None
    for combo in itertools.product(*(space[k] for k in keys)):
        params = dict(zip(keys, combo))
        meta = train_model(dataset, algorithm, params, user_id=user_id, promote=False, cv_folds=0)
        if best is None or meta.metrics["accuracy"] > best.metrics["accuracy"]:
            best = meta
    if best is not None:
        from predictly.registry.versions import promote
        promote(best.name, best.version)
    return best
