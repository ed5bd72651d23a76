// Unit tests of the report code: totals, first-mismatch text, renderings, atomic writes.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "esc/report.hpp"
#include "esc/workload.hpp"

namespace esc {
namespace {

LayerReport make_report(const std::string& name, int N, uint64_t cycles, bool rtl) {
  ModelLayer ml;
  ml.name = name;
  ml.C = 8;
  ml.N = N;
  ml.H = ml.W = 8;
  ml.density = 0.25;
  IntLayer layer = make_model_layer(ml, 7, 0);
  LayerReport r;
  r.name = name;
  r.density_target = ml.density;
  fill_golden_metrics(r, layer, HwCaps{});
  r.rtl = rtl;
  r.cycles = rtl ? cycles : 0;
  r.checked = rtl;
  r.match = true;
  if (!rtl) r.note = "golden-only (test)";
  return r;
}

// SPEC 5b area efficiency: ESCALATE at its end-to-end speedup over logic + all RAM, the dense
// engine at 100 % over its MAC array + its own largest buffers (SRAM model of synth/synth.py).
TEST(Report, AreaEfficiencyIncludesSramAndTheDenseBuffers) {
  RunReport rr;
  rr.layers = {make_report("a", 16, 1000, true), make_report("b", 32, 2000, true)};
  for (LayerReport& l : rr.layers) l.ld_idle = 0;
  EXPECT_FALSE(rr.area_efficiency().valid) << "no area model";
  AreaModel m;
  m.caps = rr.caps;
  m.esc_logic_um2 = 300000.0;
  m.esc_sram_um2 = 700000.0;  // 1.0 mm^2 in all
  m.dense_logic_um2 = 100000.0;
  m.bitcell_um2 = 0.5;
  m.efficiency = {{1000, 0.5}, {0, 0.25}};
  rr.area = m;
  const AreaEfficiency ae = rr.area_efficiency();
  ASSERT_TRUE(ae.valid) << ae.why;
  const RunTotals t = rr.totals();
  const double P = static_cast<double>(multipliers(rr.caps));
  EXPECT_DOUBLE_EQ(ae.esc_mm2, 1.0);
  EXPECT_NEAR(ae.esc, P * t.speedup_e2e() / 1.0, 1e-9);
  // The largest dense buffer set of the two layers, priced by the model: bits * 0.5 / 0.5.
  int64_t want_bits = 0;
  for (const LayerReport& l : rr.layers) {
    const RefEvents ev = dense_reference(l.cfg, rr.caps, rr.energy_table);
    want_bits = std::max(want_bits, 8 * (ev.in_buf_bytes + ev.w_buf_bytes + ev.psum_buf_bytes));
  }
  ASSERT_GT(want_bits, 1000);
  EXPECT_EQ(ae.dense_buffer_bits, want_bits);
  EXPECT_NEAR(ae.dense_mm2, (100000.0 + static_cast<double>(want_bits)) / 1e6, 1e-12);
  EXPECT_NEAR(ae.ratio(), ae.esc / (P / ae.dense_mm2), 1e-9);
  EXPECT_DOUBLE_EQ(m.sram_um2(500), 500 * 0.5 / 0.25);
  // Another build: no number rather than a wrong one.
  rr.area->caps.coef_depth *= 2;
  EXPECT_FALSE(rr.area_efficiency().valid);
  EXPECT_NE(to_json(rr)["totals"]["area_efficiency"].dump().find("another build"),
            std::string::npos);
}

TEST(Report, AreaModelFileErrorsNameTheField) {
  const std::string path = "/tmp/esc_area_test_" + std::to_string(::getpid()) + ".json";
  {
    std::ofstream f(path);
    f << R"({"config": {"T": 4}, "escalate": {}, "dense": {}, "sram_model": {}})";
  }
  try {
    (void)load_area_model(path);
    FAIL() << "accepted a file without L";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'L'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  std::remove(path.c_str());
  EXPECT_THROW((void)load_area_model(path), std::invalid_argument) << "missing file";
}

TEST(Report, LaneBalanceCountsEntriesPerLaneAndTheCycleModel) {
  // N = 4, C = 3, M = 2, L = 2: lane 0 = n 0, 2; lane 1 = n 1, 3.
  CoefT a(4, 3, 2);
  a.setZero();
  a(0, 0, 0) = 5;   // lane 0, column 0
  a(2, 0, 1) = -1;  // lane 0, column 0
  a(0, 1, 1) = 3;   // lane 0, column 1
  a(1, 2, 0) = 7;   // lane 1, column 2
  const LaneBalance b = lane_balance(a, 2);
  EXPECT_EQ(b.lanes, 2);
  EXPECT_EQ(b.nnz, 4);
  EXPECT_EQ(b.min, 1);
  EXPECT_EQ(b.max, 3);
  EXPECT_DOUBLE_EQ(b.mean(), 2.0);
  EXPECT_DOUBLE_EQ(b.balance(), 2.0 / 3.0);
  // lane 0: columns 2, 1, max(1, 0) = 1 -> 4; lane 1: 1, 1, 1 -> 3.
  EXPECT_EQ(b.cau_tile_cycles, 4);
  EXPECT_DOUBLE_EQ(b.cau_efficiency(), 0.5);
  CoefT z(8, 2, 1);
  z.setZero();
  const LaneBalance e = lane_balance(z, 8);
  EXPECT_EQ(e.nnz, 0);
  EXPECT_DOUBLE_EQ(e.balance(), 1.0);
  EXPECT_EQ(e.cau_tile_cycles, 2);  // one cycle per empty column
}

TEST(Report, TotalsAndMetrics) {
  RunReport rr;
  rr.model = "test";
  rr.layers.push_back(make_report("a", 16, 1000, true));
  rr.layers.push_back(make_report("b", 32, 3000, true));
  rr.layers.push_back(make_report("c", 32, 0, false));
  rr.wall_s = 2.0;
  const RunTotals t = rr.totals();
  EXPECT_EQ(t.layers, 3);
  EXPECT_EQ(t.rtl_layers, 2);
  EXPECT_EQ(t.golden_only, 1);
  EXPECT_EQ(t.cycles, 4000u);
  EXPECT_DOUBLE_EQ(t.ideal_cycles,
                   rr.layers[0].metrics.ideal_cycles + rr.layers[1].metrics.ideal_cycles);
  EXPECT_EQ(t.dense_macs, rr.layers[0].metrics.dense_macs + rr.layers[1].metrics.dense_macs +
                              rr.layers[2].metrics.dense_macs);
  EXPECT_DOUBLE_EQ(rr.sim_cycles_per_s(), 2000.0);
  const LayerReport& a = rr.layers[0];
  // SPEC section 5: utilisation = useful / (all multipliers * cycles), here 36 + 32 = 68.
  EXPECT_DOUBLE_EQ(a.utilisation(), static_cast<double>(a.metrics.useful_macs) / (68.0 * 1000));
  EXPECT_DOUBLE_EQ(a.speedup(), a.metrics.dense_cycles / 1000.0);
  EXPECT_GT(a.nnz, 0);
  EXPECT_NEAR(a.density(), 0.25, 0.1);
  EXPECT_GT(a.cr_fp32(), a.cr_int8());
  EXPECT_EQ(rr.layers[2].utilisation(), 0.0);
  // SPEC 5b: end to end adds the load beats no pass overlapped (LD_IDLE), not all of them.
  rr.layers[0].ld_beats = 900;  // 400 of them taken while the previous pass ran
  rr.layers[0].ld_idle = 500;
  rr.layers[1].ld_beats = 700;
  rr.layers[1].ld_idle = 700;
  const RunTotals te = rr.totals();
  EXPECT_EQ(rr.layers[0].e2e_cycles(), 1500u);
  EXPECT_EQ(te.e2e_cycles, 5200u);
  EXPECT_DOUBLE_EQ(te.dense_e2e_cycles,
                   rr.layers[0].metrics.dense_e2e_cycles + rr.layers[1].metrics.dense_e2e_cycles);
  EXPECT_DOUBLE_EQ(te.speedup_e2e(), te.dense_e2e_cycles / 5200.0);
  EXPECT_DOUBLE_EQ(rr.layers[0].speedup_e2e(), rr.layers[0].metrics.dense_e2e_cycles / 1500.0);
  EXPECT_EQ(rr.layers[2].speedup_e2e(), 0.0);

  const std::string table = format_table(rr);
  EXPECT_NE(table.find("match"), std::string::npos);
  EXPECT_NE(table.find("golden-only (test)"), std::string::npos);
  EXPECT_NE(table.find("4000"), std::string::npos);
  const std::string md = to_markdown(rr);
  EXPECT_NE(md.find("| measured cycles | 4000 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| end-to-end cycles (RTL cycles + load beats no pass overlapped) | 5200 |"),
            std::string::npos)
      << md;
  EXPECT_NE(table.find("speedup end to end"), std::string::npos) << table;
  const auto j = to_json(rr);
  EXPECT_EQ(j["totals"]["cycles"].get<uint64_t>(), 4000u);
  EXPECT_EQ(j["totals"]["e2e_cycles"].get<uint64_t>(), 5200u);
  EXPECT_EQ(j["layers"][0]["e2e_cycles"].get<uint64_t>(), 1500u);
  EXPECT_EQ(j["layers"].size(), 3u);
  const std::string svg = to_svg(rr);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

// #12: what the loads must carry at least, by hand: 8*8*8 input bytes once, plus the stored
// weight bits and 54 bits of bias/requant per output channel, rounded up to bytes.
TEST(Report, NeededLoadBytes) {
  RunReport rr;
  rr.layers.push_back(make_report("a", 16, 1000, true));
  rr.layers.push_back(make_report("b", 32, 0, false));
  LayerReport& a = rr.layers[0];
  a.bits.total = 1001;
  a.load_bytes = 4000;
  EXPECT_EQ(a.needed_load_bytes(), 8u * 8 * 8 + (1001 + 54 * 16 + 7) / 8);
  const RunTotals t = rr.totals();
  EXPECT_EQ(t.needed_load_bytes, a.needed_load_bytes());  // RTL layers only
  const auto j = to_json(rr);
  EXPECT_EQ(j["layers"][0]["load_bytes_needed"].get<uint64_t>(), a.needed_load_bytes());
  EXPECT_EQ(j["totals"]["load_bytes_needed"].get<uint64_t>(), t.needed_load_bytes);
  const std::string md = to_markdown(rr);
  EXPECT_NE(md.find("| load bytes / bytes the loads must carry (inputs once + stored weights) | "
                    "4000 / " +
                    std::to_string(t.needed_load_bytes)),
            std::string::npos)
      << md;
}

TEST(Report, AtomicWrite) {
  const std::string dir = ::testing::TempDir();
  const std::string p = dir + "/esc_report_test.txt";
  write_file_atomic(p, "hello\n");
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_EQ(ss.str(), "hello\n");
  std::remove(p.c_str());
  EXPECT_THROW(write_file_atomic("/nonexistent-dir/x.json", "x"), std::runtime_error);
}

TEST(Workload, SeedsAreStablePerLayerIndex) {
  EXPECT_EQ(layer_seed(1, 3), layer_seed(1, 3));
  EXPECT_NE(layer_seed(1, 3), layer_seed(1, 4));
  EXPECT_NE(layer_seed(1, 3), layer_seed(2, 3));
  ModelLayer ml;
  ml.name = "x";
  ml.C = 4;
  ml.N = 4;
  ml.H = ml.W = 5;
  ml.K = 1;
  ml.pad = 0;
  ml.M = 1;
  LayerConfig c = to_config(ml);
  EXPECT_EQ(c.Ho(), 5);
  EXPECT_EQ(c.pad_l, 0);
  IntLayer a = make_model_layer(ml, 1, 0), b = make_model_layer(ml, 1, 0);
  EXPECT_EQ(validate(a), "");
  Tensor<bool, 0> same = (a.x == b.x).all();
  EXPECT_TRUE(same());
}

}  // namespace
}  // namespace esc
