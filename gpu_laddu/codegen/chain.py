"""The per-call chain rule: from a kernel's summed adjoints to the gradient in the parameters.

A fused kernel (:class:`~gpu_laddu.codegen.plan.KernelPlan`) sums, over events, the adjoint
``ḡ_u`` of each boundary node ``u`` (uniform nodes such as complex couplings).  The gradient
of the summed quantity with respect to a free parameter ``p`` is then

    ∂f/∂p = Σ_u Re ḡ_u · Re ∂u/∂p + Im ḡ_u · Im ∂u/∂p,

where ∂u/∂p only involves parameters: :func:`chain_rule` generates a small Python function
computing it once per call (tens of lines for the K-matrix model, a few microseconds).
Identifiers come from node numbers, never from names.  A parameter point where a uniform
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

from gpu_laddu.codegen.plan import DERIVATIVES, KernelPlan
from gpu_laddu.codegen.python import PythonLowering, literal
from gpu_laddu.errors import IRError
from gpu_laddu.ir.grad import derivative
from gpu_laddu.ir.nodes import topo_order

Chain = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _scaled(term: str, factor: float) -> str | None:
    if factor == 0.0:
        return None
    if factor == 1.0:
        return term
    if factor == -1.0:
        return f"-{term}"
    return f"{term} * {literal(factor)}"


def chain_source(plan: KernelPlan) -> str:
    """Python source of ``chain(p, b, g)``: ``g[k] = ∂f/∂p_k`` from the adjoint sums ``b`` (= outputs[1:])."""
    names = plan.parameters
    pairs = [(j, k, derivative(u, name)) for j, u in enumerate(plan.boundary) for k, name in enumerate(names)]
    derivs = DERIVATIVES.run([d for _, _, d in pairs])
    order = [n for n in topo_order(derivs) if n.op != "const"]
    number = {id(n): i for i, n in enumerate(order)}
    lowering = PythonLowering(False)
    lines = ["def chain(p, b, g):"]
    for n in order:
        if n.op == "param":
            if n.attrs[0] not in names:
                raise IRError(f"{n!r}: parameter is neither free nor fixed")
            lines.append(f"    t{number[id(n)]} = p[{names.index(n.attrs[0])}]")
        else:
            args = [literal(i.attrs[0]) if i.op == "const" else f"t{number[id(i)]}" for i in n.inputs]
            lines.append(f"    t{number[id(n)]} = {lowering.expr(n, args)}")
    terms: list[list[str]] = [[] for _ in names]
    for (j, k, _), d in zip(pairs, derivs):
        re_slot, im_slot = (s - 1 if s is not None else None for s in plan.slots[j])
        parts: list[str | None]
        if d.op == "const":
            value = complex(d.attrs[0])
            parts = [_scaled(f"b[{re_slot}]", value.real)]
            if im_slot is not None:
                parts.append(_scaled(f"b[{im_slot}]", value.imag))
        else:
            ref = f"t{number[id(d)]}"
            if d.dtype == "complex":
                parts = [f"b[{re_slot}] * {ref}.real"]
                if im_slot is not None:
                    parts.append(f"b[{im_slot}] * {ref}.imag")
            else:
                parts = [f"b[{re_slot}] * {ref}"]
        terms[k].extend(p for p in parts if p is not None)
    for k, ts in enumerate(terms):
        if ts:
            lines.append(f"    g[{k}] = {' + '.join(ts)}")
    lines.append("    return g")
    return "\n".join(lines) + "\n"


def chain_rule(plan: KernelPlan) -> Chain:
    """``gradient(p, b)``: the parameter gradient from the parameter values and the adjoint sums."""
    namespace: dict[str, object] = {}
    exec(compile("import cmath\nimport math\n" + chain_source(plan), f"<gpu_laddu chain {plan.name}>", "exec"),
         namespace)
    fn = namespace["chain"]
    n = len(plan.parameters)

    def gradient(p: np.ndarray, b: np.ndarray) -> np.ndarray:
        g = np.zeros(n)
        try:
            return fn(p.tolist(), b.tolist(), g)  # type: ignore[operator]
        except (ArithmeticError, ValueError):
            g[:] = np.nan
            return g

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
