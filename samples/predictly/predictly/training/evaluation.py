import numpy as np
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

# training reaches into serving so that offline metrics use the exact same
# thresholding as production. (Yes, this is backwards.)
from predictly.serving.wrappers import wrap_model


def evaluate(pipeline, X, y, algorithm="logreg", threshold=0.5):
    wrapper = wrap_model(pipeline, algorithm, threshold=threshold, columns=list(X.columns))
    proba = wrapper.predict_proba_frame(X)
    preds = (proba >= threshold).astype(int)
    metrics = {
        "accuracy": float(accuracy_score(y, preds)),
        "f1": float(f1_score(y, preds, zero_division=0)),
        "positive_rate": float(np.mean(preds)),
        "n": int(len(y)),
    }
    if len(set(y)) > 1:
        metrics["roc_auc"] = float(roc_auc_score(y, proba))
    return metrics


def cross_validate(make_pipeline, X, y, folds=3, seed=0):
    y = np.asarray(y)
    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    scores = []
    for train_idx, test_idx in skf.split(X, y):
        pipe = make_pipeline()
        pipe.fit(X.iloc[train_idx], y[train_idx])
        proba = pipe.predict_proba(X.iloc[test_idx])[:, 1]
        scores.append(float(accuracy_score(y[test_idx], (proba >= 0.5).astype(int))))
    return {"cv_accuracy_mean": float(np.mean(scores)), "cv_accuracy_std": float(np.std(scores))}
