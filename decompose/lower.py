"""Lower syntax newer than the running interpreter so that ``ast`` can read it.

CPython's ``ast`` is the fast reader, but it only knows the grammar of the interpreter running
``decompose``. When ``ast.parse`` rejects a file, libcst (whose native parser knows 3.12-3.14
syntax: PEP 695 type parameters and ``type`` statements, PEP 701 f-strings, PEP 750 t-strings,
PEP 758 unparenthesised ``except``) parses it and this module rewrites the new forms into older
equivalents that keep the names, calls and line numbers the extractor needs:

- ``type X[T] = expr`` becomes ``X = expr``;
- ``def f[T](...)`` / ``class C[T]`` lose their type parameters;
- f-strings and t-strings become a tuple of their embedded expressions (format specs
  included), each kept on its own line;
- ``except A, B:`` gets parentheses.

The result is only ever parsed, never executed. libcst is imported lazily: it costs ~0.2 s.
"""

from __future__ import annotations

from typing import Any


def lower_source(text: str) -> str | None:
    """Return ``text`` rewritten into syntax the running ``ast`` accepts, or ``None`` when libcst
    cannot parse it either (a genuine syntax error).

    Args:
        text: decoded Python source.

    Returns:
        Source with the same lines for every statement (a multi-line f-string may shrink to one
        line), or ``None``.
    """
    try:
        import libcst as cst
    except ImportError:  # pragma: no cover - libcst is a dependency
        return None
    try:
        module = cst.parse_module(text)
    except Exception:
        return None

    empty = cst.Module(body=[])

    class _Lower(cst.CSTTransformer):
        def leave_TypeAlias(self, original: Any, updated: Any) -> Any:
            return cst.Assign(targets=[cst.AssignTarget(target=updated.name)], value=updated.value)

        def leave_FunctionDef(self, original: Any, updated: Any) -> Any:
            if getattr(updated, "type_parameters", None) is not None:
                return updated.with_changes(type_parameters=None)
            return updated

        def leave_ClassDef(self, original: Any, updated: Any) -> Any:
            if getattr(updated, "type_parameters", None) is not None:
                return updated.with_changes(type_parameters=None)
            return updated

        def _items(self, original: Any, updated: Any, base: int) -> list[tuple[Any, int]]:
            """(expression, newlines before it) for an f-/t-string's embedded expressions
            (format specs included), ``base`` newlines after the start of the outer string."""
            code = empty.code_for_node
            out: list[tuple[Any, int]] = []
            before = base
            for orig_part, part in zip(original.parts, updated.parts, strict=False):
                todo = [part]
                while todo:
                    p = todo.pop(0)
                    if hasattr(p, "expression"):
                        out.append((p.expression, before))
                        todo.extend(getattr(p, "format_spec", None) or ())
                before += code(orig_part).count("\n")
            return out

        def _tuple(self, items: list[tuple[Any, int]], total: int) -> Any:
            # A tuple of the expressions, each on the line where it stood, spanning as many
            # lines as the string did (so every later line keeps its number).
            pieces = ["("]
            line = 0
            for e, before in items:
                pieces.append("\n" * max(before - line, 0))
                line = max(before, line)
                text = empty.code_for_node(e)
                pieces.append(text + ", ")
                line += text.count("\n")
            pieces.append("\n" * max(total - line, 0) + ")")
            return cst.parse_expression("".join(pieces))

        def _strings(self, updated: Any, original: Any) -> Any:
            items = self._items(original, updated, 0)
            return self._tuple(items, empty.code_for_node(original).count("\n"))

        def visit_ConcatenatedString(self, node: Any) -> bool:
            return False  # lowered as a whole below: a tuple cannot be a concatenation's part

        def leave_ConcatenatedString(self, original: Any, updated: Any) -> Any:
            # `"a" f"{x}" "b"` becomes one tuple of the embedded expressions (each lowered too).
            fstrings = tuple(
                c for c in (cst.FormattedString, getattr(cst, "TemplatedString", None)) if c
            )
            parts = _parts(original, cst)
            if not any(isinstance(n, fstrings) for n in parts):
                return updated
            code = empty.code_for_node
            whole = code(original)
            items: list[tuple[Any, int]] = []
            for n in parts:
                if not isinstance(n, fstrings):
                    continue
                base = 0
                at = whole.find(code(n))  # parts appear in order and are unique enough
                if at >= 0:
                    base = whole.count("\n", 0, at)
                # the embedded expressions, themselves lowered, with their own lines
                visited = n.with_changes(
                    parts=[
                        q.with_changes(expression=q.expression.visit(self))
                        if hasattr(q, "expression")
                        else q
                        for q in n.parts
                    ]
                )
                items.extend(self._items(n, visited, base))
            return self._tuple(items, whole.count("\n"))

        def leave_FormattedString(self, original: Any, updated: Any) -> Any:
            return self._strings(updated, original)

        def leave_TemplatedString(self, original: Any, updated: Any) -> Any:
            return self._strings(updated, original)

        def leave_ExceptHandler(self, original: Any, updated: Any) -> Any:
            t = updated.type
            if isinstance(t, cst.Tuple) and not t.lpar:
                return updated.with_changes(
                    type=t.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
                )
            return updated

        def leave_ExceptStarHandler(self, original: Any, updated: Any) -> Any:
            return self.leave_ExceptHandler(original, updated)

    try:
        lowered = module.visit(_Lower())
        code: str = lowered.code
    except Exception:
        return None
    return code


def _parts(node: Any, cst: Any) -> list[Any]:
    """The string parts of a (nested) ``ConcatenatedString``, left to right."""
    out: list[Any] = []
    todo = [node]
    while todo:
        n = todo.pop(0)
        if isinstance(n, cst.ConcatenatedString):
            todo[:0] = [n.left, n.right]
        else:
            out.append(n)
    return out
