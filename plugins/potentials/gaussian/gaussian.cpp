// The gaussian target plugin: pi = N(m, S).
#include "gaussian_target.hpp"

#include <sgmtk/plugin.hpp>

SGMTK_PLUGIN(sgmtk::target_entry<sgmtk::gaussian::GaussianTarget>(
    "gaussian", "1.0.0", "Gaussian target N(m, S): exact score, Hessians, density, reverse kernel",
    "pi = N(m, S). The covariance S is given by at most one of: variance (S = variance I), diagonal "
    "(S = diag(...)), covariance (a full symmetric positive definite d x d matrix); with none of "
    "them S = I. mean and diagonal take one number (broadcast) or d numbers. Under the OU flow "
    "p_t = N(m_t m, Sigma_t), Sigma_t = m_t^2 S + s_t^2 I, so grad log p_t(y) = -Sigma_t^{-1}(y - m_t m) "
    "and grad^2 log p_t = -Sigma_t^{-1} (standard; MATH.md C.1), evaluated in the eigenbasis of S. "
    "Provides the normalized log density of p_t, exact samples m + S^{1/2} xi, the potential "
    "U = (x - m)^T S^{-1} (x - m) / 2 (without its normalizing constant), the exact reverse kernel "
    "of X_{tau-h} given X_tau (MATH.md B.8, derived there and checked numerically), and the "
    "constants K = -1/lambda_max(S), mu = 1/lambda_max(S), L = 1/lambda_min(S) (MATH.md C.6, derived "
    "there). The moment recursions of MATH.md E.1 make it the exact oracle for EM, EI, LL and PF-ODE.",
    &sgmtk::gaussian::gaussian_params, &sgmtk::gaussian::gaussian_memory))
