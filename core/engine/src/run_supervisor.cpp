#include <sgmtk_engine/run_supervisor.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sgmtk::engine {
namespace {

volatile sig_atomic_t g_child = 0;

void forward_to_child(int signal) {
  if (g_child > 0) ::kill(static_cast<pid_t>(g_child), signal);
}

}  // namespace

std::string signal_name(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  const char* what = sigdescr_np(signal);
  return std::string("SIG") + (abbrev ? abbrev : "?") + " (" + (what ? what : "unknown signal") + ")";
}

bool is_crash_signal(int signal) {
  switch (signal) {
    case SIGSEGV: case SIGBUS: case SIGFPE: case SIGILL: case SIGABRT: case SIGSYS: case SIGTRAP: return true;
    default: return false;
  }
}

bool supervision_wanted() {
  if (const char* off = std::getenv("SGMTK_NO_SUPERVISOR"); off != nullptr && std::strcmp(off, "1") == 0) return false;
  // Under an MPI launcher each rank is one process of a job: it cannot be restarted alone.
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK"})
    if (std::getenv(var) != nullptr) return false;
  return true;
}

int run_supervised(const std::function<int(int)>& attempt) {
  const pid_t parent = ::getpid();
  int crash_signal = 0;
  for (;;) {
    std::fflush(nullptr);  // nothing buffered is written twice by the child
    const pid_t child = ::fork();
    if (child < 0) {
      std::fprintf(stderr, "warning: cannot start a supervised worker process (%s); running without crash isolation\n",
                   std::strerror(errno));
      return attempt(crash_signal);
    }
    if (child == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) std::_Exit(128 + SIGKILL);  // the parent died before prctl
      const int code = attempt(crash_signal);
      std::exit(code);  // flushes the streams and runs the destructors, as returning from main would
    }
    g_child = child;
    struct sigaction forward = {};
    forward.sa_handler = forward_to_child;
    sigemptyset(&forward.sa_mask);
    struct sigaction saved[4];
    const int forwarded[4] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    for (int i = 0; i < 4; ++i) ::sigaction(forwarded[i], &forward, &saved[i]);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    for (int i = 0; i < 4; ++i) ::sigaction(forwarded[i], &saved[i], nullptr);
    g_child = 0;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    const int signal = WIFSIGNALED(status) ? WTERMSIG(status) : SIGKILL;
    if (is_crash_signal(signal)) {
      std::fprintf(stderr,
                   "sgmtk: the worker process died of %s, in plugin code; its run is identified from the journal and "
                   "recorded as crashed, and the other runs go on\n",
                   signal_name(signal).c_str());
      crash_signal = signal;
      continue;
    }
    std::fprintf(stderr,
                 "sgmtk: the run was stopped by %s%s; the finished runs are kept in the output folder's journal: run the "
                 "same command again to resume\n",
                 signal_name(signal).c_str(), signal == SIGKILL ? " (killed by a user, or by the kernel when memory ran out)" : "");
    return 128 + signal;
  }
}

}  // namespace sgmtk::engine
