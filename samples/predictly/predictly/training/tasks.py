"""In-process task registry. Jobs are run synchronously but the API pretends
they are queued so we can move to a real worker later."""
import functools
import itertools

from predictly.features.store import materialize
from predictly.training.hyperparams import search_space
from predictly.training.trainer import grid_search, train_model
from predictly.utils import PredictlyError, log

TASKS = {}
_job_ids = itertools.count(1)
JOBS = {}
_CALLBACKS = []


def task(name):
    def deco(fn):
        TASKS[name] = fn
        return fn
    return deco


def on_complete(callback):
    _CALLBACKS.append(callback)
    return callback


TASKS["materialize_features"] = materialize
TASKS["train_logreg"] = functools.partial(train_model, algorithm="logreg")
TASKS["train_forest"] = functools.partial(train_model, algorithm="forest")


@task("train")
def _train(dataset, algorithm="logreg", params=None, **kw):
    return train_model(dataset, algorithm=algorithm, params=params, **kw)


@task("tune")
def _tune(dataset, algorithm="forest", **kw):
    return grid_search(dataset, algorithm, search_space(algorithm), **kw)


def submit(name, *args, **kwargs):
    fn = TASKS.get(name)
    if fn is None:
        raise PredictlyError(f"unknown task {name!r}")
    job_id = next(_job_ids)
    JOBS[job_id] = {"id": job_id, "task": name, "status": "running"}
    try:
        result = fn(*args, **kwargs)
    except Exception as exc:
        JOBS[job_id].update(status="failed", error=str(exc))
        log.warning("task %s failed: %s", name, exc)
        raise
    JOBS[job_id].update(status="done")
    for cb in list(_CALLBACKS):
        try:
            cb(name, result)
        except Exception:  # callbacks must never break a job
            log.exception("task callback failed")
    return job_id, result


def reset():
    global _job_ids
    JOBS.clear()
    _job_ids = itertools.count(1)
