"""Recognise intensities whose accepted-MC sum reduces to precomputable normalisation integrals.

The common amplitude-analysis intensity is

    I = Σ_k s_k · E_k · |Σ_a c_{k,a} · B_{k,a}|²  +  Re Σ_b d_b · D_b

with coefficients ``c``, ``d`` and scales ``s`` that depend on parameters but not on events
(*uniform*), and bases ``B``, ``D`` and real weights ``E`` that depend on events but not
on parameters (cache columns or PER_EVENT expressions of them).  Then

    Σ_acc w·I = Σ_k Re(s_k) · c_kᵀ M_k c̄_k + Re Σ_b d_b m_b,
    M_k[a, a'] = Σ_acc w·E_k·B_{k,a}·B̄_{k,a'},   m_b = Σ_acc w·D_b,

so the matrices are computed once per MC sample and every likelihood call costs
O(n_amplitudes²), independent of the MC size.  :func:`decompose_intensity` finds this
form in the value node of a specialised per-call graph and returns ``None`` when it does
not apply (a coefficient that mixes parameters and events, e.g. a Breit–Wigner with a
free mass); callers then fall back to the event loop.

Examples
--------
>>> from gpu_laddu.ir.nodes import make, param, column
>>> class Col:
...     def __init__(self, k): self.key = ("demo", k)
...     dtype = "complex"
...     def compute(self, ds, memo): ...
...     def required_columns(self): return frozenset(), frozenset()
>>> b0, b1 = column(Col(0)), column(Col(1))
>>> c0 = make("complex", (param("x"), param("y")))
>>> s = make("add", (make("mul", (b0, c0)), make("mul", (b1, param("z")))))
>>> d = decompose_intensity(make("norm_sqr", (s,)))
>>> len(d.coherent), len(d.coherent[0].coefficients), len(d.linear_coefficients)
(1, 2, 0)
>>> decompose_intensity(make("exp", (make("mul", (param("x"), make("real", (b0,)))),))) is None
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from gpu_laddu.ir.nodes import Node, const, make, topo_order
from gpu_laddu.passes.fold import fold

Pair = tuple[Node, Node | None]  # (uniform coefficient, per-event basis or None for 1)


@dataclass(frozen=True)
class CoherentTerm:
    """``Re(scale) · weight · |Σ_a coefficients[a]·bases[a]|²`` (scale/weight None: 1; basis None: 1)."""

    coefficients: tuple[Node, ...]
    bases: tuple[Node | None, ...]
    scale: Node | None
    weight: Node | None


@dataclass(frozen=True)
class Decomposition:
    """An intensity as coherent terms plus a linear part ``Re Σ_b linear_coefficients[b]·linear_bases[b]``."""

    coherent: tuple[CoherentTerm, ...]
    linear_coefficients: tuple[Node, ...]
    linear_bases: tuple[Node | None, ...]

    @property
    def uniform_nodes(self) -> list[Node]:
        """Distinct coefficient and scale nodes (evaluated per call, with their derivatives)."""
        nodes = [*self.linear_coefficients]
        for t in self.coherent:
            nodes.extend(t.coefficients)
            if t.scale is not None:
                nodes.append(t.scale)
        return _distinct(nodes)

    @property
    def event_nodes(self) -> list[Node]:
        """Distinct basis and weight nodes (evaluated once per MC sample)."""
        nodes: list[Node | None] = [*self.linear_bases]
        for t in self.coherent:
            nodes.extend(t.bases)
            nodes.append(t.weight)
        return _distinct(n for n in nodes if n is not None)


def _distinct(nodes: Iterable[Node]) -> list[Node]:
    seen: dict[int, Node] = {}
    for n in nodes:
        seen.setdefault(id(n), n)
    return list(seen.values())


class _Analysis:
    """Linear forms Σ c·B of nodes (memoised), given which nodes depend on events / parameters.

    Forms are computed without recursion (an explicit stack, children first), so that sums of
    thousands of amplitudes and long chains of operations analyse like short ones; the form of
    a node with one user is extended in place by that user (a sum of n terms costs O(n)).
    """

    def __init__(self, root: Node) -> None:
        self.events: dict[int, bool] = {}
        self.params: dict[int, bool] = {}
        self.users: dict[int, int] = {}
        for n in topo_order([root]):
            self.events[id(n)] = n.op == "column" or any(self.events[id(i)] for i in n.inputs)
            self.params[id(n)] = n.op in ("param", "amp") or any(self.params[id(i)] for i in n.inputs)
            for i in {id(i) for i in n.inputs}:
                self.users[i] = self.users.get(i, 0) + 1
        self.memo: dict[int, list[Pair] | None] = {}

    def uniform(self, n: Node) -> bool:
        return not self.events[id(n)]

    def per_event(self, n: Node) -> bool:
        return self.events[id(n)] and not self.params[id(n)]

    def _needs(self, n: Node) -> tuple[Node, ...]:
        """The nodes whose forms the form of ``n`` is built from."""
        if self.uniform(n) or self.per_event(n):
            return ()
        op, ins = n.op, n.inputs
        if op in ("add", "sub"):
            return ins
        if op in ("neg", "conj", "to_complex", "real", "imag"):
            return ins[:1]
        if op in ("mul", "div"):
            return (self._factor(n)[0],)
        return ()

    def _factor(self, n: Node) -> tuple[Node, Node]:
        """(the parameter- and event-dependent factor of a product or quotient, the other one)."""
        a, b = n.inputs
        if n.op == "mul" and (self.uniform(a) or self.per_event(a)):
            a, b = b, a
        return a, b

    def linear(self, root: Node) -> list[Pair] | None:
        """The form of ``root`` (``None`` when it is not linear in uniform coefficients); do not modify it."""
        stack = [root]
        while stack:
            n = stack[-1]
            if id(n) in self.memo:
                stack.pop()
                continue
            missing = [c for c in self._needs(n) if id(c) not in self.memo]
            if missing:
                stack.extend(missing)
                continue
            stack.pop()
            self.memo[id(n)] = self._linear(n)
        return self.memo[id(root)]

    def _take(self, n: Node) -> list[Pair] | None:
        """The memoised form of ``n``, for its user to extend: the list itself when ``n`` has no other user."""
        form = self.memo[id(n)]
        if form is None or self.users.get(id(n), 0) <= 1:
            return form
        return list(form)

    def _linear(self, n: Node) -> list[Pair] | None:  # noqa: C901 - one case per op
        """The form of ``n`` from the memoised forms of :meth:`_needs`."""
        if self.uniform(n):
            return [(n, None)]
        if self.per_event(n):
            return [(const(1.0), n)]
        op, ins = n.op, n.inputs
        if op in ("add", "sub"):
            if self.memo[id(ins[0])] is None or self.memo[id(ins[1])] is None:
                return None
            left = self._take(ins[0])
            right = self.memo[id(ins[1])]
            assert left is not None and right is not None
            if left is right:
                right = list(right)
            left.extend(right if op == "add" else [(make("neg", (c,)), b) for c, b in right])
            return left
        if op in ("neg", "conj", "to_complex"):
            form = self.memo[id(ins[0])]
            if form is None or op == "to_complex":
                return self._take(ins[0])
            if op == "neg":
                return [(make("neg", (c,)), b) for c, b in form]
            return [(make("conj", (c,)), None if b is None else make("conj", (b,))) for c, b in form]
        if op in ("real", "imag"):
            form = self.memo[id(ins[0])]
            return None if form is None else [p for c, b in form for p in _part(op, c, b)]
        if op in ("mul", "div"):
            return self._product(n)
        return None

    def _product(self, n: Node) -> list[Pair] | None:
        a, b = self._factor(n)
        form = self.memo[id(a)]
        if form is None:
            return None
        if self.uniform(b):
            return [(make(n.op, (c, b)), B) for c, B in form]
        if self.per_event(b):
            one = const(1.0)
            return [(c, make(n.op, (one if B is None else B, b))) for c, B in form]
        return None


def _part(op: str, c: Node, b: Node | None) -> list[Pair]:
    """Re(c·b) or Im(c·b) as a sum of (real coefficient, real basis) pairs."""
    re_c, im_c = make("real", (c,)), make("imag", (c,))
    if c.dtype == "real" and b is not None:
        return [(c, make(op, (b,)))]
    if b is None:
        return [(re_c if op == "real" else im_c, None)]
    re_b, im_b = make("real", (b,)), make("imag", (b,))
    if op == "real":
        return [(re_c, re_b), (make("neg", (im_c,)), im_b)]
    return [(re_c, im_b), (im_c, re_b)]


def _signed_terms(root: Node) -> list[tuple[int, Node]]:
    """Flatten the top-level sum (Re of the root is taken, so real/conj/to_complex are transparent)."""
    out: list[tuple[int, Node]] = []
    stack = [(1, root)]
    while stack:
        sign, n = stack.pop()
        if n.op in ("add", "sub"):
            stack.append((sign, n.inputs[0]))
            stack.append((sign if n.op == "add" else -sign, n.inputs[1]))
        elif n.op == "neg":
            stack.append((-sign, n.inputs[0]))
        elif n.op in ("real", "conj", "to_complex"):
            stack.append((sign, n.inputs[0]))
        else:
            out.append((sign, n))
    return out


def _coherent(an: _Analysis, sign: int, term: Node) -> CoherentTerm | None:
    factors: list[Node] = []
    stack = [term]
    while stack:
        n = stack.pop()
        if n.op == "mul":
            stack.extend(n.inputs)
        elif n.op == "neg":
            sign = -sign
            stack.append(n.inputs[0])
        else:
            factors.append(n)
    squares = [f for f in factors if f.op == "norm_sqr" and not an.uniform(f) and not an.per_event(f)]
    rest = [f for f in factors if not any(f is s for s in squares)]
    if len(squares) != 1 or not all(an.uniform(f) or (an.per_event(f) and f.dtype == "real") for f in rest):
        return None
    form = an.linear(squares[0].inputs[0])
    if form is None:
        return None
    scale = _product([f for f in rest if an.uniform(f)])
    if sign < 0:
        scale = make("neg", (const(1.0) if scale is None else scale,))
    weight = _product([f for f in rest if not an.uniform(f)])
    coefficients = fold([c for c, _ in form])
    bases = _fold_optional([b for _, b in form])
    return CoherentTerm(tuple(coefficients), tuple(bases), None if scale is None else fold([scale])[0],
                        None if weight is None else fold([weight])[0])


def _product(nodes: list[Node]) -> Node | None:
    if not nodes:
        return None
    out = nodes[0]
    for n in nodes[1:]:
        out = make("mul", (out, n))
    return out


def _fold_optional(nodes: list[Node | None]) -> list[Node | None]:
    present = fold([n for n in nodes if n is not None])
    it = iter(present)
    return [None if n is None else next(it) for n in nodes]


def decompose_intensity(value: Node) -> Decomposition | None:
    """The normalisation-integral form of ``Re(value)``, or ``None`` when it does not apply."""
    an = _Analysis(value)
    coherent: list[CoherentTerm] = []
    linear: list[Pair] = []
    for sign, term in _signed_terms(value):
        form = an.linear(term)
        if form is not None:
            linear.extend((c if sign > 0 else make("neg", (c,)), b) for c, b in form)
            continue
        group = _coherent(an, sign, term)
        if group is None:
            return None
        coherent.append(group)
    coefficients = fold([c for c, _ in linear])
    kept = [k for k, c in enumerate(coefficients) if not (c.op == "const" and c.value == 0)]
    bases = _fold_optional([b for _, b in linear])
    return Decomposition(tuple(coherent), tuple(coefficients[k] for k in kept), tuple(bases[k] for k in kept))
