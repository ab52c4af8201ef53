"""Models, evaluators and likelihoods (NLL, ExtendedNLL)."""

from gpu_laddu.likelihood.evaluator import Evaluator
from gpu_laddu.likelihood.model import Model
from gpu_laddu.likelihood.nll import NLL, ExtendedNLL
from gpu_laddu.likelihood.penalties import LassoPenalty, RidgePenalty
from gpu_laddu.likelihood.yields import Luminosity

__all__ = ["NLL", "Evaluator", "ExtendedNLL", "LassoPenalty", "Luminosity", "Model", "RidgePenalty"]
