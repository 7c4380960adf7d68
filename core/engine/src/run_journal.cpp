#include <sgmtk_engine/run_journal.hpp>

#include <sgmtk/version.hpp>
#include <sgmtk_engine/atomic_file.hpp>
#include <sgmtk_engine/results_io.hpp>

#include <algorithm>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace sgmtk::engine {
namespace {

namespace fs = std::filesystem;

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else out += c;
  }
  return out;
}

std::string unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char c = s[++i];
      out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

double to_num(const std::string& s) {
  if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (s == "inf") return std::numeric_limits<double>::infinity();
  if (s == "-inf") return -std::numeric_limits<double>::infinity();
  std::size_t used = 0;
  const double v = std::stod(s, &used);
  if (used != s.size()) throw Error("bad number '" + s + "'");
  return v;
}

const char* kEnd = "end";

}  // namespace

std::string plan_fingerprint(const RunPlan& plan) {
  // summary.json without runs holds every input: process, validated parameters, versions.
  std::string text = summary_json(plan, {});
  text += "\nruns " + std::to_string(plan.runs.size()) + "\nsgmtk " SGMTK_VERSION_STRING "\n";
  // Paths of the pipeline file do not change results: drop that line.
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line))
    if (line.find("\"pipeline_file\"") == std::string::npos) out += line + "\n";
  return out;
}

std::string serialize_outcome(const RunOutcome& o) {
  std::ostringstream os;
  os << "run\t" << o.run.id << "\n";
  os << "status\t" << to_string(o.status) << "\n";
  os << "message\t" << escape(o.message) << "\n";
  os << "seconds\t" << num(o.seconds) << "\n";
  os << "rank\t" << o.rank << "\n";
  for (const auto& m : o.metrics) {
    os << "metric\t" << escape(m.label) << "\n";
    os << "ok\t" << (m.ok ? 1 : 0) << "\n";
    os << "value\t" << num(m.value.value) << "\n";
    os << "stderr\t" << num(m.value.stderr_) << "\n";
    os << "squared\t" << (m.value.squared ? 1 : 0) << "\n";
    os << "note\t" << escape(m.value.note) << "\n";
    for (const auto& [k, v] : m.value.details) os << "detail\t" << escape(k) << "\t" << num(v) << "\n";
    if (m.floor) os << "floor\t" << num(m.floor->value) << "\t" << num(m.floor->stderr_) << "\n";
    os << "error\t" << escape(m.error) << "\n";
  }
  os << kEnd << "\n";  // an entry without this line is incomplete (it never is: writes are atomic)
  return os.str();
}

RunOutcome parse_outcome(const std::string& text, const PlannedRun& run) {
  RunOutcome o;
  o.run = run;
  std::istringstream in(text);
  std::string line;
  bool ended = false;
  while (std::getline(in, line)) {
    if (line == kEnd) {
      ended = true;
      break;
    }
    const auto tab = line.find('\t');
    if (tab == std::string::npos) throw Error("malformed journal line '" + line + "'");
    const std::string key = line.substr(0, tab);
    const std::string rest = line.substr(tab + 1);
    if (key == "run") {
      if (std::stoll(rest) != run.id) throw Error("journal entry is for run " + rest);
    } else if (key == "status") {
      o.status = parse_run_status(rest);
    } else if (key == "message") {
      o.message = unescape(rest);
    } else if (key == "seconds") {
      o.seconds = to_num(rest);
    } else if (key == "rank") {
      o.rank = static_cast<int>(std::stol(rest));
    } else if (key == "metric") {
      o.metrics.emplace_back();
      o.metrics.back().label = unescape(rest);
    } else {
      if (o.metrics.empty()) throw Error("journal line '" + key + "' before any metric");
      MetricOutcome& m = o.metrics.back();
      if (key == "ok") m.ok = rest == "1";
      else if (key == "value") m.value.value = to_num(rest);
      else if (key == "stderr") m.value.stderr_ = to_num(rest);
      else if (key == "squared") m.value.squared = rest == "1";
      else if (key == "note") m.value.note = unescape(rest);
      else if (key == "error") m.error = unescape(rest);
      else if (key == "detail") {
        const auto t2 = rest.rfind('\t');
        m.value.details.emplace_back(unescape(rest.substr(0, t2)), to_num(rest.substr(t2 + 1)));
      } else if (key == "floor") {
        const auto t2 = rest.find('\t');
        MetricValue f;
        f.value = to_num(rest.substr(0, t2));
        f.stderr_ = to_num(rest.substr(t2 + 1));
        m.floor = f;
      } else {
        throw Error("unknown journal key '" + key + "'");
      }
    }
  }
  if (!ended) throw Error("incomplete journal entry");
  return o;
}

namespace {

fs::path started_marker(const std::string& folder, Index id) { return fs::path(folder) / ("started-" + std::to_string(id)); }

// The run ids of the "started" markers in the journal folder.
std::vector<Index> started_runs(const std::string& folder) {
  std::vector<Index> ids;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind("started-", 0) != 0) continue;
    const std::string digits = name.substr(8);
    if (digits.empty() || digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    ids.push_back(std::stoll(digits));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace

RunJournal::RunJournal(const std::string& output_folder, const RunPlan& plan, bool fresh, int crash_signal)
    : folder_((fs::path(output_folder) / ".sgmtk-journal").string()) {
  const std::string fingerprint = plan_fingerprint(plan);
  std::error_code ec;
  // Temporaries left by a killed writer are garbage, never results; only this tool's own, of
  // processes that are gone, are removed (atomic_file.hpp).
  remove_dead_temporaries(output_folder);
  remove_dead_temporaries(folder_);
  const fs::path print_file = fs::path(folder_) / "fingerprint.txt";
  std::string old;
  if (fs::exists(print_file, ec)) {
    std::ifstream in(print_file);
    std::ostringstream s;
    s << in.rdbuf();
    old = s.str();
  }
  if (fresh || old != fingerprint) {
    discarded_stale_ = !fresh && !old.empty();
    if (!old.empty()) {
      // The result files beside a journal of another pipeline (or of a --fresh start) are that
      // journal's: left in place, they would sit next to the new journal and look like its
      // results if this run never gets to write its own. Only files this tool wrote are
      // removed, and only where its journal shows it owned the folder.
      for (const char* name : result_file_names()) fs::remove(fs::path(output_folder) / name, ec);
    }
    fs::remove_all(folder_, ec);
  }
  fs::create_directories(folder_, ec);
  if (ec) throw Error("cannot create " + folder_ + ": " + ec.message());
  write_file_atomically(print_file.string(), fingerprint);
  for (const auto& run : plan.runs) {
    const fs::path entry = fs::path(folder_) / ("run-" + std::to_string(run.id) + ".txt");
    if (!fs::exists(entry, ec)) continue;
    std::ifstream in(entry);
    std::ostringstream text;
    text << in.rdbuf();
    try {
      RunOutcome outcome = parse_outcome(text.str(), run);
      outcome.resumed = true;
      finished_.emplace(run.id, std::move(outcome));
    } catch (const std::exception&) {
      // Not expected (entries are written atomically); the run is done again.
    }
  }
  // Runs that were started but never finished: interrupted (a kill, a power cut: simply done
  // again) or, when the supervisor saw the process die of a crash signal, the crash's suspects.
  std::vector<Index> in_flight;
  for (Index id : started_runs(folder_)) {
    fs::remove(started_marker(folder_, id), ec);
    if (id >= 0 && id < static_cast<Index>(plan.runs.size()) && !finished_.count(id)) in_flight.push_back(id);
  }
  if (crash_signal != 0) {
    if (in_flight.empty()) {
      throw Error("the previous attempt of this run died of signal " + std::to_string(crash_signal) +
                  " outside any run (while setting up or writing results), so no run can be blamed; the finished runs are "
                  "kept in " + folder_ + " and are reused when the cause is fixed");
    }
    if (in_flight.size() == 1) {
      const PlannedRun& run = plan.runs[static_cast<std::size_t>(in_flight[0])];
      RunOutcome outcome = crashed_outcome(plan, run, crash_signal);
      record(outcome);
      crashed_now_ = run.id;
      finished_.emplace(run.id, std::move(outcome));
    } else {
      for (Index id : in_flight) isolate_.push_back(static_cast<std::size_t>(id));
    }
  }
}

void RunJournal::mark_started(const PlannedRun& run) const {
  // An empty file is enough: its name says which run; its existence that it has not finished.
  const int fd = ::open(started_marker(folder_, run.id).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0) ::close(fd);
}

void RunJournal::record(const RunOutcome& outcome) const {
  write_file_atomically((fs::path(folder_) / ("run-" + std::to_string(outcome.run.id) + ".txt")).string(), serialize_outcome(outcome));
  std::error_code ec;
  fs::remove(started_marker(folder_, outcome.run.id), ec);
}

}  // namespace sgmtk::engine
