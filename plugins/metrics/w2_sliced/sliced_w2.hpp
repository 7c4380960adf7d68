#pragma once
/// @file sliced_w2.hpp
/// W2^2 of one-dimensional projections of two point clouds (MATH.md E.4 after projecting): the
/// "two clouds" function behind w2_sliced. For any unit u, W2(u#A, u#B) <= W2(A, B)
/// (MATH.md E.6), so every entry is a lower bound on W2^2 of the clouds.

#include <sgmtk/random.hpp>
#include <sgmtk/types.hpp>

namespace sgmtk::metrics {

/// a: d x n, b: d x m (any sizes), directions: d x P unit vectors. Entry p is
/// W2^2(directions_p . A, directions_p . B). Directions are taken in blocks, so the extra memory
/// is O((n + m) * block), never O((n + m) * P).
Vector sliced_w2_squared(ConstBlock a, ConstBlock b, ConstBlock directions);

/// P directions uniform on the unit sphere S^{d-1}: normalized standard normal vectors.
Matrix random_directions(Index d, Index p, const RandomStream& rng);

}  // namespace sgmtk::metrics
