#pragma once
// Crash isolation for `sgmtk run`. Plugins are third-party shared libraries running in the
// host's address space: a segfault or an abort in one of them would end the whole sweep and
// leave no result files. So the work runs in a child process and the parent supervises it:
//
//  - the child does everything (`attempt`), journalling a "started" marker before each run;
//  - when it dies of a crash signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGSYS, SIGTRAP),
//    the parent starts `attempt` again in a new child with that signal; the journal then blames
//    the one run in flight (recorded `crashed`, never retried) or, when several were in flight,
//    has them computed again one at a time first (run_journal.hpp). Each restart either records
//    a crashed run or finishes a suspect, so it ends;
//  - any other death (SIGKILL, SIGTERM, Ctrl-C) ends the supervisor too, with the signal named:
//    the journal keeps the finished runs and the same command resumes.
//
// The fork happens before any thread exists (call this first thing). Signals the parent gets
// (SIGINT, SIGTERM, SIGHUP, SIGQUIT) are passed on to the child, and the child is killed if the
// parent dies (PR_SET_PDEATHSIG). Not used under an MPI launcher (a rank cannot be restarted
// alone) nor when SGMTK_NO_SUPERVISOR=1 (to run the work in-process, e.g. under a debugger).

#include <functional>
#include <string>

namespace sgmtk::engine {

/// True when `sgmtk run` should supervise (not under MPI, not opted out).
bool supervision_wanted();

/// Runs `attempt(previous_crash_signal)` in supervised child processes as described above and
/// returns the exit code to exit with (the child's, or 128 + the signal that stopped it).
int run_supervised(const std::function<int(int previous_crash_signal)>& attempt);

/// True for the signals that mean "the code crashed" rather than "somebody stopped it".
bool is_crash_signal(int signal);

/// "SIGSEGV (Segmentation fault)": how messages name a signal.
std::string signal_name(int signal);

}  // namespace sgmtk::engine
