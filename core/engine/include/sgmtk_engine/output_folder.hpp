#pragma once
// Where a run writes its results, and whether it can: one rule for `run` and `validate`, so
// that `validate` refuses a folder `run` could not write instead of saying "ok".

#include <sgmtk_engine/pipeline_spec.hpp>

#include <string>

namespace sgmtk::engine {

/// `given` (-o) when set, else the pipeline's run.output, else out/<run.name>.
std::string output_folder(const PipelineSpec& spec, const std::string& given);

/// "" when this process can write `folder`: it is a writable folder, or it does not exist yet and
/// its nearest existing ancestor is a writable folder. Otherwise why not, naming the culprit.
std::string output_folder_problem(const std::string& folder);

}  // namespace sgmtk::engine
