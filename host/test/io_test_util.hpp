// Helpers shared by the host/test suites of the trained network's readers.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

namespace esc::test {

// models/fmnist of the source tree.
inline const std::string kFmnistDir = ESC_FMNIST_MODELS;

inline uint64_t test_seed(uint64_t fallback) {
  uint64_t seed = fallback;
  if (const char* env = std::getenv("ESC_SEED")) seed = std::strtoull(env, nullptr, 0);
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::cout << "[ seed     ] " << (info ? info->name() : "?") << " ESC_SEED=" << seed << std::endl;
  return seed;
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f << bytes;
  ASSERT_TRUE(f.good()) << path;
}

// A fresh-named directory under the test temp dir.
inline std::string temp_dir(const std::string& name) {
  const std::string d = ::testing::TempDir() + "esc_host_io_" + name;
  ::mkdir(d.c_str(), 0755);
  return d;
}

}  // namespace esc::test
