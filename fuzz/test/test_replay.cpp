// Replays every checked-in fuzz input -- the seed corpora (fuzz/corpus/<target>/) and the
// inputs that once crashed (fuzz/regressions/<target>/) -- through the same entry points the
// libFuzzer targets use. Runs in the normal and the sanitizer build, so every crash the fuzzers
// found stays fixed.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_targets.hpp"

namespace fs = std::filesystem;
using esc::fuzz::FuzzTarget;

namespace {

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<uint8_t> slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)),
                              std::istreambuf_iterator<char>());
}

class FuzzReplay : public ::testing::TestWithParam<FuzzTarget> {};

void replay_dir(const FuzzTarget& t, const std::string& kind, size_t min_files) {
  const fs::path dir = fs::path(ESC_FUZZ_DIR) / kind / t.name;
  const auto files = files_in(dir);
  EXPECT_GE(files.size(), min_files) << "no inputs in " << dir;
  for (const auto& f : files) {
    SCOPED_TRACE(f.string());
    const std::vector<uint8_t> in = slurp(f);
    try {
      EXPECT_EQ(t.fn(in.data(), in.size()), 0);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "fuzz_" << t.name << " failed on " << f << ": " << e.what();
    }
  }
}

TEST_P(FuzzReplay, SeedCorpus) {
  replay_dir(GetParam(), "corpus", 1);
}

TEST_P(FuzzReplay, Regressions) {
  replay_dir(GetParam(), "regressions", 0);
}

// Truncations of every seed: all prefixes of the first 64 bytes and every 7th longer one.
TEST_P(FuzzReplay, SeedPrefixes) {
  const FuzzTarget& t = GetParam();
  for (const auto& f : files_in(fs::path(ESC_FUZZ_DIR) / "corpus" / t.name)) {
    const std::vector<uint8_t> in = slurp(f);
    for (size_t n = 0; n < in.size(); n += (n < 64 ? 1 : 7)) {
      SCOPED_TRACE(f.string() + " truncated to " + std::to_string(n) + " bytes");
      try {
        EXPECT_EQ(t.fn(in.data(), n), 0);
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzReplay, ::testing::ValuesIn(esc::fuzz::fuzz_targets()),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
