#pragma once
/// @file error.hpp
/// Exceptions that cross the plugin boundary. They are exported (see export.hpp) so that a
/// plugin's throw is caught by type in the host. Every message carries its context: which key,
/// which plugin, what was expected.

#include <sgmtk/export.hpp>

#include <stdexcept>
#include <string>

namespace sgmtk {

/// Base of every sgmtk error.
class SGMTK_API Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what);
  ~Error() override;
};

/// A parameter is missing, of the wrong type or out of its declared range.
class SGMTK_API ParamError : public Error {
 public:
  explicit ParamError(const std::string& what);
  ~ParamError() override;
};

/// An operation the object does not provide (e.g. a full Hessian from a target that only has
/// its diagonal). Callers check the traits first; this is the clear failure when they did not.
class SGMTK_API UnsupportedError : public Error {
 public:
  explicit UnsupportedError(const std::string& what);
  ~UnsupportedError() override;
};

/// A numerical failure detected by a plugin (e.g. a non-positive-definite covariance).
class SGMTK_API NumericalError : public Error {
 public:
  explicit NumericalError(const std::string& what);
  ~NumericalError() override;
};

}  // namespace sgmtk
