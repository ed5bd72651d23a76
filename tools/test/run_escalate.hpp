// The escalate binary under test (ESCALATE_BIN, set by tools/CMakeLists.txt), run through the
// shell with stdout and stderr captured: shared by the CLI and classify tests.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace esc {

struct Cmd {
  int rc;           // exit status, -1 if the command could not run or was killed
  std::string out;  // stdout and stderr
};

// `env` is prepended to the command line (e.g. "ESC_SEED=3").
inline Cmd run(const std::string& args, const std::string& env = "") {
  const std::string cmd = env + " " + std::string(ESCALATE_BIN) + " " + args + " 2>&1";
  Cmd r{-1, ""};
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = ::pclose(p);
  r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

}  // namespace esc
