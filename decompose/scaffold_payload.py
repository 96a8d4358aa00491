"""Payload checks for ``scaffold``: will a cross-service call's arguments and result survive
JSON?

Each parameter and return value of a function that becomes a network call is classified from its
annotation (when there is one), then from its name (``df``, ``X``, ``model``, ``callback``...), then
from the function body (generators). Every non-JSON category comes with a concrete suggestion.
The classification is static and heuristic: it flags what to look at; the runtime codec
(``decompose_service.runtime``) still carries DataFrames, arrays and first-party objects so that the
scaffold runs, and model objects only when pickle is allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

JSON_NATIVE = frozenset(
    {
        "str",
        "int",
        "float",
        "bool",
        "None",
        "dict",
        "list",
        "Dict",
        "List",
        "Any",
        "object",
        "Mapping",
        "Sequence",
        "tuple",
        "Tuple",
    }
)

SUGGESTIONS = {
    "dataframe": "a DataFrame crosses the boundary: pass a dataset id or a path the callee can "
    "read, or define a row schema (list of records) and convert at the edge",
    "array": "an array crosses the boundary: send a list with a declared dtype and shape, or "
    "store it and pass a path/id",
    "tensor": "a tensor crosses the boundary: keep the model and its caller together, or send "
    "plain lists with a declared shape",
    "model": "a model object crosses the boundary: pass the model name/version (or a path to the "
    "artifact) and let the owner load it, or keep the two together",
    "file": "an open file crosses the boundary: pass a path (on shared storage) or the bytes",
    "generator": "a generator crosses the boundary: return a list, or paginate",
    "callback": "a callable crosses the boundary: callbacks cannot be sent; keep the two "
    "together, or pass the name of a registered handler",
    "request": "an HTTP request object crosses the boundary: pass the fields the callee needs",
    "object": "an application object crosses the boundary: define a schema (a pydantic model) "
    "for it in a shared contract package",
}

_ANNOTATION_RULES: tuple[tuple[str, str], ...] = (
    (r"(^|\.)(DataFrame|Series)\b", "dataframe"),
    (r"(^|\.)(ndarray|NDArray|ArrayLike)\b|^np\.|^numpy\.", "array"),
    (r"(^|\.)Tensor\b|^torch\.|^tf\.", "tensor"),
    (r"(Estimator|Pipeline|Classifier|Regressor|Model|Module|Booster)\b", "model"),
    (r"(^|\.)(IO|TextIO|BinaryIO|TextIOWrapper|BufferedReader|IOBase)\b", "file"),
    (r"(^|\.)(Generator|Iterator|AsyncIterator|AsyncGenerator)\b", "generator"),
    (r"(^|\.)Callable\b", "callback"),
    (r"(^|\.)(Request|WebSocket)\b", "request"),
)
_NAME_RULES: tuple[tuple[str, str], ...] = (
    (r"^(df|frame|dataframe|data_frame|.*_df)$", "dataframe"),
    (r"^(X|X_train|X_test|arr|array|matrix|.*_array)$", "array"),
    (r"^(tensor|.*_tensor)$", "tensor"),
    (r"^(model|estimator|pipeline|pipe|clf|regressor|classifier|.*_model)$", "model"),
    (r"^(fh|fp|file|fileobj|stream)$", "file"),
    (r"^(fn|func|callback|cb|hook|handler|make_.*|.*_factory|on_.*)$", "callback"),
)


@dataclass(frozen=True, slots=True)
class PayloadFlag:
    """One value that may not survive JSON.

    Attributes:
        where: ``param <name>`` or ``return``.
        category: a key of :data:`SUGGESTIONS`.
        evidence: ``annotation `X```, ``name``, or ``body``.
    """

    where: str
    category: str
    evidence: str

    @property
    def suggestion(self) -> str:
        return SUGGESTIONS[self.category]


def classify(
    annotation: str, name: str, first_party_classes: frozenset[str] = frozenset()
) -> tuple[str, str] | None:
    """Classify one value: ``(category, evidence)`` or None when it looks JSON-safe/unknown.

    Args:
        annotation: the annotation's source text (``""`` when missing).
        name: the parameter name (``""`` for a return value).
        first_party_classes: class names defined in the analyzed project.
    """
    ann = annotation.strip().strip("'\"")
    if ann:
        for pattern, cat in _ANNOTATION_RULES:
            if re.search(pattern, ann):
                return cat, f"annotation `{ann}`"
        head = re.split(r"[\[|\s]", ann, maxsplit=1)[0].split(".")[-1]
        if head in first_party_classes:
            return "object", f"annotation `{ann}`"
        if head in JSON_NATIVE:
            return None
    if name:
        for pattern, cat in _NAME_RULES:
            if re.match(pattern, name):
                return cat, "name"
    return None


_RETURN_CALL_RULES: tuple[tuple[str, str], ...] = (
    (r"^(pd|pandas)\.(DataFrame|Series|concat|read_\w+)$|\.to_frame$", "dataframe"),
    (r"^(np|numpy)\.", "array"),
    (r"^(joblib|pickle|torch|cloudpickle|dill)\.loads?$|\.load_model$", "model"),
    (r"^open$|^(io|gzip|bz2|lzma)\.open$", "file"),
)


def classify_returned_call(
    call: str, first_party_classes: frozenset[str] = frozenset()
) -> str | None:
    """Category of a value built by ``return <call>(...)`` (``call`` is the callee's text)."""
    for pattern, cat in _RETURN_CALL_RULES:
        if re.search(pattern, call):
            return cat
    if call.split(".")[-1] in first_party_classes:
        return "object"
    return None


def check_function(
    params: tuple[tuple[str, str, str], ...],
    returns: str,
    is_generator: bool,
    first_party_classes: frozenset[str] = frozenset(),
    return_calls: tuple[str, ...] = (),
) -> list[PayloadFlag]:
    """Flags for a function that becomes a network call.

    Args:
        params: ``(name, kind, annotation)`` per parameter (``self``/``cls`` skipped by caller).
        returns: the return annotation text.
        is_generator: the body yields.
        first_party_classes: class names defined in the analyzed project.
        return_calls: callee texts of ``return f(...)`` statements (used without annotation).
    """
    out: list[PayloadFlag] = []
    for name, kind, ann in params:
        if kind in ("vararg", "varkw") and not ann:
            continue
        c = classify(ann, name, first_party_classes)
        if c:
            out.append(PayloadFlag(f"param {name}", c[0], c[1]))
    if is_generator:
        out.append(PayloadFlag("return", "generator", "body"))
    else:
        c = classify(returns, "", first_party_classes)
        if c:
            out.append(PayloadFlag("return", c[0], c[1]))
        elif not returns:
            for call in return_calls:
                cat = classify_returned_call(call, first_party_classes)
                if cat:
                    out.append(PayloadFlag("return", cat, f"body: returns `{call}(...)`"))
                    break
    return out
