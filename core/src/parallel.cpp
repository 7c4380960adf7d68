#include <sgmtk/parallel.hpp>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

namespace sgmtk {

void parallel_blocks(Index n, Index block, const std::function<void(Index, Index)>& fn) {
  const Index blocks = block_count(n, block);
  // The scheduler chooses which thread runs a block, never where a block starts or ends.
  tbb::parallel_for(tbb::blocked_range<Index>(0, blocks, 1), [&](const tbb::blocked_range<Index>& r) {
    for (Index b = r.begin(); b < r.end(); ++b) {
      const Index first = b * block;
      fn(first, std::min(block, n - first));
    }
  });
}

double deterministic_block_sum(Index n, Index block, const std::function<double(Index, Index)>& fn) {
  std::vector<double> partial(static_cast<std::size_t>(block_count(n, block)), 0.0);
  parallel_blocks(n, block, [&](Index first, Index count) {
    partial[static_cast<std::size_t>(first / block)] = fn(first, count);
  });
  double sum = 0.0;
  for (double p : partial) sum += p;  // fixed (block) order
  return sum;
}

}  // namespace sgmtk
