"""Fitting: Migrad / L-BFGS-B minimisation, bootstrap, MCMC (emcee / zeus) and their results."""

from gpu_laddu.fit.bootstrap import BootstrapResult, bootstrap
from gpu_laddu.fit.mcmc import MCMCResult, mcmc
from gpu_laddu.fit.minimize import fit
from gpu_laddu.fit.problem import LikelihoodLike
from gpu_laddu.fit.result import FitResult

__all__ = ["BootstrapResult", "FitResult", "LikelihoodLike", "MCMCResult", "bootstrap", "fit", "mcmc"]
