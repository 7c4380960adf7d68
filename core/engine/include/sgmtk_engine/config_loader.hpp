#pragma once
// Reads a pipeline TOML file into a PipelineSpec. Structural checks only (unknown tables and
// keys with suggestions, types, ranges of the engine's own keys); plugin parameters are checked
// against the plugins' declarations by run_plan.hpp. Every error is a ConfigError located at
// `file:line:col`.

#include <sgmtk_engine/pipeline_spec.hpp>

#include <string>

namespace sgmtk::engine {

PipelineSpec load_pipeline(const std::string& path);
/// Same, from text (`display_name` is used in messages): for tests and fuzzing.
PipelineSpec parse_pipeline(const std::string& text, const std::string& display_name);

}  // namespace sgmtk::engine
