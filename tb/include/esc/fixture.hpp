// GoogleTest fixture base for any Verilated model with clk_i / rst_ni.
//
// - owns the VerilatedContext and the model (through Sim<Vtop>), built fresh for every test;
// - reset(), cycle(n), drive-before-edge / edge / sample-after-edge hooks (see sim.hpp);
// - seed: ESC_SEED from the environment, else a per-test default derived from the test name;
//   printed with every failure (SCOPED_TRACE), so ESC_SEED=<n> replays the test exactly;
// - waves: ESC_TRACE=1 keeps an FST of every test; by default the FST is written to
//   <build>/waves/<Suite>.<Test>.fst and deleted if the test passes (kept on failure);
//   ESC_TRACE=0 disables tracing entirely (fastest);
// - coverage builds (-DESC_COVERAGE=ON) write <build>/coverage/<Suite>.<Test>.dat per test.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "esc/sim.hpp"

#ifndef ESC_WAVES_DIR
#define ESC_WAVES_DIR "waves"
#endif
#ifndef ESC_COV_DIR
#define ESC_COV_DIR "coverage"
#endif

namespace esc {

// A GoogleTest name ("Suite.Test", "Inst/Suite.Test/3") with characters that are awkward in
// file names replaced: the name the default seed is derived from.
inline std::string sanitize_test_name(std::string s) {
  for (char& ch : s) {
    if (ch == '/' || ch == ' ' || ch == ':' || ch == '<' || ch == '>') ch = '_';
  }
  return s;
}

inline std::string current_test_name() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return info ? sanitize_test_name(std::string(info->test_suite_name()) + "." + info->name())
              : "no_test";
}

// The name GoogleTest gives case `i` of the random regression instantiated as `suite`
// (INSTANTIATE_TEST_SUITE_P(suite, RandomLayer, Range(0, n)) in tb/test/test_random.cpp),
// sanitised: the default seed of that case is default_seed_for() of it.
inline std::string random_case_name(const std::string& suite, int i) {
  return sanitize_test_name(suite + "/RandomLayer.MatchesGolden/" + std::to_string(i));
}

// FNV-1a of the test name: a stable per-test default seed.
inline uint64_t default_seed_for(const std::string& name) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : name) h = (h ^ ch) * 1099511628211ull;
  return (h % 1000000007ull) + 1;
}

// ESC_SEED if set (decimal), else `fallback`.
inline uint64_t env_seed(uint64_t fallback) {
  const char* e = std::getenv("ESC_SEED");
  if (e == nullptr || *e == '\0') return fallback;
  return std::strtoull(e, nullptr, 0);
}

// -1: unset, 0: ESC_TRACE=0, 1: ESC_TRACE=1.
inline int env_trace() {
  const char* e = std::getenv("ESC_TRACE");
  if (e == nullptr || *e == '\0') return -1;
  return std::atoi(e) != 0 ? 1 : 0;
}

inline std::string waves_dir() {
  const char* e = std::getenv("ESC_WAVES_DIR");
  return (e && *e) ? std::string(e) : std::string(ESC_WAVES_DIR);
}

inline std::string cov_path_for(const std::string& name) {
#if ESC_COVERAGE_BUILD
  return std::string(ESC_COV_DIR) + "/" + name + ".dat";
#else
  (void)name;
  return "";
#endif
}

template <class Vtop>
class RtlFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    name_ = current_test_name();
    seed_ = env_seed(default_seed_for(name_));
    trace_ = std::make_unique<::testing::ScopedTrace>(
        __FILE__, __LINE__,
        "test " + name_ + " seed " + std::to_string(seed_) +
            " (replay: ESC_SEED=" + std::to_string(seed_) + ")");
    SimOptions o;
    o.seed = seed_;
    o.rand_reset = rand_reset();
    if (env_trace() != 0) {
      fst_path_ = waves_dir() + "/" + name_ + ".fst";
      o.fst_path = fst_path_;
    }
    o.cov_path = cov_path_for(name_);
    sim_ = std::make_unique<Sim<Vtop>>(o);
  }

  void TearDown() override {
    sim_.reset();  // final(), close FST, write coverage
    if (!fst_path_.empty()) {
      if (HasFailure() || env_trace() == 1) {
        std::printf("[ waves    ] %s\n", fst_path_.c_str());
      } else {
        std::remove(fst_path_.c_str());
      }
    }
    trace_.reset();
  }

  // Override to run with random initial values (x-unique builds).
  virtual int rand_reset() const { return 0; }

  Vtop& dut() { return sim_->top(); }
  Sim<Vtop>& sim() { return *sim_; }
  void reset(uint64_t n = 4) { sim_->reset(n); }
  void cycle(uint64_t n = 1) { sim_->cycle(n); }
  uint64_t seed() const { return seed_; }
  const std::string& test_name() const { return name_; }

 private:
  std::string name_;
  uint64_t seed_ = 1;
  std::string fst_path_;
  std::unique_ptr<::testing::ScopedTrace> trace_;
  std::unique_ptr<Sim<Vtop>> sim_;
};

}  // namespace esc
