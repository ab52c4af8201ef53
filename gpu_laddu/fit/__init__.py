"""Fitting: minimisation (Migrad, scipy, CMA-ES), binned fits, profiles, bootstrap, MCMC (emcee / zeus)."""

from gpu_laddu.fit.binned import BinnedFitResult, fit_binned
from gpu_laddu.fit.bootstrap import BootstrapResult, bootstrap
from gpu_laddu.fit.mcmc import MCMCResult, mcmc
from gpu_laddu.fit.minimize import fit
from gpu_laddu.fit.problem import LikelihoodLike
from gpu_laddu.fit.result import FitResult

__all__ = [
    "BinnedFitResult", "BootstrapResult", "FitResult", "LikelihoodLike", "MCMCResult", "bootstrap", "fit", "fit_binned",
    "mcmc",
]
