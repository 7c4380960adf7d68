#pragma once
/// @file marginal_w2.hpp
/// Exact W2^2 between the coordinate marginals of two point clouds (MATH.md E.4 per coordinate):
/// the "two clouds" function behind w2_marginal. Their sum is a lower bound on W2^2 of the
/// clouds (MATH.md E.6: any coupling has E|X - Y|^2 = sum_i E|X_i - Y_i|^2).

#include <sgmtk/types.hpp>

namespace sgmtk::metrics {

/// a: d x n, b: d x m (any sizes). Entry i is W2^2 between the i-th coordinates.
Vector marginal_w2_squared(ConstBlock a, ConstBlock b);

}  // namespace sgmtk::metrics
