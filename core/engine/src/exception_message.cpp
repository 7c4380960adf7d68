#include <sgmtk_engine/exception_message.hpp>

#include <exception>

namespace sgmtk::engine {

std::string current_exception_message() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (const char* s) {
    return std::string("threw a C string (not a std::exception): ") + (s ? s : "(null)");
  } catch (...) {
    return "threw something that is not a std::exception (a plugin bug: throw sgmtk::Error or a "
           "std::exception subclass instead)";
  }
}

}  // namespace sgmtk::engine
