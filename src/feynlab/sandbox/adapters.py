"""The model a learner returns, whatever framework they know, as one ``predict(x) -> scores``.

Runs inside the sandbox, in the learner's process: when a grader calls ``model.predict(x)`` on a
returned object, the harness asks ``predictor`` for the function to call. Accepted:
- a Keras model (or any object of the learner's with a ``predict`` of its own): its ``predict``;
- a PyTorch ``nn.Module``: called under ``torch.no_grad()``, in eval mode, on ``x`` as a float32
  tensor, in batches; its output back as a NumPy array;
- a scikit-learn estimator: ``predict_proba``, else ``decision_function``, on ``x`` flattened to
  ``(n, features)`` when it was fitted on flat rows (MNIST images are ``(n, 28, 28)``).
Anything else raises ``NotAModel``, whose message says what is needed. Nothing here is trusted:
the grader checks the shape and values of what comes back and scores only that.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

BATCH = 512
WANTED = (
    "Return a model with `predict(x)` giving one row of scores per input: a Keras model, a "
    "PyTorch `nn.Module` or a scikit-learn classifier (with `predict_proba` or "
    "`decision_function`)."
)


class NotAModel(Exception):
    """The returned object is nothing the grader can ask for predictions."""


def predictor(obj: Any, *, returned_by: str | None = None) -> Callable[..., Any]:
    """The function that answers a grader's ``predict`` on ``obj``."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(obj, torch.nn.Module):
        return _torch_predict(torch, obj)
    if _is_sklearn(obj):
        for method in ("predict_proba", "decision_function"):
            if callable(getattr(obj, method, None)):
                return _sklearn_predict(obj, method)
    own = getattr(obj, "predict", None)
    if callable(own) and not _is_sklearn(obj):
        return own
    what = _article(type(obj).__name__)
    source = f"`{returned_by}` returned {what}" if returned_by else f"The model is {what}"
    if _is_sklearn(obj):
        raise NotAModel(
            f"{source}, a scikit-learn estimator without `predict_proba` or "
            "`decision_function`, so it gives labels, not scores. Use a classifier that gives "
            "scores (for example `LogisticRegression`, or `SVC(probability=True)`). " + WANTED
        )
    raise NotAModel(f"{source}, which has no `predict`. " + WANTED)


def _article(name: str) -> str:
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def _is_sklearn(obj: Any) -> bool:
    base = sys.modules.get("sklearn.base")
    return base is not None and isinstance(obj, base.BaseEstimator)


def _numpy(x: Any) -> Any:
    import numpy as np

    return np.asarray(x)


def _torch_predict(torch: Any, module: Any) -> Callable[..., Any]:
    def predict(x: Any, *args: Any, **kwargs: Any) -> Any:
        import numpy as np

        data = np.asarray(x, dtype=np.float32)
        was_training = module.training
        module.eval()
        outputs = []
        try:
            with torch.no_grad():
                for start in range(0, max(len(data), 1), BATCH):
                    batch = torch.from_numpy(np.ascontiguousarray(data[start : start + BATCH]))
                    try:
                        out = module(batch)
                    except Exception as exc:
                        exc.add_note(
                            "(the grader called your nn.Module on a float32 tensor of shape "
                            f"{tuple(batch.shape)}, under torch.no_grad())"
                        )
                        raise
                    if not isinstance(out, torch.Tensor):
                        raise NotAModel(
                            f"Your nn.Module returned a {type(out).__name__}, not a tensor of "
                            "scores. " + WANTED
                        )
                    outputs.append(out.detach().cpu().float().numpy())
        finally:
            module.train(was_training)
        return np.concatenate(outputs) if outputs else np.zeros((0,), np.float32)

    return predict


def _sklearn_predict(estimator: Any, method: str) -> Callable[..., Any]:
    def predict(x: Any, *args: Any, **kwargs: Any) -> Any:
        import numpy as np

        data = _numpy(x)
        features = getattr(estimator, "n_features_in_", None)
        if data.ndim > 2 and features == int(np.prod(data.shape[1:])):
            data = data.reshape(len(data), -1)
        scores = np.asarray(getattr(estimator, method)(data))
        return _by_class(estimator, scores)

    return predict


def _by_class(estimator: Any, scores: Any) -> Any:
    """Columns in the order of the class labels 0, 1, ... when the estimator's classes are
    small non-negative integers (a classifier fitted on a subset lacks some columns)."""
    import numpy as np

    classes = getattr(estimator, "classes_", None)
    if classes is None or scores.ndim != 2 or scores.shape[1] != len(classes):
        return scores
    labels = np.asarray(classes)
    if labels.dtype.kind not in "iu" or labels.min() < 0 or labels.max() >= 10_000:
        return scores
    if np.array_equal(labels, np.arange(len(labels))):
        return scores
    full = np.full((len(scores), int(labels.max()) + 1), min(float(scores.min()) - 1.0, 0.0))
    full[:, labels] = scores
    return full
