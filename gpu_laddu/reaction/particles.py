"""Particle constants with laddu 0.28.1's names and values (``gpu_laddu.particles``).

Masses are in GeV; spins and isospins are :class:`fractions.Fraction` (or ``int``), parities
``+1``/``-1``; a property laddu leaves unknown is ``None`` here too (its accessor raises).
The values are laddu 0.28.1's, compared programmatically in ``tests/reaction/test_particles.py``.

Examples
--------
>>> from gpu_laddu import particles
>>> particles.PROTON.mass, particles.PROTON.spin, particles.OMEGA.parity
(0.93827208816, Fraction(1, 2), -1)
"""

from __future__ import annotations

from fractions import Fraction as _F

from gpu_laddu.reaction.particle import Particle

ANTILAMBDA = Particle(
    'Lambda0_bar', species='Lambda0_bar', antiparticle_species='Lambda0', self_conjugate=False,
    spin=_F(1, 2), parity=1, charge=0, isospin=0,
    strangeness=1, charm=0, bottomness=0, topness=0,
    baryon_number=-1, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='fermion', mass=1.115683, ids={'pdg': -3122},
)
ANTIMUON = Particle(
    'mu+', species='antimuon', antiparticle_species='muon', self_conjugate=False,
    spin=_F(1, 2), charge=1, isospin=0, strangeness=0,
    charm=0, bottomness=0, topness=0, baryon_number=0,
    electron_lepton_number=0, muon_lepton_number=-1, tau_lepton_number=0, statistics='fermion',
    mass=0.1056583755, ids={'pdg': -13},
)
ANTINEUTRON = Particle(
    'n_bar', species='antineutron', antiparticle_species='neutron', self_conjugate=False,
    spin=_F(1, 2), parity=1, charge=0, isospin=_F(1, 2),
    strangeness=0, charm=0, bottomness=0, topness=0,
    baryon_number=-1, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='fermion', mass=0.93956542052, ids={'pdg': -2112},
)
ANTIPROTON = Particle(
    'p_bar', species='antiproton', antiparticle_species='proton', self_conjugate=False,
    spin=_F(1, 2), parity=1, charge=-1, isospin=_F(1, 2),
    strangeness=0, charm=0, bottomness=0, topness=0,
    baryon_number=-1, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='fermion', mass=0.93827208816, ids={'pdg': -2212},
)
ANTISIGMA_MINUS = Particle(
    'Sigma-_bar', species='Sigma-_bar', antiparticle_species='Sigma+', self_conjugate=False,
    spin=_F(1, 2), parity=1, charge=-1, isospin=1,
    strangeness=1, charm=0, bottomness=0, topness=0,
    baryon_number=-1, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='fermion', mass=1.18937, ids={'pdg': -3222},
)
ANTISIGMA_PLUS = Particle(
    'Sigma+_bar', species='Sigma+_bar', antiparticle_species='Sigma-', self_conjugate=False,
    spin=_F(1, 2), parity=1, charge=1, isospin=1,
    strangeness=1, charm=0, bottomness=0, topness=0,
    baryon_number=-1, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='fermion', mass=1.197449, ids={'pdg': -3112},
)
ANTISIGMA_ZERO = Particle(
    'Sigma0_bar', species='Sigma0_bar', antiparticle_species='Sigma0', self_conjugate=False,
    spin=_F(1, 2), parity=1, charge=0, isospin=1,
    strangeness=1, charm=0, bottomness=0, topness=0,
    baryon_number=-1, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='fermion', mass=1.192642, ids={'pdg': -3212},
)
ANTITAU = Particle(
    'tau+', species='antitau', antiparticle_species='tau', self_conjugate=False,
    spin=_F(1, 2), charge=1, isospin=0, strangeness=0,
    charm=0, bottomness=0, topness=0, baryon_number=0,
    electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=-1, statistics='fermion',
    mass=1.77693, ids={'pdg': -15},
)
ANTI_OMEGA_PLUS = Particle(
    'Omega+_bar', species='Omega+_bar', antiparticle_species='Omega-', self_conjugate=False,
    spin=_F(3, 2), parity=1, charge=1, isospin=0,
    strangeness=3, charm=0, bottomness=0, topness=0,
    baryon_number=-1, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='fermion', mass=1.67245, ids={'pdg': -3334},
)
ANTI_XI_PLUS = Particle(
    'Xi+_bar', species='Xi+_bar', antiparticle_species='Xi-', self_conjugate=False,
    spin=_F(1, 2), parity=1, charge=1, isospin=_F(1, 2),
    strangeness=2, charm=0, bottomness=0, topness=0,
    baryon_number=-1, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='fermion', mass=1.32171, ids={'pdg': -3312},
)
ANTI_XI_ZERO = Particle(
    'Xi0_bar', species='Xi0_bar', antiparticle_species='Xi0', self_conjugate=False,
    spin=_F(1, 2), parity=1, charge=0, isospin=_F(1, 2),
    strangeness=2, charm=0, bottomness=0, topness=0,
    baryon_number=-1, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='fermion', mass=1.31486, ids={'pdg': -3322},
)
B_MINUS = Particle(
    'B-', species='B-', antiparticle_species='B+', self_conjugate=False,
    spin=0, parity=-1, charge=-1, isospin=_F(1, 2),
    strangeness=0, charm=0, bottomness=-1, topness=0,
    baryon_number=0, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='boson', mass=5.27941, ids={'pdg': -521},
)
B_PLUS = Particle(
    'B+', species='B+', antiparticle_species='B-', self_conjugate=False,
    spin=0, parity=-1, charge=1, isospin=_F(1, 2),
    strangeness=0, charm=0, bottomness=1, topness=0,
    baryon_number=0, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='boson', mass=5.27941, ids={'pdg': 521},
)
B_S_ZERO = Particle(
    'B_s0', species='B_s0', antiparticle_species='B_s0_bar', self_conjugate=False,
    spin=0, parity=-1, charge=0, isospin=0,
    strangeness=-1, charm=0, bottomness=1, topness=0,
    baryon_number=0, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='boson', mass=5.36693, ids={'pdg': 531},
)
B_S_ZERO_BAR = Particle(
    'B_s0_bar', species='B_s0_bar', antiparticle_species='B_s0', self_conjugate=False,
    spin=0, parity=-1, charge=0, isospin=0,
    strangeness=1, charm=0, bottomness=-1, topness=0,
    baryon_number=0, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='boson', mass=5.36693, ids={'pdg': -531},
)
B_ZERO = Particle(
    'B0', species='B0', antiparticle_species='B0_bar', self_conjugate=False,
    spin=0, parity=-1, charge=0, isospin=_F(1, 2),
    strangeness=0, charm=0, bottomness=1, topness=0,
    baryon_number=0, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='boson', mass=5.27972, ids={'pdg': 511},
)
B_ZERO_BAR = Particle(
    'B0_bar', species='B0_bar', antiparticle_species='B0', self_conjugate=False,
    spin=0, parity=-1, charge=0, isospin=_F(1, 2),
    strangeness=0, charm=0, bottomness=-1, topness=0,
    baryon_number=0, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='boson', mass=5.27972, ids={'pdg': -511},
)
D_MINUS = Particle(
    'D-', species='D-', antiparticle_species='D+', self_conjugate=False,
    spin=0, parity=-1, charge=-1, isospin=_F(1, 2),
    strangeness=0, charm=-1, bottomness=0, topness=0,
    baryon_number=0, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='boson', mass=1.86966, ids={'pdg': -411},
)
D_PLUS = Particle(
    'D+', species='D+', antiparticle_species='D-', self_conjugate=False,
    spin=0, parity=-1, charge=1, isospin=_F(1, 2),
    strangeness=0, charm=1, bottomness=0, topness=0,
    baryon_number=0, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='boson', mass=1.86966, ids={'pdg': 411},
)
D_S_MINUS = Particle(
    'D_s-', species='D_s-', antiparticle_species='D_s+', self_conjugate=False,
    spin=0, parity=-1, charge=-1, isospin=0,
    strangeness=-1, charm=-1, bottomness=0, topness=0,
    baryon_number=0, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='boson', mass=1.96835, ids={'pdg': -431},
)
D_S_PLUS = Particle(
    'D_s+', species='D_s+', antiparticle_species='D_s-', self_conjugate=False,
    spin=0, parity=-1, charge=1, isospin=0,
    strangeness=1, charm=1, bottomness=0, topness=0,
    baryon_number=0, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='boson', mass=1.96835, ids={'pdg': 431},
)
D_ZERO = Particle(
    'D0', species='D0', antiparticle_species='D0_bar', self_conjugate=False,
    spin=0, parity=-1, charge=0, isospin=_F(1, 2),
    strangeness=0, charm=1, bottomness=0, topness=0,
    baryon_number=0, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='boson', mass=1.86484, ids={'pdg': 421},
)
D_ZERO_BAR = Particle(
    'D0_bar', species='D0_bar', antiparticle_species='D0', self_conjugate=False,
    spin=0, parity=-1, charge=0, isospin=_F(1, 2),
    strangeness=0, charm=-1, bottomness=0, topness=0,
    baryon_number=0, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='boson', mass=1.86484, ids={'pdg': -421},
)
ELECTRON = Particle(
    'e-', species='electron', antiparticle_species='positron', self_conjugate=False,
    spin=_F(1, 2), charge=-1, isospin=0, strangeness=0,
    charm=0, bottomness=0, topness=0, baryon_number=0,
    electron_lepton_number=1, muon_lepton_number=0, tau_lepton_number=0, statistics='fermion',
    mass=0.00051099895, ids={'pdg': 11},
)
ELECTRON_ANTINEUTRINO = Particle(
    'nubar_e', species='nubar_e', antiparticle_species='nu_e', self_conjugate=False,
    spin=_F(1, 2), charge=0, isospin=0, strangeness=0,
    charm=0, bottomness=0, topness=0, baryon_number=0,
    electron_lepton_number=-1, muon_lepton_number=0, tau_lepton_number=0, statistics='fermion',
    ids={'pdg': -12},
)
ELECTRON_NEUTRINO = Particle(
    'nu_e', species='nu_e', antiparticle_species='nubar_e', self_conjugate=False,
    spin=_F(1, 2), charge=0, isospin=0, strangeness=0,
    charm=0, bottomness=0, topness=0, baryon_number=0,
    electron_lepton_number=1, muon_lepton_number=0, tau_lepton_number=0, statistics='fermion',
    ids={'pdg': 12},
)
ETA = Particle(
    'eta', species='eta', antiparticle_species='eta', self_conjugate=True,
    spin=0, parity=-1, c_parity=1, g_parity=1,
    isospin=0, baryon_number=0, electron_lepton_number=0, muon_lepton_number=0,
    tau_lepton_number=0, statistics='boson', mass=0.547862, ids={'pdg': 221},
)
ETA_PRIME = Particle(
    "eta'", species="eta'", antiparticle_species="eta'", self_conjugate=True,
    spin=0, parity=-1, c_parity=1, g_parity=1,
    isospin=0, baryon_number=0, electron_lepton_number=0, muon_lepton_number=0,
    tau_lepton_number=0, statistics='boson', mass=0.95778, ids={'pdg': 331},
)
HIGGS = Particle(
    'H', species='Higgs', antiparticle_species='Higgs', self_conjugate=True,
    spin=0, parity=1, c_parity=1, isospin=0,
    baryon_number=0, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='boson', mass=125.2, ids={'pdg': 25},
)
J_PSI = Particle(
    'J/psi', species='J/psi', antiparticle_species='J/psi', self_conjugate=True,
    spin=1, parity=-1, c_parity=-1, isospin=0,
    baryon_number=0, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='boson', mass=3.0969, ids={'pdg': 443},
)
K_LONG = Particle(
    'K_L0', species='K_L0', antiparticle_species='K_L0', self_conjugate=True,
    spin=0, parity=-1, baryon_number=0, electron_lepton_number=0,
    muon_lepton_number=0, tau_lepton_number=0, statistics='boson', mass=0.497611,
    ids={'pdg': 130},
)
K_MINUS = Particle(
    'K-', species='K-', antiparticle_species='K+', self_conjugate=False,
    spin=0, parity=-1, charge=-1, isospin=_F(1, 2),
    strangeness=-1, charm=0, bottomness=0, topness=0,
    baryon_number=0, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='boson', mass=0.493677, ids={'pdg': -321},
)
K_PLUS = Particle(
    'K+', species='K+', antiparticle_species='K-', self_conjugate=False,
    spin=0, parity=-1, charge=1, isospin=_F(1, 2),
    strangeness=1, charm=0, bottomness=0, topness=0,
    baryon_number=0, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='boson', mass=0.493677, ids={'pdg': 321},
)
K_SHORT = Particle(
    'K_S0', species='K_S0', antiparticle_species='K_S0', self_conjugate=True,
    spin=0, parity=-1, baryon_number=0, electron_lepton_number=0,
    muon_lepton_number=0, tau_lepton_number=0, statistics='boson', mass=0.497611,
    ids={'pdg': 310},
)
K_ZERO = Particle(
    'K0', species='K0', antiparticle_species='K0_bar', self_conjugate=False,
    spin=0, parity=-1, charge=0, isospin=_F(1, 2),
    strangeness=1, charm=0, bottomness=0, topness=0,
    baryon_number=0, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='boson', mass=0.497611, ids={'pdg': 311},
)
K_ZERO_BAR = Particle(
    'K0_bar', species='K0_bar', antiparticle_species='K0', self_conjugate=False,
    spin=0, parity=-1, charge=0, isospin=_F(1, 2),
    strangeness=-1, charm=0, bottomness=0, topness=0,
    baryon_number=0, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='boson', mass=0.497611, ids={'pdg': -311},
)
LAMBDA = Particle(
    'Lambda0', species='Lambda0', antiparticle_species='Lambda0_bar', self_conjugate=False,
    spin=_F(1, 2), parity=1, charge=0, isospin=0,
    strangeness=-1, charm=0, bottomness=0, topness=0,
    baryon_number=1, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='fermion', mass=1.115683, ids={'pdg': 3122},
)
MUON = Particle(
    'mu-', species='muon', antiparticle_species='antimuon', self_conjugate=False,
    spin=_F(1, 2), charge=-1, isospin=0, strangeness=0,
    charm=0, bottomness=0, topness=0, baryon_number=0,
    electron_lepton_number=0, muon_lepton_number=1, tau_lepton_number=0, statistics='fermion',
    mass=0.1056583755, ids={'pdg': 13},
)
MUON_ANTINEUTRINO = Particle(
    'nubar_mu', species='nubar_mu', antiparticle_species='nu_mu', self_conjugate=False,
    spin=_F(1, 2), charge=0, isospin=0, strangeness=0,
    charm=0, bottomness=0, topness=0, baryon_number=0,
    electron_lepton_number=0, muon_lepton_number=-1, tau_lepton_number=0, statistics='fermion',
    ids={'pdg': -14},
)
MUON_NEUTRINO = Particle(
    'nu_mu', species='nu_mu', antiparticle_species='nubar_mu', self_conjugate=False,
    spin=_F(1, 2), charge=0, isospin=0, strangeness=0,
    charm=0, bottomness=0, topness=0, baryon_number=0,
    electron_lepton_number=0, muon_lepton_number=1, tau_lepton_number=0, statistics='fermion',
    ids={'pdg': 14},
)
NEUTRON = Particle(
    'n', species='neutron', antiparticle_species='antineutron', self_conjugate=False,
    spin=_F(1, 2), parity=1, charge=0, isospin=_F(1, 2),
    strangeness=0, charm=0, bottomness=0, topness=0,
    baryon_number=1, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='fermion', mass=0.93956542052, ids={'pdg': 2112},
)
OMEGA = Particle(
    'omega', species='omega', antiparticle_species='omega', self_conjugate=True,
    spin=1, parity=-1, c_parity=-1, g_parity=-1,
    isospin=0, baryon_number=0, electron_lepton_number=0, muon_lepton_number=0,
    tau_lepton_number=0, statistics='boson', mass=0.78266, ids={'pdg': 223},
)
OMEGA_MINUS = Particle(
    'Omega-', species='Omega-', antiparticle_species='Omega+_bar', self_conjugate=False,
    spin=_F(3, 2), parity=1, charge=-1, isospin=0,
    strangeness=-3, charm=0, bottomness=0, topness=0,
    baryon_number=1, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='fermion', mass=1.67245, ids={'pdg': 3334},
)
PHI = Particle(
    'phi', species='phi', antiparticle_species='phi', self_conjugate=True,
    spin=1, parity=-1, c_parity=-1, g_parity=-1,
    isospin=0, baryon_number=0, electron_lepton_number=0, muon_lepton_number=0,
    tau_lepton_number=0, statistics='boson', mass=1.019461, ids={'pdg': 333},
)
PHOTON = Particle(
    'gamma', species='photon', antiparticle_species='photon', self_conjugate=True,
    spin=1, parity=-1, c_parity=-1, baryon_number=0,
    electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0, statistics='boson',
    mass=0.0, ids={'pdg': 22},
)
PI_MINUS = Particle(
    'pi-', species='pi-', antiparticle_species='pi+', self_conjugate=False,
    spin=0, parity=-1, charge=-1, isospin=1,
    strangeness=0, charm=0, bottomness=0, topness=0,
    baryon_number=0, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='boson', mass=0.13957039, ids={'pdg': -211},
)
PI_PLUS = Particle(
    'pi+', species='pi+', antiparticle_species='pi-', self_conjugate=False,
    spin=0, parity=-1, charge=1, isospin=1,
    strangeness=0, charm=0, bottomness=0, topness=0,
    baryon_number=0, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='boson', mass=0.13957039, ids={'pdg': 211},
)
PI_ZERO = Particle(
    'pi0', species='pi0', antiparticle_species='pi0', self_conjugate=True,
    spin=0, parity=-1, c_parity=1, g_parity=-1,
    charge=0, isospin=1, strangeness=0, charm=0,
    bottomness=0, topness=0, baryon_number=0, electron_lepton_number=0,
    muon_lepton_number=0, tau_lepton_number=0, statistics='boson', mass=0.1349768,
    ids={'pdg': 111},
)
POSITRON = Particle(
    'e+', species='positron', antiparticle_species='electron', self_conjugate=False,
    spin=_F(1, 2), charge=1, isospin=0, strangeness=0,
    charm=0, bottomness=0, topness=0, baryon_number=0,
    electron_lepton_number=-1, muon_lepton_number=0, tau_lepton_number=0, statistics='fermion',
    mass=0.00051099895, ids={'pdg': -11},
)
PROTON = Particle(
    'p', species='proton', antiparticle_species='antiproton', self_conjugate=False,
    spin=_F(1, 2), parity=1, charge=1, isospin=_F(1, 2),
    strangeness=0, charm=0, bottomness=0, topness=0,
    baryon_number=1, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='fermion', mass=0.93827208816, ids={'pdg': 2212},
)
RHO_MINUS = Particle(
    'rho-', species='rho-', antiparticle_species='rho+', self_conjugate=False,
    spin=1, parity=-1, charge=-1, isospin=1,
    baryon_number=0, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='boson', mass=0.77511, ids={'pdg': -213},
)
RHO_PLUS = Particle(
    'rho+', species='rho+', antiparticle_species='rho-', self_conjugate=False,
    spin=1, parity=-1, charge=1, isospin=1,
    baryon_number=0, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='boson', mass=0.77511, ids={'pdg': 213},
)
RHO_ZERO = Particle(
    'rho0', species='rho0', antiparticle_species='rho0', self_conjugate=True,
    spin=1, parity=-1, c_parity=-1, g_parity=1,
    isospin=1, baryon_number=0, electron_lepton_number=0, muon_lepton_number=0,
    tau_lepton_number=0, statistics='boson', mass=0.77511, ids={'pdg': 113},
)
SIGMA_MINUS = Particle(
    'Sigma-', species='Sigma-', antiparticle_species='Sigma+_bar', self_conjugate=False,
    spin=_F(1, 2), parity=1, charge=-1, isospin=1,
    strangeness=-1, charm=0, bottomness=0, topness=0,
    baryon_number=1, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='fermion', mass=1.197449, ids={'pdg': 3112},
)
SIGMA_PLUS = Particle(
    'Sigma+', species='Sigma+', antiparticle_species='Sigma-_bar', self_conjugate=False,
    spin=_F(1, 2), parity=1, charge=1, isospin=1,
    strangeness=-1, charm=0, bottomness=0, topness=0,
    baryon_number=1, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='fermion', mass=1.18937, ids={'pdg': 3222},
)
SIGMA_ZERO = Particle(
    'Sigma0', species='Sigma0', antiparticle_species='Sigma0_bar', self_conjugate=False,
    spin=_F(1, 2), parity=1, charge=0, isospin=1,
    strangeness=-1, charm=0, bottomness=0, topness=0,
    baryon_number=1, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='fermion', mass=1.192642, ids={'pdg': 3212},
)
TAU = Particle(
    'tau-', species='tau', antiparticle_species='antitau', self_conjugate=False,
    spin=_F(1, 2), charge=-1, isospin=0, strangeness=0,
    charm=0, bottomness=0, topness=0, baryon_number=0,
    electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=1, statistics='fermion',
    mass=1.77693, ids={'pdg': 15},
)
TAU_ANTINEUTRINO = Particle(
    'nu_tau_bar', species='nubar_tau', antiparticle_species='nu_tau', self_conjugate=False,
    spin=_F(1, 2), charge=0, isospin=0, strangeness=0,
    charm=0, bottomness=0, topness=0, baryon_number=0,
    electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=-1, statistics='fermion',
    ids={'pdg': -16},
)
TAU_NEUTRINO = Particle(
    'nu_tau', species='nu_tau', antiparticle_species='nubar_tau', self_conjugate=False,
    spin=_F(1, 2), charge=0, isospin=0, strangeness=0,
    charm=0, bottomness=0, topness=0, baryon_number=0,
    electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=1, statistics='fermion',
    ids={'pdg': 16},
)
W_MINUS = Particle(
    'W-', species='W-', antiparticle_species='W+', self_conjugate=False,
    spin=1, charge=-1, isospin=0, baryon_number=0,
    electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0, statistics='boson',
    mass=80.369, ids={'pdg': -24},
)
W_PLUS = Particle(
    'W+', species='W+', antiparticle_species='W-', self_conjugate=False,
    spin=1, charge=1, isospin=0, baryon_number=0,
    electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0, statistics='boson',
    mass=80.369, ids={'pdg': 24},
)
XI_MINUS = Particle(
    'Xi-', species='Xi-', antiparticle_species='Xi+_bar', self_conjugate=False,
    spin=_F(1, 2), parity=1, charge=-1, isospin=_F(1, 2),
    strangeness=-2, charm=0, bottomness=0, topness=0,
    baryon_number=1, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='fermion', mass=1.32171, ids={'pdg': 3312},
)
XI_ZERO = Particle(
    'Xi0', species='Xi0', antiparticle_species='Xi0_bar', self_conjugate=False,
    spin=_F(1, 2), parity=1, charge=0, isospin=_F(1, 2),
    strangeness=-2, charm=0, bottomness=0, topness=0,
    baryon_number=1, electron_lepton_number=0, muon_lepton_number=0, tau_lepton_number=0,
    statistics='fermion', mass=1.31486, ids={'pdg': 3322},
)
Z_BOSON = Particle(
    'Z0', species='Z', antiparticle_species='Z', self_conjugate=True,
    spin=1, isospin=0, baryon_number=0, electron_lepton_number=0,
    muon_lepton_number=0, tau_lepton_number=0, statistics='boson', mass=91.188,
    ids={'pdg': 23},
)

__all__ = [
    "ANTILAMBDA",
    "ANTIMUON",
    "ANTINEUTRON",
    "ANTIPROTON",
    "ANTISIGMA_MINUS",
    "ANTISIGMA_PLUS",
    "ANTISIGMA_ZERO",
    "ANTITAU",
    "ANTI_OMEGA_PLUS",
    "ANTI_XI_PLUS",
    "ANTI_XI_ZERO",
    "B_MINUS",
    "B_PLUS",
    "B_S_ZERO",
    "B_S_ZERO_BAR",
    "B_ZERO",
    "B_ZERO_BAR",
    "D_MINUS",
    "D_PLUS",
    "D_S_MINUS",
    "D_S_PLUS",
    "D_ZERO",
    "D_ZERO_BAR",
    "ELECTRON",
    "ELECTRON_ANTINEUTRINO",
    "ELECTRON_NEUTRINO",
    "ETA",
    "ETA_PRIME",
    "HIGGS",
    "J_PSI",
    "K_LONG",
    "K_MINUS",
    "K_PLUS",
    "K_SHORT",
    "K_ZERO",
    "K_ZERO_BAR",
    "LAMBDA",
    "MUON",
    "MUON_ANTINEUTRINO",
    "MUON_NEUTRINO",
    "NEUTRON",
    "OMEGA",
    "OMEGA_MINUS",
    "PHI",
    "PHOTON",
    "PI_MINUS",
    "PI_PLUS",
    "PI_ZERO",
    "POSITRON",
    "PROTON",
    "RHO_MINUS",
    "RHO_PLUS",
    "RHO_ZERO",
    "SIGMA_MINUS",
    "SIGMA_PLUS",
    "SIGMA_ZERO",
    "TAU",
    "TAU_ANTINEUTRINO",
    "TAU_NEUTRINO",
    "W_MINUS",
    "W_PLUS",
    "XI_MINUS",
    "XI_ZERO",
    "Z_BOSON",
]
