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

/// A parameter value written as on the command line (`--param mean=[1.0, 2.0]`), in TOML
/// syntax: number, string (quoted, or bare text), boolean, list, list of lists.
ParamValue parse_param_value(const std::string& text, const std::string& what);

}  // namespace sgmtk::engine
