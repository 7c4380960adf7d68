#pragma once
/// @file parallel.hpp
/// Block-parallel helpers over oneTBB with results that do not depend on the thread count:
/// work is cut into fixed-size blocks (never by the scheduler), and reductions combine the
/// per-block results in block order.

#include <sgmtk/export.hpp>
#include <sgmtk/types.hpp>

#include <functional>
#include <vector>

namespace sgmtk {

/// Default number of particles per block: large enough to amortize one virtual call and to run
/// Eigen's vectorized kernels, small enough that a d x n block stays in cache for moderate d.
inline constexpr Index default_block_size = 512;

/// Number of blocks of `block` items covering n items.
inline Index block_count(Index n, Index block) { return (n + block - 1) / block; }

/// Calls fn(first, count) for every block [first, first+count) of [0, n), in parallel.
SGMTK_API void parallel_blocks(Index n, Index block, const std::function<void(Index, Index)>& fn);

/// Sum of fn(first, count) over the blocks of [0, n), computed in parallel and added in block
/// order, so the result is bit-identical for any thread count.
SGMTK_API double deterministic_block_sum(Index n, Index block,
                                         const std::function<double(Index, Index)>& fn);

}  // namespace sgmtk
