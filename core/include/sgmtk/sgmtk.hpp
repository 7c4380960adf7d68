#pragma once
/// @file sgmtk.hpp
/// Everything a plugin author needs, in one include.

#include <sgmtk/brownian_path.hpp>
#include <sgmtk/error.hpp>
#include <sgmtk/export.hpp>
#include <sgmtk/metric.hpp>
#include <sgmtk/ou.hpp>
#include <sgmtk/parallel.hpp>
#include <sgmtk/params.hpp>
#include <sgmtk/plugin.hpp>
#include <sgmtk/random.hpp>
#include <sgmtk/sampler.hpp>
#include <sgmtk/score_model.hpp>
#include <sgmtk/scratch.hpp>
#include <sgmtk/target.hpp>
#include <sgmtk/time_grid.hpp>
#include <sgmtk/types.hpp>
#include <sgmtk/version.hpp>
