#pragma once
// What went wrong, in words, for any exception a plugin may throw. Plugins are third-party code:
// besides std::exception they may throw an int, a string literal or their own type, and an
// exception that escapes a worker thread or the run loop ends the whole process
// (std::terminate). Every place that calls plugin code catches `...` and asks this for the text.

#include <string>

namespace sgmtk::engine {

/// The message of the exception being handled; call only inside a catch block. std::exception
/// gives its what(); anything else is named as such.
std::string current_exception_message();

}  // namespace sgmtk::engine
