"""The rating-scale many-facet Rasch model: probabilities, objective, structured Newton solver.

Private numerical core of :mod:`doorstroom_match.calibration`. Pure functions on arrays; the
public module turns records into these arrays and the results back into named facets.

The model, for observation ``i`` (worker-competence cell ``j``, competence ``c``, rater ``r``,
category ``x = level - 1`` in ``0..K``)::

    eta_i = theta_j - delta_c - sigma_r
    P(x = k) ∝ exp(k * eta_i - (tau_1 + ... + tau_k))          (rating-scale model)

with a hierarchical prior that lets each worker differ by competence but shrinks a thinly rated
cell towards the worker's general level ``mu_w``::

    theta_j ~ N(mu_w, v_cell),    mu_w ~ N(m, v_worker)

and weak normal priors (sd ``prior_sd``) on ``delta``, ``sigma`` and ``tau`` that only keep
extreme or tiny data finite. The variances are estimated from the data (empirical Bayes). The
objective (negative log posterior, observations weighted by ``omega``) is convex, so Newton's
method with a backtracking line search converges from any start.

The Newton system has an arrow structure that makes exact steps cheap: the cell parameters
``theta`` form a diagonal block, the worker levels ``mu`` another diagonal block once the cells
are eliminated, and what remains is a small system over the global parameters
``g = (m, delta, sigma, tau)`` (one row per rater and competence), solved as a sparse KKT system
with the identifying constraints (sum of ``delta`` = 0, mean of ``sigma`` over the raters of each
connected subset = 0, sum of ``tau`` = 0). The same reduced matrix gives the standard errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import scipy.sparse as sp

__all__ = [
    "N_CATEGORIES",
    "Design",
    "Params",
    "probabilities",
    "objective",
    "gradient",
    "newton_step",
    "solve",
]

#: Four ordered levels: categories 0..3, three thresholds.
N_CATEGORIES = 4
_K = N_CATEGORIES - 1
_CATS = np.arange(N_CATEGORIES, dtype=np.float64)


@dataclass(frozen=True)
class Design:
    """The observations as index arrays.

    Attributes
    ----------
    x : ndarray of shape (n,), int
        Category 0..3 (level - 1).
    cell : ndarray of shape (n,), int
        Worker-competence cell of each observation, 0..J-1.
    rater : ndarray of shape (n,), int
        Rater element 0..R-1 (the self-assessment facet is one of them).
    comp : ndarray of shape (n,), int
        Competence of each observation (``cell_comp[cell]``).
    cell_worker, cell_comp : ndarray of shape (J,), int
        Worker 0..W-1 and competence 0..C-1 of each cell.
    n_workers, n_comps, n_raters : int
    constraints : tuple of ndarray of int
        Rater groups whose severities sum to zero (one per connected subset).
    pair : ndarray of shape (n,), int
        Index of each observation's (cell, rater) pair, for the sparse cell-by-rater matrix.
    pair_cell, pair_rater : ndarray of shape (P,), int
    wpair : ndarray of shape (n,), int
        Index of each observation's (worker, rater) pair.
    wpair_worker, wpair_rater : ndarray of shape (Q,), int
    comp_rater : ndarray of shape (n,), int
        ``comp * n_raters + rater``.
    """

    x: np.ndarray
    cell: np.ndarray
    rater: np.ndarray
    comp: np.ndarray
    cell_worker: np.ndarray
    cell_comp: np.ndarray
    n_workers: int
    n_comps: int
    n_raters: int
    constraints: tuple[np.ndarray, ...]
    pair: np.ndarray
    pair_cell: np.ndarray
    pair_rater: np.ndarray
    wpair: np.ndarray
    wpair_worker: np.ndarray
    wpair_rater: np.ndarray
    comp_rater: np.ndarray

    @classmethod
    def build(
        cls,
        x: np.ndarray,
        cell: np.ndarray,
        rater: np.ndarray,
        cell_worker: np.ndarray,
        cell_comp: np.ndarray,
        n_raters: int,
        constraints: tuple[np.ndarray, ...],
    ) -> Design:
        x = np.asarray(x, dtype=np.int64)
        cell = np.asarray(cell, dtype=np.int64)
        rater = np.asarray(rater, dtype=np.int64)
        cell_worker = np.asarray(cell_worker, dtype=np.int64)
        cell_comp = np.asarray(cell_comp, dtype=np.int64)
        pkey = cell * n_raters + rater
        ukey, pair = np.unique(pkey, return_inverse=True)
        wkey = cell_worker[cell] * n_raters + rater
        uw, wpair = np.unique(wkey, return_inverse=True)
        return cls(
            x=x,
            cell=cell,
            rater=rater,
            comp=cell_comp[cell],
            cell_worker=cell_worker,
            cell_comp=cell_comp,
            n_workers=int(cell_worker.max()) + 1 if cell_worker.size else 0,
            n_comps=int(cell_comp.max()) + 1 if cell_comp.size else 0,
            n_raters=int(n_raters),
            constraints=tuple(np.asarray(g, dtype=np.int64) for g in constraints),
            pair=pair.ravel(),
            pair_cell=ukey // n_raters,
            pair_rater=ukey % n_raters,
            wpair=wpair.ravel(),
            wpair_worker=uw // n_raters,
            wpair_rater=uw % n_raters,
            comp_rater=cell_comp[cell] * n_raters + rater,
        )

    @property
    def n_cells(self) -> int:
        return int(self.cell_worker.size)


@dataclass
class Params:
    """Parameter values (logits). ``theta``: (J,), ``mu``: (W,), ``m``: scalar,
    ``delta``: (C,), ``sigma``: (R,), ``tau``: (3,)."""

    theta: np.ndarray
    mu: np.ndarray
    m: float
    delta: np.ndarray
    sigma: np.ndarray
    tau: np.ndarray

    @classmethod
    def zeros(cls, d: Design) -> Params:
        return cls(
            np.zeros(d.n_cells),
            np.zeros(d.n_workers),
            0.0,
            np.zeros(d.n_comps),
            np.zeros(d.n_raters),
            np.zeros(_K),
        )

    def copy(self) -> Params:
        return Params(
            self.theta.copy(),
            self.mu.copy(),
            float(self.m),
            self.delta.copy(),
            self.sigma.copy(),
            self.tau.copy(),
        )

    def globals_(self) -> np.ndarray:
        return np.concatenate([[self.m], self.delta, self.sigma, self.tau])


@dataclass(frozen=True)
class Hyper:
    """Prior variances and observation weights."""

    v_cell: float
    v_worker: float
    v_global: float
    omega: np.ndarray  # (n,)


def _eta(d: Design, p: Params) -> np.ndarray:
    eta = p.theta[d.cell]
    eta -= p.delta[d.comp]
    eta -= p.sigma[d.rater]
    return eta


def _columns(eta: np.ndarray, tau: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Category probabilities as four 1-d columns (fast on long arrays) and log-normaliser."""
    cum = np.concatenate([[0.0], np.cumsum(tau)])
    z = [k * eta - cum[k] for k in range(N_CATEGORIES)]
    zmax = np.maximum(np.maximum(z[0], z[1]), np.maximum(z[2], z[3]))
    q = [np.exp(zk - zmax) for zk in z]
    s = q[0] + q[1] + q[2] + q[3]
    inv = 1.0 / s
    return [qk * inv for qk in q], zmax + np.log(s)


def objective(d: Design, p: Params, h: Hyper) -> float:
    """Negative log posterior (up to a constant)."""
    eta = _eta(d, p)
    _, lse = _columns(eta, p.tau)
    return _objective_from(d, p, h, eta, lse)


def _objective_from(d: Design, p: Params, h: Hyper, eta: np.ndarray, lse: np.ndarray) -> float:
    cum = np.concatenate([[0.0], np.cumsum(p.tau)])
    ll = d.x * eta - cum[d.x] - lse
    dev = p.theta - p.mu[d.cell_worker]
    return float(
        -(h.omega @ ll)
        + dev @ dev / (2 * h.v_cell)
        + np.sum((p.mu - p.m) ** 2) / (2 * h.v_worker)
        + (p.delta @ p.delta + p.sigma @ p.sigma + p.tau @ p.tau) / (2 * h.v_global)
    )


def _moments(cols: list[np.ndarray]) -> tuple:
    """Per observation: E[X], Var X, Cov(X, Y_k) (k=1..3), Cov(Y_k, Y_l), P(X >= k).

    ``Y_k = 1{X >= k}`` are the sufficient statistics of the thresholds; the information
    matrix of (eta, -tau) is the covariance of (X, Y).
    """
    p0, p1, p2, p3 = cols
    t3 = p3
    t2 = p2 + p3
    t1 = p1 + t2
    tail = (t1, t2, t3)
    e = t1 + t2 + t3
    ex2 = p1 + 4.0 * p2 + 9.0 * p3
    var = ex2 - e * e
    ex_tail = (e, 2.0 * p2 + 3.0 * p3, 3.0 * p3)
    cov_xy = tuple(ex_tail[k] - e * tail[k] for k in range(_K))
    cov_yy = {}
    for k in range(_K):
        for m in range(k, _K):
            cov_yy[k, m] = tail[m] - tail[k] * tail[m]
    return e, var, cov_xy, cov_yy, tail


def _grad_parts(d: Design, p: Params, h: Hyper, cols: list[np.ndarray]):
    e, var, cov_xy, cov_yy, tail = _moments(cols)
    w = h.omega
    r = w * (e - d.x)  # d(-omega*ll)/d eta
    dev = p.theta - p.mu[d.cell_worker]
    g_theta = np.bincount(d.cell, r, d.n_cells) + dev / h.v_cell
    dmu = (p.mu - p.m) / h.v_worker
    g_mu = -np.bincount(d.cell_worker, dev / h.v_cell, d.n_workers) + dmu
    g_m = -float(dmu.sum())
    g_delta = -np.bincount(d.comp, r, d.n_comps) + p.delta / h.v_global
    g_sigma = -np.bincount(d.rater, r, d.n_raters) + p.sigma / h.v_global
    n_at_least = np.array([w @ (d.x >= k) for k in range(1, N_CATEGORIES)], dtype=np.float64)
    g_tau = n_at_least - np.array([w @ t for t in tail]) + p.tau / h.v_global
    return (g_theta, g_mu, g_m, g_delta, g_sigma, g_tau), (var, cov_xy, cov_yy)


def probabilities(eta: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """Category probabilities of the rating-scale model.

    Parameters
    ----------
    eta : ndarray of shape (n,)
        Worker measure minus competence difficulty minus rater severity (logits).
    tau : ndarray of shape (3,)
        Andrich thresholds.

    Returns
    -------
    ndarray of shape (n, 4)
        ``P(level = k + 1)``; each row sums to 1.
    """
    eta = np.atleast_1d(np.asarray(eta, dtype=np.float64))
    cols, _ = _columns(eta, np.asarray(tau, dtype=np.float64))
    return np.stack(cols, axis=-1)


def gradient(d: Design, p: Params, h: Hyper) -> Params:
    """Gradient of :func:`objective`, laid out like :class:`Params`."""
    cols, _ = _columns(_eta(d, p), p.tau)
    g, _ = _grad_parts(d, p, h, cols)
    return Params(g[0], g[1], g[2], g[3], g[4], g[5])


@dataclass
class _Reduced:
    """The Newton system after eliminating cells and workers (kept for standard errors)."""

    S: sp.csr_matrix  # (nG, nG)
    dinv: np.ndarray  # (J,) 1 / cell curvature
    e_mu: np.ndarray  # (W,) 1 / worker curvature after eliminating cells
    cov_g: np.ndarray | None = None


def _constraint_matrix(d: Design) -> sp.csr_matrix:
    """Rows: sum delta = 0; sum of sigma over each group = 0; sum tau = 0."""
    import scipy.sparse as sp

    C, R = d.n_comps, d.n_raters
    nG = 1 + C + R + _K
    rows, cols = [], []
    rows.append(np.zeros(C, dtype=np.int64))
    cols.append(1 + np.arange(C))
    for gi, grp in enumerate(d.constraints):
        rows.append(np.full(grp.size, 1 + gi))
        cols.append(1 + C + grp)
    n_rows = 2 + len(d.constraints)
    rows.append(np.full(_K, n_rows - 1))
    cols.append(1 + C + R + np.arange(_K))
    rr, cc = np.concatenate(rows), np.concatenate(cols)
    return sp.csr_matrix((np.ones(rr.size), (rr, cc)), shape=(n_rows, nG))


def newton_step(d: Design, p: Params, h: Hyper) -> tuple[Params, _Reduced, float, float]:
    """One exact Newton direction (constrained), the reduced system, the decrement, and the
    objective at ``p``.

    The direction is laid out like :class:`Params`.
    """
    # scipy.sparse is imported where used: at import it adds a warnings filter, and importing
    # the package must not change global state
    import scipy.sparse as sp
    from scipy.sparse.linalg import splu

    J, W, C, R = d.n_cells, d.n_workers, d.n_comps, d.n_raters
    vu, vw, vg = h.v_cell, h.v_worker, h.v_global
    eta = _eta(d, p)
    cols, lse = _columns(eta, p.tau)
    f = _objective_from(d, p, h, eta, lse)
    (g_theta, g_mu, g_m, g_delta, g_sigma, g_tau), (var, cov_xy, cov_yy) = _grad_parts(
        d, p, h, cols
    )
    w = h.omega
    wv = w * var
    wa = [w * c for c in cov_xy]
    # --- cell block: curvature and couplings to the globals
    hdata = np.bincount(d.cell, wv, J)
    dinv = 1.0 / (hdata + 1.0 / vu)
    a_cell = np.stack([np.bincount(d.cell, wa[k], J) for k in range(_K)], axis=1)  # (J,K)
    # B_theta,delta[j, c_j] = -hdata_j; B_theta,sigma[j, r] = -sum wv; B_theta,tau = -a_cell
    pair_v = np.bincount(d.pair, wv, d.pair_cell.size)  # (P,)
    Bs = sp.csr_matrix((-pair_v, (d.pair_cell, d.pair_rater)), shape=(J, R))
    # --- globals Hessian H_GG (before elimination), index layout [m | delta | sigma | tau]
    oD, oS, oT = 1, 1 + C, 1 + C + R
    nG = oT + _K
    h_dd = np.bincount(d.comp, wv, C) + 1.0 / vg
    h_ss = np.bincount(d.rater, wv, R) + 1.0 / vg
    h_ds = np.bincount(d.comp_rater, wv, C * R).reshape(C, R)
    h_dt = np.stack([np.bincount(d.comp, wa[k], C) for k in range(_K)], axis=1)
    h_st = np.stack([np.bincount(d.rater, wa[k], R) for k in range(_K)], axis=1)
    h_tt = np.eye(_K) / vg
    for (k, m), cyy in cov_yy.items():
        h_tt[k, m] += w @ cyy
        if m != k:
            h_tt[m, k] = h_tt[k, m]
    # --- eliminate cells: H_GG - B^T Dinv B
    s_dd = h_dd - np.bincount(d.cell_comp, hdata**2 * dinv, C)
    # delta-sigma: per (cell, rater) pair: (-hdata_j)(dinv_j)(-pair_v)
    s_ds = h_ds - np.bincount(
        d.cell_comp[d.pair_cell] * R + d.pair_rater,
        hdata[d.pair_cell] * dinv[d.pair_cell] * pair_v,
        C * R,
    ).reshape(C, R)
    s_dt = h_dt - np.stack(
        [np.bincount(d.cell_comp, hdata * dinv * a_cell[:, k], C) for k in range(_K)], axis=1
    )
    Bs_scaled = sp.diags(np.sqrt(dinv)) @ Bs
    s_ss = sp.diags(h_ss) - (Bs_scaled.T @ Bs_scaled)
    s_st = h_st + np.asarray(Bs.T @ (dinv[:, None] * a_cell))
    s_tt = h_tt - a_cell.T @ (dinv[:, None] * a_cell)
    # worker block after cell elimination: diagonal
    n_cells_w = np.bincount(d.cell_worker, minlength=W)
    s_mumu = n_cells_w / vu + 1.0 / vw - np.bincount(d.cell_worker, dinv, W) / vu**2
    e_mu = 1.0 / s_mumu
    # worker-global couplings: H_muG + (1/vu) P Dinv B_thetaG
    k_md = np.bincount(d.cell_worker * C + d.cell_comp, -(dinv * hdata) / vu, W * C).reshape(W, C)
    k_mt = np.stack(
        [np.bincount(d.cell_worker, -(dinv * a_cell[:, k]) / vu, W) for k in range(_K)], axis=1
    )
    wp_v = np.bincount(d.wpair, (-wv * dinv[d.cell]) / vu, d.wpair_worker.size)  # (Q,)
    K_ms = sp.csr_matrix((wp_v, (d.wpair_worker, d.wpair_rater)), shape=(W, R))
    k_mm = np.full(W, -1.0 / vw)
    # dense small block of worker couplings: [m | delta | tau]
    small = np.concatenate([k_mm[:, None], k_md, k_mt], axis=1)  # (W, 1+C+K)
    small_e = small * e_mu[:, None]
    # --- eliminate workers
    h_mm = W / vw
    S_small = -(small.T @ small_e)  # (1+C+K)^2
    S_small[0, 0] += h_mm
    S_small[1 : 1 + C, 1 : 1 + C] += np.diag(s_dd)
    S_small[1 : 1 + C, 1 + C :] += s_dt
    S_small[1 + C :, 1 : 1 + C] += s_dt.T
    S_small[1 + C :, 1 + C :] += s_tt
    S_small_sig = np.asarray(K_ms.T @ small_e).T  # (1+C+K, R)
    cross = -S_small_sig
    cross[1 : 1 + C, :] += s_ds
    cross[1 + C :, :] += s_st.T
    Ks_scaled = sp.diags(np.sqrt(e_mu)) @ K_ms
    S_ss = (s_ss - Ks_scaled.T @ Ks_scaled).tocsr()
    # assemble in [m | delta | sigma | tau] order
    small_idx = np.concatenate([[0], oD + np.arange(C), oT + np.arange(_K)])
    perm_small = sp.csr_matrix(
        (np.ones(small_idx.size), (small_idx, np.arange(small_idx.size))),
        shape=(nG, small_idx.size),
    )
    sig_embed = sp.csr_matrix((np.ones(R), (oS + np.arange(R), np.arange(R))), shape=(nG, R))
    S_small_full = perm_small @ sp.csr_matrix(S_small) @ perm_small.T
    S_cross = perm_small @ sp.csr_matrix(cross) @ sig_embed.T
    S = (S_small_full + S_cross + S_cross.T + sig_embed @ S_ss @ sig_embed.T).tocsr()
    # --- reduced gradient
    gq = dinv * g_theta
    gt_mu = g_mu + np.bincount(d.cell_worker, gq, W) / vu
    gt_G = np.concatenate(
        [
            [g_m],
            g_delta + np.bincount(d.cell_comp, hdata * gq, C),
            g_sigma - np.asarray(Bs.T @ gq),
            g_tau + a_cell.T @ gq,
        ]
    )
    # minus K^T E gt_mu, with K in [m|delta|sigma|tau] layout
    eg = e_mu * gt_mu
    kt_small = small.T @ eg
    kt_sig = np.asarray(K_ms.T @ eg)
    red = gt_G.copy()
    red[small_idx] -= kt_small
    red[oS : oS + R] -= kt_sig
    # --- KKT solve: S dG + A^T nu = -red ; A dG = -A g
    A = _constraint_matrix(d)
    gvec = p.globals_()
    kkt = sp.bmat([[S, A.T], [A, None]], format="csc")
    rhs = np.concatenate([-red, -(A @ gvec)])
    sol = splu(kkt).solve(rhs)
    dG = sol[:nG]
    # --- back-substitute
    kdg = small @ dG[small_idx] + np.asarray(K_ms @ dG[oS : oS + R])
    dmu = e_mu * (-gt_mu - kdg)
    bdg = -hdata * dG[oD + d.cell_comp] + np.asarray(Bs @ dG[oS : oS + R]) - a_cell @ dG[oT:]
    dtheta = dinv * (-g_theta + dmu[d.cell_worker] / vu - bdg)
    step = Params(dtheta, dmu, float(dG[0]), dG[oD:oS], dG[oS:oT], dG[oT:])
    gfull = np.concatenate([g_theta, g_mu, [g_m], g_delta, g_sigma, g_tau])
    sfull = np.concatenate([dtheta, dmu, dG])
    decrement = float(-(gfull @ sfull))
    return step, _Reduced(S, dinv, e_mu), decrement, f


def _axpy(p: Params, t: float, s: Params) -> Params:
    return Params(
        p.theta + t * s.theta,
        p.mu + t * s.mu,
        p.m + t * s.m,
        p.delta + t * s.delta,
        p.sigma + t * s.sigma,
        p.tau + t * s.tau,
    )


def solve(
    d: Design, p: Params, h: Hyper, *, tol: float = 1e-8, max_iter: int = 50
) -> tuple[Params, _Reduced, int, bool]:
    """Newton's method with backtracking from ``p``.

    Returns (params, reduced system at them, Newton systems built, converged). Converged means
    the Newton decrement per observation fell below ``tol``. The objective is convex, so a step
    that does not decrease it enough is only halved (Armijo), never reversed.
    """
    n = max(1, d.x.size)
    step, red, dec, f = newton_step(d, p, h)
    for it in range(1, max_iter + 1):
        if dec / n < tol:
            return p, red, it, True
        t = 1.0
        while True:
            q = _axpy(p, t, step)
            if t == 1.0:
                # the full step is nearly always taken: build its Newton system at once
                nstep, nred, ndec, fq = newton_step(d, q, h)
            else:
                fq = objective(d, q, h)
            if fq <= f - 1e-4 * t * max(dec, 0.0) or t < 1e-6:
                break
            t *= 0.5
        if t != 1.0:
            nstep, nred, ndec, fq = newton_step(d, q, h)
        p, f, step, red, dec = q, fq, nstep, nred, ndec
    return p, red, max_iter, dec / n < tol
