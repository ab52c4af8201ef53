"""The per-call chain rule: from a kernel's summed adjoints to the gradient in the parameters.

A fused kernel (:class:`~gpu_laddu.codegen.plan.KernelPlan`) sums, over events, the adjoint
``ḡ_u`` of each boundary node ``u`` (uniform nodes such as complex couplings).  The gradient
of the summed quantity with respect to a free parameter ``p`` is then

    ∂f/∂p = Σ_u Re ḡ_u · Re ∂u/∂p + Im ḡ_u · Im ∂u/∂p,

where ∂u/∂p only involves parameters: :func:`chain_rule` builds the matrix of these
derivatives (constant for plain couplings, else evaluated by a generated Python function)
and applies it once per call, a few microseconds.  A parameter point where a uniform
derivative cannot be computed (a square root of a negative number, a division by zero) gives
NaN entries, as the kernel itself would.

Examples
--------
>>> import numpy as np
>>> from gpu_laddu.codegen.plan import make_plan
>>> from gpu_laddu.ir.nodes import make, param, const
>>> x = param("x")
>>> plan = make_plan(make("mul", (make("mul", (x, x)), const(3.0))), ("x",))
>>> chain = chain_rule(plan)
>>> chain(np.array([2.0]), np.array([1.0])).tolist()  # d(3x²)/dx at x=2, adjoint sum 1
[12.0]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gpu_laddu.codegen.plan import KernelPlan
from gpu_laddu.codegen.python import scalar_function
from gpu_laddu.ir.grad import derivative
from gpu_laddu.passes.cse import cse
from gpu_laddu.passes.fold import fold
from gpu_laddu.passes.pipeline import Pass, Pipeline

Chain = Callable[[np.ndarray, np.ndarray], np.ndarray]

DERIVATIVES = Pipeline([Pass("cse", cse), Pass("fold", fold)], name="derivatives")


def chain_rule(plan: KernelPlan) -> Chain:
    """``gradient(p, b)``: the parameter gradient from the parameter values and the adjoint sums
    ``b`` (the kernel's ``outputs[1:]``), as ``b @ J`` with J[slot, k] = Re or Im ∂u/∂p_k.

    Constant entries of J (the usual case: ∂ complex(x, y)/∂x = 1) are set once; the others
    come from :func:`~gpu_laddu.codegen.python.scalar_function` per call.
    """
    names = plan.parameters
    base = np.zeros((len(plan.outputs) - 1, len(names)))
    varying: list[tuple[int, int | None, int]] = []  # (row of Re, row of Im or None, parameter)
    nodes = []
    for j, u in enumerate(plan.boundary):
        re_row, im_row = (None if s is None else s - 1 for s in plan.slots[j])
        assert re_row is not None
        for k, d in enumerate(DERIVATIVES.run([derivative(u, name) for name in names])):
            if d.op == "const":
                value = complex(d.attrs[0])
                base[re_row, k] += value.real
                if im_row is not None:
                    base[im_row, k] += value.imag
            else:
                varying.append((re_row, im_row, k))
                nodes.append(d)
    values = scalar_function(nodes, names) if nodes else None

    def gradient(p: np.ndarray, b: np.ndarray) -> np.ndarray:
        if values is None:
            return b @ base
        jacobian = base.copy()
        try:
            evaluated = values(p.tolist())
        except (ArithmeticError, ValueError):
            return np.full(len(names), np.nan)
        for (re_row, im_row, k), v in zip(varying, evaluated):
            v = complex(v)
            jacobian[re_row, k] += v.real
            if im_row is not None:
                jacobian[im_row, k] += v.imag
        with np.errstate(all="ignore"):  # NaN entries give a NaN gradient (the likelihood raises)
            return b @ jacobian

    return gradient


def finish_sums(chain: Chain, values: np.ndarray, total: np.ndarray, with_gradient: bool) -> np.ndarray:
    """Engine sums ``[Σ f, ∂/∂p_0 ..., n_bad]`` from a kernel's summed row ``[Σ f, adjoints..., n_bad]``.

    >>> finish_sums(lambda p, b: b * 2, np.zeros(1), np.array([1.0, 3.0, 0.0]), True).tolist()
    [1.0, 6.0, 0.0]
    """
    n = len(values)
    out = np.zeros(n + 2)
    out[0], out[-1] = total[0], total[-1]
    if with_gradient and n:
        out[1:-1] = chain(values, total[1:-1])
    return out
