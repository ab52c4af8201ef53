"""Small fixed-size vectors and matrices of scalar expressions (laddu 0.28.1's ``vector``,
``matrix``, ``matvec``, ``matmul``, ``solve``, ``dot``).

An :class:`ExprArray` is a row-major tuple of scalar :class:`~gpu_laddu.ir.expr.Expression`
elements with a shape ``(n,)`` or ``(n, m)``.  Every operation is unrolled into scalar IR
when the array is built, so generated kernels see plain scalar code; a linear solve whose
matrix depends on no free parameter is done once per dataset by a batched LAPACK solve
(:class:`gpu_laddu.language.solve.InverseElement`), otherwise it is unrolled by Cramer's rule
(no data-dependent branches, analytic gradients).  Dimension mismatches raise
:class:`~gpu_laddu.errors.ModelError` when the expression is built.

Examples
--------
>>> import gpu_laddu as gl
>>> m = gl.matrix([[2.0, 0.0], [0.0, 4.0]])
>>> x = gl.solve(m, gl.vector([1.0, 1.0]))
>>> x.shape, gl.Model(x[1]).evaluate()
((2,), (0.25+0j))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import combinations
from typing import Any, Union

from gpu_laddu.errors import ModelError
from gpu_laddu.ir.expr import Expression, ExprLike, as_expression

ArrayLike = Union["ExprArray", Sequence[Any]]  # noqa: UP007


def _element(x: Any, where: str) -> Expression:
    if isinstance(x, ExprArray):
        raise ModelError(f"{where}: expected a scalar element, got an array of shape {x.shape}")
    try:
        return as_expression(x)
    except (TypeError, ModelError) as exc:
        raise ModelError(f"{where}: cannot use {x!r} as an expression element") from exc


class ExprArray:
    """A vector ``(n,)`` or matrix ``(n, m)`` of scalar expressions (immutable).

    Elementwise ``+ - * /`` with numbers, scalar expressions and arrays of the same shape;
    ``@`` is :func:`matmul`/:func:`matvec`; ``v[i]`` and ``m.at(i, j)`` select elements.

    Examples
    --------
    >>> import gpu_laddu as gl
    >>> v = gl.vector([1.0, 2.0]) * 3.0
    >>> gl.Model(v[1]).evaluate()
    (6+0j)
    """

    __slots__ = ("elements", "shape")
    __array_ufunc__ = None

    def __init__(self, elements: Iterable[Expression], shape: tuple[int, ...]) -> None:
        elems = tuple(elements)
        size = 1
        for d in shape:
            size *= d
        if len(shape) not in (1, 2) or any(d < 1 for d in shape) or len(elems) != size:
            raise ModelError(f"an expression array needs shape (n,) or (n, m) matching its {len(elems)} elements, "
                             f"got {shape}")
        object.__setattr__(self, "elements", elems)
        object.__setattr__(self, "shape", tuple(shape))

    elements: tuple[Expression, ...]
    shape: tuple[int, ...]

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("expression arrays are immutable")

    # -- element access ------------------------------------------------------------------
    def __getitem__(self, index: int) -> Expression:
        if len(self.shape) != 1:
            raise ModelError(f"[i] selects a vector component; this is a matrix of shape {self.shape} "
                             "(use .at(row, col))")
        return self.elements[_index(index, self.shape[0], "vector index")]

    def at(self, row: int, col: int) -> Expression:
        """Element ``(row, col)`` of a matrix."""
        if len(self.shape) != 2:
            raise ModelError(f".at(row, col) selects a matrix element; this is a vector of shape {self.shape}")
        return self.elements[_index(row, self.shape[0], "row") * self.shape[1] + _index(col, self.shape[1], "column")]

    def __len__(self) -> int:
        return self.shape[0]

    def rows(self) -> list[list[Expression]]:
        """The elements as a list of rows (a vector is one row)."""
        n = self.shape[-1]
        return [list(self.elements[i:i + n]) for i in range(0, len(self.elements), n)]

    # -- elementwise algebra ---------------------------------------------------------------
    def map(self, f: Callable[[Expression], Expression]) -> ExprArray:
        """``f`` applied to every element."""
        return ExprArray((f(e) for e in self.elements), self.shape)

    def _zip(self, other: Any, f: Callable[[Expression, Expression], Expression], op: str) -> ExprArray:
        if isinstance(other, ExprArray):
            if other.shape != self.shape:
                raise ModelError(f"elementwise {op} of arrays of shapes {self.shape} and {other.shape}")
            return ExprArray((f(a, b) for a, b in zip(self.elements, other.elements)), self.shape)
        scalar = _element(other, f"elementwise {op}")
        return self.map(lambda a: f(a, scalar))

    def __add__(self, other: Any) -> ExprArray:
        return self._zip(other, lambda a, b: a + b, "+")

    def __radd__(self, other: Any) -> ExprArray:
        return self._zip(other, lambda a, b: b + a, "+")

    def __sub__(self, other: Any) -> ExprArray:
        return self._zip(other, lambda a, b: a - b, "-")

    def __rsub__(self, other: Any) -> ExprArray:
        return self._zip(other, lambda a, b: b - a, "-")

    def __mul__(self, other: Any) -> ExprArray:
        return self._zip(other, lambda a, b: a * b, "*")

    def __rmul__(self, other: Any) -> ExprArray:
        return self._zip(other, lambda a, b: b * a, "*")

    def __truediv__(self, other: Any) -> ExprArray:
        return self._zip(other, lambda a, b: a / b, "/")

    def __rtruediv__(self, other: Any) -> ExprArray:
        return self._zip(other, lambda a, b: b / a, "/")

    def __neg__(self) -> ExprArray:
        return self.map(lambda a: -a)

    def __matmul__(self, other: ExprArray) -> ExprArray | Expression:
        if isinstance(other, ExprArray) and len(other.shape) == 1:
            return matvec(self, other) if len(self.shape) == 2 else dot(self, other)
        return matmul(self, other)

    def conj(self) -> ExprArray:
        """Elementwise complex conjugate."""
        return self.map(lambda a: a.conj())

    def real(self) -> ExprArray:
        """Elementwise real part."""
        return self.map(lambda a: a.real())

    def imag(self) -> ExprArray:
        """Elementwise imaginary part."""
        return self.map(lambda a: a.imag())

    def transpose(self) -> ExprArray:
        """The transposed matrix."""
        n, m = _matrix_shape(self, "transpose")
        return ExprArray((self.elements[i * m + j] for j in range(m) for i in range(n)), (m, n))

    def __bool__(self) -> bool:
        raise TypeError("an expression array has no truth value")

    def __repr__(self) -> str:
        return f"ExprArray(shape={self.shape})"


def _index(i: Any, n: int, what: str) -> int:
    if isinstance(i, bool) or not hasattr(i, "__index__"):
        raise ModelError(f"{what} must be an integer, got {i!r}")
    k = int(i)
    if not -n <= k < n:
        raise ModelError(f"{what} {k} is out of range for length {n}")
    return k % n


def _matrix_shape(a: Any, what: str) -> tuple[int, int]:
    if not isinstance(a, ExprArray) or len(a.shape) != 2:
        raise ModelError(f"{what}: expected a matrix expression, got {getattr(a, 'shape', type(a).__name__)}")
    return a.shape[0], a.shape[1]


def _vector_len(a: Any, what: str) -> int:
    if not isinstance(a, ExprArray) or len(a.shape) != 1:
        raise ModelError(f"{what}: expected a vector expression, got {getattr(a, 'shape', type(a).__name__)}")
    return a.shape[0]


def as_array(x: ArrayLike, what: str) -> ExprArray:
    """``x`` as an ExprArray: arrays pass through, nested sequences become vectors or matrices."""
    if isinstance(x, ExprArray):
        return x
    if isinstance(x, (str, bytes)) or not hasattr(x, "__len__"):
        raise ModelError(f"{what}: expected a vector or matrix expression, got {x!r}")
    items = list(x)
    if items and all(isinstance(r, ExprArray) or (hasattr(r, "__len__") and not isinstance(r, (str, bytes)))
                     for r in items):
        return matrix(items)
    return vector(items)


def vector(elements: Sequence[ExprLike]) -> ExprArray:
    """A vector expression from scalar expressions or numbers.

    >>> vector([1.0, 2.0]).shape
    (2,)
    """
    if isinstance(elements, ExprArray):
        _vector_len(elements, "vector")
        return elements
    if isinstance(elements, (str, bytes)) or not hasattr(elements, "__iter__"):
        raise ModelError(f"vector: expected a sequence of elements, got {elements!r}")
    elems = [_element(e, f"vector element {i}") for i, e in enumerate(elements)]
    if not elems:
        raise ModelError("vector: needs at least one element")
    return ExprArray(elems, (len(elems),))


def matrix(elements: Sequence[Sequence[ExprLike]]) -> ExprArray:
    """A matrix expression from rows (row-major; every row the same length).

    >>> matrix([[1.0, 2.0], [3.0, 4.0]]).shape
    (2, 2)
    """
    if isinstance(elements, ExprArray):
        _matrix_shape(elements, "matrix")
        return elements
    if isinstance(elements, (str, bytes)) or not hasattr(elements, "__iter__"):
        raise ModelError(f"matrix: expected a sequence of rows, got {elements!r}")
    rows = [list(r.elements) if isinstance(r, ExprArray) else r for r in elements]
    if not rows:
        raise ModelError("matrix: needs at least one row")
    width = None
    elems: list[Expression] = []
    for i, row in enumerate(rows):
        if isinstance(row, (str, bytes)) or not hasattr(row, "__len__"):
            raise ModelError(f"matrix row {i}: expected a sequence, got {row!r}")
        if width is None:
            width = len(row)
        if len(row) != width or width == 0:
            raise ModelError(f"matrix rows must have one non-zero length; row 0 has {width}, row {i} has {len(row)}")
        elems.extend(_element(e, f"matrix element ({i}, {j})") for j, e in enumerate(row))
    assert width is not None
    return ExprArray(elems, (len(rows), width))


def _sum(terms: Iterable[Expression]) -> Expression:
    out: Expression | None = None
    for t in terms:
        out = t if out is None else out + t
    assert out is not None
    return out


def dot(lhs: ExprArray, rhs: ExprArray) -> Expression:
    """Σ_i lhs_i·rhs_i of two vectors of one length (no conjugation, as in laddu).

    >>> import gpu_laddu as gl
    >>> gl.Model(gl.dot(gl.vector([1.0, 2.0]), gl.vector([3.0, 4.0]))).evaluate()
    (11+0j)
    """
    n, m = _vector_len(lhs, "dot lhs"), _vector_len(rhs, "dot rhs")
    if n != m:
        raise ModelError(f"dot: vectors of lengths {n} and {m}")
    return _sum(a * b for a, b in zip(lhs.elements, rhs.elements))


def matvec(lhs: ExprArray, rhs: ExprArray) -> ExprArray:
    """Matrix × vector.

    >>> import gpu_laddu as gl
    >>> gl.Model(gl.matvec(gl.matrix([[1.0, 2.0], [3.0, 4.0]]), gl.vector([1.0, 1.0]))[1]).evaluate()
    (7+0j)
    """
    n, m = _matrix_shape(lhs, "matvec lhs")
    k = _vector_len(rhs, "matvec rhs")
    if m != k:
        raise ModelError(f"matvec: a {n}×{m} matrix times a vector of length {k}")
    return vector([dot(vector(row), rhs) for row in lhs.rows()])


def matmul(lhs: ExprArray, rhs: ExprArray) -> ExprArray:
    """Matrix × matrix.

    >>> import gpu_laddu as gl
    >>> a = gl.matrix([[1.0, 2.0], [3.0, 4.0]])
    >>> gl.Model(gl.matmul(a, a).at(1, 1)).evaluate()
    (22+0j)
    """
    n, m = _matrix_shape(lhs, "matmul lhs")
    k, p = _matrix_shape(rhs, "matmul rhs")
    if m != k:
        raise ModelError(f"matmul: a {n}×{m} matrix times a {k}×{p} matrix")
    return matrix([[_sum(lhs.at(i, j) * rhs.at(j, c) for j in range(m)) for c in range(p)] for i in range(n)])


def determinant(a: ExprArray) -> Expression:
    """det(a) of a square matrix, unrolled by Laplace expansion over column subsets (n ≤ 8)."""
    n, m = _matrix_shape(a, "determinant")
    if n != m:
        raise ModelError(f"determinant: the matrix must be square, got {n}×{m}")
    return _det_columns(a, list(range(n)))


def _det_columns(a: ExprArray, cols: list[int], column: Callable[[int], list[Expression]] | None = None
                 ) -> Expression:
    """det of the square matrix whose k-th column is ``column(cols[k])`` (default: ``a``'s)."""
    n = a.shape[0]
    if n > 8:
        raise ModelError(f"symbolic determinants/solves are unrolled up to 8×8, got {n}×{n}")
    get = column or (lambda c: [a.at(r, c) for r in range(n)])
    columns = [get(c) for c in cols]
    # minors[rows] = det of rows × the first len(rows) columns, built up column by column
    minors: dict[tuple[int, ...], Expression] = {(r,): columns[0][r] for r in range(n)}
    for k in range(1, n):
        nxt: dict[tuple[int, ...], Expression] = {}
        for rows in combinations(range(n), k + 1):
            terms = []
            for pos, r in enumerate(rows):
                rest = rows[:pos] + rows[pos + 1:]
                term = columns[k][r] * minors[rest]
                terms.append(term if (k + pos) % 2 == 0 else -term)
            nxt[rows] = _sum(terms)
        minors = nxt
    return minors[tuple(range(n))]


def solve(lhs: ExprArray, rhs: ExprArray) -> ExprArray:
    """x with lhs·x = rhs, for a square matrix and a vector (or matrix) right-hand side.

    A matrix that depends on no free parameter is solved once per dataset (batched, with
    pivoting); otherwise the solve is unrolled by Cramer's rule into the fused kernel.

    >>> import gpu_laddu as gl
    >>> x = gl.solve(gl.matrix([[1.0, 2.0], [3.0, 4.0]]), gl.vector([1.0, 2.0]))
    >>> gl.Model(x[1]).evaluate()
    (0.5+0j)
    """
    from gpu_laddu.language.solve import inverse_elements

    n, m = _matrix_shape(lhs, "solve lhs")
    if n != m:
        raise ModelError(f"solve: the matrix must be square, got {n}×{m}")
    if not isinstance(rhs, ExprArray):
        raise ModelError(f"solve rhs: expected a vector or matrix expression, got {type(rhs).__name__}")
    if rhs.shape[0] != n:
        raise ModelError(f"solve: a {n}×{n} system with a right-hand side of shape {rhs.shape}")
    if len(rhs.shape) == 2:
        cols = [solve(lhs, vector([rhs.at(r, c) for r in range(n)])) for c in range(rhs.shape[1])]
        return matrix([[cols[c][r] for c in range(rhs.shape[1])] for r in range(n)])
    inverse = inverse_elements(lhs)
    if inverse is not None:
        return matvec(inverse, rhs)
    b = list(rhs.elements)
    det = _det_columns(lhs, list(range(n)))
    out = []
    for i in range(n):
        def column(c: int, i: int = i) -> list[Expression]:
            return b if c == i else [lhs.at(r, c) for r in range(n)]
        out.append(_det_columns(lhs, list(range(n)), column) / det)
    return vector(out)
