// Key functions of the exported exception classes: defined here, once, so that their typeinfo
// lives in libsgmtk_core.so and a plugin's throw is caught by type in the host.
#include <sgmtk/error.hpp>

namespace sgmtk {

Error::Error(const std::string& what) : std::runtime_error(what) {}
Error::~Error() = default;
ParamError::ParamError(const std::string& what) : Error(what) {}
ParamError::~ParamError() = default;
UnsupportedError::UnsupportedError(const std::string& what) : Error(what) {}
UnsupportedError::~UnsupportedError() = default;
NumericalError::NumericalError(const std::string& what) : Error(what) {}
NumericalError::~NumericalError() = default;

}  // namespace sgmtk
