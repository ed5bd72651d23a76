// Shared fixture of the primitive unit tests (test_prim_*.cpp): a valid/ready DUT with
// flush_i, in_{valid,data}_i, out_ready_i, driven one cycle at a time and compared with a C++
// reference model before every clock edge. Model provides
//   void check(const Vtop&, bool out_ready, const std::string& where)  (gtest assertions)
//   void step(bool in_valid, uint8_t in_data, bool out_ready, bool flush)
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "esc/fixture.hpp"

namespace esc {

template <class Vtop, class Model>
class PrimTest : public RtlFixture<Vtop> {
 protected:
  void SetUp() override {
    RtlFixture<Vtop>::SetUp();
    Vtop& d = this->dut();
    d.flush_i = 0;
    d.in_valid_i = 0;
    d.in_data_i = 0;
    d.out_ready_i = 0;
    this->reset();
  }
  // Apply inputs, compare the outputs with the model before the edge, then clock both.
  void step(bool in_valid, uint8_t in_data, bool out_ready, bool flush = false) {
    Vtop& d = this->dut();
    d.in_valid_i = in_valid;
    d.in_data_i = in_data;
    d.out_ready_i = out_ready;
    d.flush_i = flush;
    this->sim().settle();
    m_.check(d, out_ready, "before edge " + std::to_string(n_));
    m_.step(in_valid, in_data, out_ready, flush);
    this->cycle();
    ++n_;
  }
  Model m_;
  int n_ = 0;
};

}  // namespace esc
