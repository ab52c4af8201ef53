"""Factor parameter-linear subexpressions: Σ_k u_k·e_k with one cache column per distinct u.

A subexpression built from ``+ - × ÷``, negation, conjugation and ``to_complex`` in which
every product has a side that depends on no event (a *uniform* u: parameters and constants)
or on no parameter (a per-event e) is a linear form Σ_k u_k·e_k.  Grouping its terms by
coefficient, Σ_u u·(Σ e), needs one cache column per distinct coefficient instead of one
per per-event leaf.  This is what turns a hand-written K-matrix F vector,
``F = inverse(Π·I + K̂·C) @ P̂`` with P̂_j = Σ_α β_α·c_jα, into Σ_α β_α·(Σ_j A_ij c_jα):
a column per pole, as in the built-in ``KopfKMatrix*`` amplitudes, found from the generic form.

A linear region ends at a node that is an output, is used more than once, or is used by a
non-linear node (``norm_sqr``, ``real``, an amplitude gate, ...).  The region is rewritten
only when that reduces the number of per-event leaves it reads; the pass is idempotent.

Examples
--------
>>> from gpu_laddu.ir.nodes import make, param, column
>>> class Col:
...     def __init__(self, k): self.key = ("demo", k)
...     dtype = "real"
...     def compute(self, ds, memo): ...
...     def required_columns(self): return frozenset(), frozenset()
>>> a, b, c, d = (column(Col(k)) for k in range(4))
>>> x, y = param("x"), param("y")
>>> p0 = make("add", (make("mul", (x, a)), make("mul", (y, b))))   # x·a + y·b
>>> p1 = make("add", (make("mul", (x, c)), make("mul", (y, d))))   # x·c + y·d
>>> f = make("norm_sqr", (make("add", (make("mul", (a, p0)), make("mul", (b, p1)))),))
>>> (g,) = factor_linear([f])
>>> sorted(n.op for n in g.inputs[0].inputs)    # x·(a·a + b·c) + y·(a·b + b·d)
['mul', 'mul']
"""

from __future__ import annotations

from collections.abc import Sequence

from gpu_laddu.ir.nodes import EvalClass, Node, const, make, rebuild, topo_order

_ONE = None  # the factor 1 in a term (u, e)
Term = tuple[Node | None, Node | None]
MAX_TERMS = 256

_LINEAR_OPS = frozenset({"add", "sub", "neg", "mul", "div", "conj", "to_complex"})


def _times(a: Node | None, b: Node | None) -> Node | None:
    if a is None:
        return b
    if b is None:
        return a
    return make("mul", (a, b))


def _neg(t: Term) -> Term:
    u, e = t
    if e is not None:
        return u, make("neg", (e,))
    return (const(-1.0) if u is None else make("neg", (u,))), None


class _Forms:
    """Linear forms (lists of (uniform, per-event) terms) of the nodes of one graph."""

    def __init__(self, outputs: Sequence[Node]) -> None:
        self.order = topo_order(outputs)
        self.has_event: dict[int, bool] = {}
        self.uses: dict[int, int] = {}
        self.user: dict[int, Node] = {}
        for o in outputs:
            self.uses[id(o)] = self.uses.get(id(o), 0) + 1
        for n in self.order:
            self.has_event[id(n)] = n.op == "column" or any(self.has_event[id(i)] for i in n.inputs)
            for i in set(map(id, n.inputs)):
                self.uses[i] = self.uses.get(i, 0) + 1
                self.user.setdefault(i, n)
        self.forms: dict[int, list[Term] | None] = {}
        for n in self.order:
            self.forms[id(n)] = self._form(n)

    def mixed(self, n: Node) -> bool:
        return n.eval_class == EvalClass.PER_EVALUATION and self.has_event[id(n)]

    def visible(self, n: Node) -> list[Term] | None:
        """The form of ``n`` as its users see it: a shared mixed node is opaque."""
        if not self.has_event[id(n)]:
            return [(n, _ONE)]
        if n.eval_class != EvalClass.PER_EVALUATION:
            return [(_ONE, n)]
        if self.uses.get(id(n), 0) > 1:
            return None
        return self.forms[id(n)]

    def _form(self, n: Node) -> list[Term] | None:  # noqa: C901 - one rule per op
        if not self.mixed(n) or n.op not in _LINEAR_OPS:
            return None
        ins = [self.visible(i) for i in n.inputs]
        if any(f is None for f in ins):
            return None
        a = ins[0]
        assert a is not None
        out: list[Term]
        if n.op == "add":
            out = a + ins[1]  # type: ignore[operator]
        elif n.op == "sub":
            out = a + [_neg(t) for t in ins[1]]  # type: ignore[union-attr]
        elif n.op == "neg":
            out = [_neg(t) for t in a]
        elif n.op == "conj":
            out = [(None if u is None else make("conj", (u,)), None if e is None else make("conj", (e,))) for u, e in a]
        elif n.op == "to_complex":
            out = [(u, make("to_complex", (e,))) if e is not None and e.dtype == "real" else
                   ((make("to_complex", (u,)) if u is not None and u.dtype == "real" else u), e) for u, e in a]
        else:
            other = ins[1]
            assert other is not None
            pure = _pure(other) if n.op == "div" else (_pure(other) or _pure(a))
            if pure is None:
                return None
            kind, factor = pure
            terms = a if (n.op == "div" or _pure(other) is not None) else other
            if n.op == "div":
                out = [(make("div", (const(1.0) if u is None else u, factor)), e) if kind == "u" else
                       (u, make("div", (const(1.0) if e is None else e, factor))) for u, e in terms]
            elif kind == "u":
                out = [(_times(u, factor), e) for u, e in terms]
            else:
                out = [(u, _times(e, factor)) for u, e in terms]
        return out if len(out) <= MAX_TERMS else None


def _pure(form: list[Term]) -> tuple[str, Node] | None:
    """('u', u) or ('e', e) when ``form`` is a single purely uniform or purely per-event term."""
    if len(form) != 1:
        return None
    u, e = form[0]
    if e is None and u is not None:
        return "u", u
    if u is None and e is not None:
        return "e", e
    return None


def _region_leaves(root: Node, forms: _Forms) -> int:
    """Distinct per-event nodes read directly by the mixed, unshared nodes of ``root``'s region."""
    leaves: set[int] = set()
    stack, seen = [root], set()
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        for i in n.inputs:
            if forms.has_event[id(i)] and i.eval_class != EvalClass.PER_EVALUATION:
                leaves.add(id(i))
            elif forms.mixed(i) and forms.uses.get(id(i), 0) <= 1 and forms.forms[id(i)] is not None:
                stack.append(i)
    return len(leaves)


def _grouped(terms: list[Term], dtype: str) -> Node:
    groups: dict[int, tuple[Node | None, list[Node | None]]] = {}
    for u, e in terms:
        key = 0 if u is None else id(u)
        groups.setdefault(key, (u, []))[1].append(e)
    total: Node | None = None
    for u, es in groups.values():
        event: Node | None = None
        for e in es:
            e = const(1.0) if e is None else e
            event = e if event is None else make("add", (event, e))
        term = _times(u, event)
        assert term is not None
        total = term if total is None else make("add", (total, term))
    assert total is not None
    if total.dtype != dtype:
        total = make("to_complex", (total,))
    return total


def factor_linear(outputs: list[Node]) -> list[Node]:
    """Rewrite each linear region (see the module docstring) as Σ_u u·(Σ e) where that reads fewer columns."""
    forms = _Forms(outputs)
    replace: dict[int, Node] = {}
    for n in forms.order:
        terms = forms.forms[id(n)]
        if terms is None:
            continue
        users_opaque = forms.uses.get(id(n), 0) != 1 or any(n is o for o in outputs) or not _absorbed(n, forms)
        if not users_opaque:
            continue
        n_groups = len({0 if u is None else id(u) for u, _ in terms})
        if n_groups < _region_leaves(n, forms):
            replace[id(n)] = _grouped(terms, n.dtype)
    if not replace:
        return list(outputs)

    def rebuild_node(node: Node, inputs: tuple[Node, ...]) -> Node:
        if id(node) in replace:
            return replace[id(node)]
        return node if inputs == node.inputs else make(node.op, inputs, node.attrs)

    return rebuild(list(outputs), rebuild_node)


def _absorbed(n: Node, forms: _Forms) -> bool:
    """Whether the single user of ``n`` continues its linear region."""
    user = forms.user.get(id(n))
    return user is not None and forms.forms[id(user)] is not None
