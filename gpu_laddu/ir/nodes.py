"""IR nodes: immutable, hash-consed, each tagged with its evaluation class.

A node is ``(op, inputs, attrs, dtype)``.  Nodes are interned: building the same subtree
twice returns the same object, so equality is identity and common subexpressions are
shared by construction.  Float constants are keyed by their bit patterns (``0.0`` and
``-0.0`` differ, NaNs compare equal to themselves).  Every node carries a stable
``fingerprint`` (a SHA-256 over its structure) used for kernel-cache keys and kernel names.

Evaluation classes:

* ``PER_COMPILE`` — depends on neither events nor free parameters (folded to constants);
* ``PER_EVENT`` — depends on events but no free parameter (precomputed once per dataset);
* ``PER_EVALUATION`` — depends on free parameters (computed on every likelihood call).

Examples
--------
>>> a = const(2.0); b = const(2.0)
>>> a is b, a.eval_class.name, a.dtype
(True, 'PER_COMPILE', 'real')
>>> x = param("x"); y = make("mul", (x, a))
>>> y is make("mul", (x, const(2.0))), y.eval_class.name
(True, 'PER_EVALUATION')
"""

from __future__ import annotations

import hashlib
import struct
import threading
import weakref
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from enum import IntEnum
from typing import Any, Protocol

from gpu_laddu.errors import IRError


class EvalClass(IntEnum):
    """When a node's value can be computed (ordered: later classes dominate)."""

    PER_COMPILE = 0
    PER_EVENT = 1
    PER_EVALUATION = 2


class ColumnSource(Protocol):
    """A per-event column computed once per dataset at load (the leaves of PER_EVENT graphs).

    ``key`` is a tuple of primitives that identifies the computation (equal keys = same
    column); ``compute(dataset, memo)`` returns a float64/complex128 array in the dataset's
    namespace (``memo`` is shared by all columns of one load, for reusing intermediates).
    """

    @property
    def key(self) -> tuple[Any, ...]: ...

    @property
    def dtype(self) -> str: ...

    def compute(self, dataset: Any, memo: dict[Any, Any]) -> Any: ...

    def required_columns(self) -> tuple[frozenset[str], frozenset[str]]: ...


#: op name -> (arity or -1 for leaves, result dtype rule)
#: rules: "real", "complex", "same" (input's), "promote" (complex if any input is complex), "attr" (leaf sets it)
OPS: dict[str, tuple[int, str]] = {
    "const": (0, "attr"),
    "param": (0, "real"),
    "column": (0, "attr"),
    "amp": (1, "same"),
    "neg": (1, "same"),
    "conj": (1, "same"),
    "real": (1, "real"),
    "imag": (1, "real"),
    "norm_sqr": (1, "real"),
    "abs": (1, "real"),
    "sqrt": (1, "same"),
    "exp": (1, "same"),
    "log": (1, "same"),
    "sin": (1, "real"),
    "cos": (1, "real"),
    "acos": (1, "real"),
    "atan2": (2, "real"),
    "cis": (1, "complex"),
    "to_complex": (1, "complex"),
    "complex": (2, "complex"),
    "eq": (2, "real"),
    "add": (2, "promote"),
    "sub": (2, "promote"),
    "mul": (2, "promote"),
    "div": (2, "promote"),
}

REAL_ONLY_INPUT = frozenset({"sin", "cos", "acos", "atan2", "cis", "complex", "abs", "param", "eq"})


class Node:
    """One IR node.  Build nodes with :func:`make`, :func:`const`, :func:`param`, :func:`column`.

    Frozen and slotted; equality is identity (nodes are interned).
    """

    __slots__ = ("op", "inputs", "attrs", "dtype", "eval_class", "fingerprint", "__weakref__")

    op: str
    inputs: tuple[Node, ...]
    attrs: tuple[Any, ...]
    dtype: str
    eval_class: EvalClass
    fingerprint: str

    def __init__(self, op: str, inputs: tuple[Node, ...], attrs: tuple[Any, ...], dtype: str,
                 eval_class: EvalClass, fingerprint: str) -> None:
        for name, value in zip(self.__slots__, (op, inputs, attrs, dtype, eval_class, fingerprint)):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("IR nodes are immutable")

    def __repr__(self) -> str:
        return f"Node({self.op}, {self.dtype}, {self.eval_class.name}, #{self.fingerprint[:8]})"

    def __reduce__(self) -> Any:  # the whole graph as one flat list: no recursion, however deep
        return (_rebuild_graph, (_flatten(self),))

    @property
    def value(self) -> complex | float:
        """The value of a constant leaf."""
        if self.op != "const":
            raise IRError(f"{self!r} is not a constant")
        return self.attrs[0]


_TABLE: weakref.WeakValueDictionary[Hashable, Node] = weakref.WeakValueDictionary()
_LOCK = threading.Lock()


def _float_key(x: float) -> tuple[str, bytes]:
    return ("f", struct.pack("<d", x))


def _attr_key(a: Any) -> Hashable:
    if isinstance(a, bool):
        return ("b", a)
    if isinstance(a, float):
        return _float_key(a)
    if isinstance(a, complex):
        return ("c", _float_key(a.real), _float_key(a.imag))
    if isinstance(a, tuple):
        return ("t", tuple(_attr_key(x) for x in a))
    if hasattr(a, "key") and not isinstance(a, (str, int)):
        return ("src", type(a).__qualname__, _attr_key(tuple(a.key)))
    return a  # str, int, None


def _attr_text(a: Any) -> str:
    if isinstance(a, float):
        return a.hex()
    if isinstance(a, complex):
        return f"({a.real.hex()},{a.imag.hex()})"
    if isinstance(a, tuple):
        return "(" + ",".join(_attr_text(x) for x in a) + ")"
    if hasattr(a, "key") and not isinstance(a, (str, int)):
        return f"{type(a).__qualname__}{_attr_text(tuple(a.key))}"
    return repr(a)


def _result_dtype(op: str, inputs: tuple[Node, ...], attrs: tuple[Any, ...]) -> str:
    rule = OPS[op][1]
    if rule == "attr":
        if op == "const":
            return "complex" if isinstance(attrs[0], complex) else "real"
        return str(attrs[0].dtype)
    if rule == "same":
        return inputs[0].dtype
    if rule == "promote":
        return "complex" if any(i.dtype == "complex" for i in inputs) else "real"
    return rule


def make(op: str, inputs: Iterable[Node] = (), attrs: tuple[Any, ...] = ()) -> Node:
    """Return the interned node ``op(inputs; attrs)``, checking arity and input dtypes."""
    inputs = tuple(inputs)
    if op not in OPS:
        raise IRError(f"unknown IR op {op!r}")
    arity = OPS[op][0]
    if arity != len(inputs):
        raise IRError(f"op {op!r} takes {arity} input(s), got {len(inputs)}")
    if op in REAL_ONLY_INPUT and any(i.dtype != "real" for i in inputs):
        raise IRError(f"op {op!r} takes real inputs, got {[i.dtype for i in inputs]}")
    key = (op, tuple(id(i) for i in inputs), tuple(_attr_key(a) for a in attrs))
    with _LOCK:
        node = _TABLE.get(key)
        if node is not None:
            return node
        dtype = _result_dtype(op, inputs, attrs)
        if op == "const":
            eval_class = EvalClass.PER_COMPILE
        elif op == "param":
            eval_class = EvalClass.PER_EVALUATION
        elif op == "column":
            eval_class = EvalClass.PER_EVENT
        elif op == "amp":  # activation can change between calls
            eval_class = EvalClass.PER_EVALUATION
        else:
            eval_class = max(i.eval_class for i in inputs)
        text = "|".join([op, dtype, *(_attr_text(a) for a in attrs), *(i.fingerprint for i in inputs)])
        fingerprint = hashlib.sha256(text.encode()).hexdigest()
        node = Node(op, inputs, attrs, dtype, eval_class, fingerprint)
        _TABLE[key] = node
        return node


def _rebuild(op: str, inputs: tuple[Node, ...], attrs: tuple[Any, ...], dtype: str) -> Node:
    return make(op, inputs, attrs)


def _flatten(root: Node) -> list[tuple[str, tuple[int, ...], tuple[Any, ...]]]:
    """``root``'s graph as ``(op, input positions, attrs)`` in topological order (root last)."""
    order = topo_order([root])
    index = {id(n): k for k, n in enumerate(order)}
    return [(n.op, tuple(index[id(i)] for i in n.inputs), n.attrs) for n in order]


def _rebuild_graph(flat: list[tuple[str, tuple[int, ...], tuple[Any, ...]]]) -> Node:
    """The interned root of a graph written by :func:`_flatten` (unpickling)."""
    nodes: list[Node] = []
    for op, inputs, attrs in flat:
        nodes.append(make(op, (nodes[k] for k in inputs), attrs))
    return nodes[-1]


def const(value: complex | float | int) -> Node:
    """A real (float) or complex constant; a complex with zero imaginary part stays complex."""
    if isinstance(value, bool) or not isinstance(value, (int, float, complex)):
        if hasattr(value, "item"):
            value = value.item()  # numpy scalar
        else:
            raise IRError(f"constant must be a number, got {value!r}")
    v: complex | float = complex(value) if isinstance(value, complex) else float(value)
    return make("const", (), (v,))


def param(name: str) -> Node:
    """A free real parameter, identified by name (names never reach generated source)."""
    return make("param", (), (str(name),))


def column(source: ColumnSource) -> Node:
    """A per-event cache column produced by ``source`` at load."""
    if source.dtype not in ("real", "complex"):
        raise IRError(f"column source dtype must be 'real' or 'complex', got {source.dtype!r}")
    return make("column", (), (source,))


def topo_order(outputs: Iterable[Node], children: Callable[[Node], Sequence[Node]] | None = None) -> list[Node]:
    """All nodes reachable from ``outputs``, inputs before users (deterministic order).

    ``children(node)`` gives the order in which a node's inputs are visited (default: as stored).
    """
    order: list[Node] = []
    seen: set[int] = set()
    for root in outputs:
        stack: list[tuple[Node, bool]] = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if id(node) in seen:
                continue
            if expanded:
                seen.add(id(node))
                order.append(node)
                continue
            stack.append((node, True))
            for child in reversed(node.inputs if children is None else children(node)):
                if id(child) not in seen:
                    stack.append((child, False))
    return order


def iter_ops(outputs: Iterable[Node], op: str) -> Iterator[Node]:
    """Nodes with the given op reachable from ``outputs``, in topological order."""
    return (n for n in topo_order(outputs) if n.op == op)


def graph_fingerprint(outputs: Iterable[Node]) -> str:
    """A stable fingerprint of a tuple of output nodes."""
    return hashlib.sha256("|".join(n.fingerprint for n in outputs).encode()).hexdigest()


def rebuild(outputs: list[Node], replace: Any) -> list[Node]:
    """Rebuild ``outputs`` bottom-up; ``replace(node, new_inputs)`` returns the new node.

    The callback gets each original node and its already-rebuilt inputs, and returns a node
    (typically ``make(node.op, new_inputs, node.attrs)`` or a substitute).
    """
    memo: dict[int, Node] = {}
    for node in topo_order(outputs):
        new_inputs = tuple(memo[id(i)] for i in node.inputs)
        memo[id(node)] = replace(node, new_inputs)
    return [memo[id(o)] for o in outputs]
