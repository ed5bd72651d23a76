// Energy table, SRAM curve, ESCALATE energy from events and the SPEC 5b reference engines.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "esc/energy.hpp"

namespace esc {
namespace {

using nlohmann::json;

std::string table_file_text() {
  std::ifstream f(ESC_ENERGY_TABLE_FILE);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

TEST(EnergyTable, LoadsAndEveryEntryHasASource) {
  const std::string text = table_file_text();
  ASSERT_FALSE(text.empty()) << ESC_ENERGY_TABLE_FILE;
  // The embedded copy is the file (rebuilt when the file changes).
  EXPECT_EQ(default_energy_table_text(), text);
  const EnergyTable t = load_energy_table(ESC_ENERGY_TABLE_FILE);
  const json j = json::parse(text);
  // Every numeric entry of the file was seen, and names a source the file cites.
  const size_t numeric = j.at("arith").size() + j.at("sram").at("points").size() + 1;
  EXPECT_EQ(t.entry_sources.size(), numeric);
  for (const auto& [path, src] : t.entry_sources) {
    ASSERT_TRUE(t.sources.count(src)) << path << " -> " << src;
    EXPECT_GT(t.sources.at(src).size(), 40u) << "citation of " << src << " too short";
  }
  EXPECT_EQ(t.node, "45 nm");
  EXPECT_DOUBLE_EQ(t.mul_int8, 0.2);
  EXPECT_DOUBLE_EQ(t.add_int32, 0.1);
  EXPECT_GT(t.dram_pj_per_byte, 0.0);
}

TEST(EnergyTable, RejectsAnEntryWithoutOrWithAnUnknownSource) {
  json j = json::parse(table_file_text());
  json no_src = j;
  no_src["arith"]["add_int8"].erase("source");
  EXPECT_THROW(parse_energy_table(no_src.dump(), "t"), std::invalid_argument);
  json bad_src = j;
  bad_src["sram"]["points"][2]["source"] = "nobody2020";
  EXPECT_THROW(parse_energy_table(bad_src.dump(), "t"), std::invalid_argument);
  json dram = j;
  dram["dram"].erase("source");
  EXPECT_THROW(parse_energy_table(dram.dump(), "t"), std::invalid_argument);
  json unsorted = j;
  std::swap(unsorted["sram"]["points"][1], unsorted["sram"]["points"][2]);
  EXPECT_THROW(parse_energy_table(unsorted.dump(), "t"), std::invalid_argument);
  EXPECT_NO_THROW(parse_energy_table(j.dump(), "t"));
}

// The derived entries follow from the published ones by the rule the file states.
TEST(EnergyTable, DerivedEntriesFollowTheirRule) {
  const json j = json::parse(table_file_text());
  const json& a = j.at("arith");
  EXPECT_NEAR(a.at("mul_int8x16").at("pj").get<double>(),
              a.at("mul_int8").at("pj").get<double>() * (8.0 * 16.0) / (8.0 * 8.0), 1e-12);
  // Eyeriss: RF = global buffer / 6, the 108 kB buffer on the 32 KB -> 1 MB Horowitz segment.
  const json& p = j.at("sram").at("points");
  const double e32 = p[2].at("pj").get<double>(), e1m = p[3].at("pj").get<double>();
  const double glb = e32 + (e1m - e32) * std::log(108.0 * 1024 / 32768) / std::log(32.0);
  EXPECT_NEAR(p[0].at("pj").get<double>(), glb / 6.0, 1e-3);
  EXPECT_EQ(p[0].at("bytes").get<double>(), 512.0);
  // DRAM: midpoint of 1.3-2.6 nJ per 64-bit (8-byte) access.
  EXPECT_NEAR(j.at("dram").at("pj_per_byte").get<double>(), (1300.0 + 2600.0) / 2 / 8, 1e-9);
}

TEST(SramCurve, HitsThePublishedPointsAndIsMonotone) {
  const EnergyTable& t = default_energy_table();
  ASSERT_GE(t.sram.size(), 3u);
  for (const SramPoint& p : t.sram) EXPECT_NEAR(t.sram_pj_per_bit(p.bytes) * 64.0, p.pj, 1e-9);
  // Horowitz 2014: 8 KB 10 pJ, 32 KB 20 pJ, 1 MB 100 pJ per 64-bit access.
  EXPECT_NEAR(t.sram_access_pj(8192, 64), 10.0, 1e-9);
  EXPECT_NEAR(t.sram_access_pj(32768, 64), 20.0, 1e-9);
  EXPECT_NEAR(t.sram_access_pj(1048576, 64), 100.0, 1e-9);
  // Linear in log(size): 16 KB lies halfway between 8 KB and 32 KB; width scales linearly.
  EXPECT_NEAR(t.sram_access_pj(16384, 64), 15.0, 1e-9);
  EXPECT_NEAR(t.sram_access_pj(16384, 128), 30.0, 1e-9);
  // Flat below the smallest point, rising above the largest.
  EXPECT_DOUBLE_EQ(t.sram_pj_per_bit(16), t.sram_pj_per_bit(t.sram.front().bytes));
  EXPECT_GT(t.sram_pj_per_bit(4.0 * 1048576), t.sram_pj_per_bit(1048576));
  double prev = 0.0;
  for (double b = 16; b <= 16.0 * 1048576; b *= 1.19) {
    const double e = t.sram_pj_per_bit(b);
    EXPECT_GE(e, prev) << b << " bytes";
    prev = e;
  }
}

// Hand-computed event counts: every term is the hand sum of events x table entries.
TEST(EscalateEnergy, EqualsTheHandSum) {
  const EnergyTable& t = default_energy_table();
  const HwCaps hw;
  EventCounts e;
  e.bcu_macs = 10;
  e.cau_macs = 5;
  e.ld_bytes = 100;
  e.res_bytes = 20;
  EnergyBreakdown b = escalate_energy(e, hw, t);
  EXPECT_NEAR(b.mac, 10 * (0.2 + 0.1) + 5 * (0.4 + 0.1), 1e-12);
  EXPECT_DOUBLE_EQ(b.sram, 0.0);
  EXPECT_NEAR(b.dram, 120 * 243.75, 1e-9);
  EXPECT_NEAR(escalate_energy(e, hw, t, 2.0).dram, 2 * 120 * 243.75, 1e-9);
  EXPECT_NEAR(escalate_energy(e, hw, t, 0.5).dram, 0.5 * 120 * 243.75, 1e-9);
  EXPECT_EQ(b.dominant(), EnergyTerm::kDram);

  // One memory at a time: PSUM of the default build is L = 8 instances of
  // 2 * (N_MAX / L) = 128 words x T*32 = 128 bits (2 KB each): on the log segment
  // 512 B (8.013 pJ) -> 8 KB (10 pJ) per 64-bit access.
  EventCounts p;
  p.reads(Mem::kPsum) = 3;
  p.writes(Mem::kPsum) = 2;
  const MemoryInfo pi = memory_info(Mem::kPsum, hw);
  ASSERT_EQ(pi.words * pi.word_bits / 8, 2048);
  ASSERT_EQ(pi.rd_bits, 128);
  const double e2k = 8.013 + (10.0 - 8.013) * std::log(2048.0 / 512) / std::log(8192.0 / 512);
  const EnergyBreakdown bp = escalate_energy(p, hw, t);
  EXPECT_NEAR(bp.mem[static_cast<int>(Mem::kPsum)], 5 * 128 * e2k / 64, 1e-9);
  EXPECT_NEAR(bp.sram, 5 * 128 * e2k / 64, 1e-9);
  EXPECT_DOUBLE_EQ(bp.mac + bp.dram, 0.0);

  // IFMAP: one 64 KB array (32 KB -> 1 MB segment), segment reads of seg_words(T) * 64 bits.
  EventCounts f;
  f.reads(Mem::kIfmap) = 7;
  f.writes(Mem::kIfmap) = 4;
  const MemoryInfo fi = memory_info(Mem::kIfmap, hw);
  ASSERT_EQ(fi.words * fi.word_bits / 8, 65536);
  const double e64k = 20.0 + 80.0 * std::log(2.0) / std::log(32.0);
  EXPECT_NEAR(escalate_energy(f, hw, t).sram, (7.0 * fi.rd_bits + 4.0 * 64) * e64k / 64, 1e-9);

  // Sums are additive over memories.
  EventCounts all = e;
  all += p;
  all += f;
  const EnergyBreakdown ba = escalate_energy(all, hw, t);
  EXPECT_NEAR(ba.total(), b.total() + bp.total() + escalate_energy(f, hw, t).total(), 1e-6);
}

// A small layer by hand: C = 4, N = 6, 5 x 5, K = 3, stride 1, pad 1 -> 5 x 5 outputs.
TEST(DenseReference, EventsOfASmallLayerByHand) {
  LayerConfig c;
  c.C = 4;
  c.N = 6;
  c.H = c.W = 5;
  c.K = 3;
  const RefEvents r = reference_events(c, 2, 3, 6 * 4 * 9, 6 * 4 * 9);  // gc = 2, gn = 2
  EXPECT_EQ(r.macs, 6u * 4 * 9 * 25);
  EXPECT_EQ(r.w_bytes, 216u);
  EXPECT_EQ(r.in_bytes, 100u);
  EXPECT_EQ(r.in_reads, 200u);     // each input read once per output-channel group
  EXPECT_EQ(r.psum_reads, 150u);   // N * pixels * (gc - 1)
  EXPECT_EQ(r.psum_writes, 150u);  //
  EXPECT_EQ(r.out_bytes, 150u);
  EXPECT_EQ(r.in_buf_bytes, 100);
  EXPECT_EQ(r.w_buf_bytes, 2 * 2 * 9 * 3);
  EXPECT_EQ(r.psum_buf_bytes, 3 * 25 * 4);
  // The DRAM bytes are exactly SPEC 5b's dense in + out bytes.
  const LayerMetrics m = layer_metrics(c, 1, HwCaps{});
  EXPECT_EQ(r.dram_bytes(), static_cast<uint64_t>(m.dense_in_bytes + m.dense_out_bytes));

  const EnergyTable& t = default_energy_table();
  const EnergyBreakdown b = reference_energy(r, t);
  EXPECT_NEAR(b.mac, 5400 * 0.3, 1e-9);
  const double small = 8.013 / 64;  // every buffer here is under 512 B: the flat RF figure
  EXPECT_NEAR(b.mem[0], 8.0 * (100 + 200) * small, 1e-9);
  EXPECT_NEAR(b.mem[1], 8.0 * (2 * 216) * small, 1e-9);
  EXPECT_NEAR(b.mem[2], 32.0 * 300 * small, 1e-9);
  EXPECT_NEAR(b.sram, b.mem[0] + b.mem[1] + b.mem[2], 1e-9);
  EXPECT_NEAR(b.dram, 466 * 243.75, 1e-9);

  // One input-channel group: no partial sums leave the array.
  const RefEvents one = reference_events(c, 4, 1, 216, 216);
  EXPECT_EQ(one.psum_reads + one.psum_writes, 0u);
  EXPECT_EQ(one.in_reads, 600u);
  EXPECT_EQ(one.psum_buf_bytes, 0);
}

TEST(DenseReference, PicksTheCheapestTileWithinTheMultipliers) {
  LayerConfig c;
  c.C = 64;
  c.N = 64;
  c.H = c.W = 16;
  c.K = 3;
  const HwCaps hw;  // P = 68
  const EnergyTable& t = default_energy_table();
  const RefEvents best = dense_reference(c, hw, t);
  EXPECT_LE(int64_t{best.pc} * 9 * best.pn, multipliers(hw));
  const double e = reference_energy(best, t).total();
  int tried = 0;
  for (int pc = 1; pc <= 7; ++pc) {
    for (int pn = 1; pc * 9 * pn <= 68; ++pn) {
      EXPECT_LE(e, reference_energy(reference_events(c, pc, pn, 36864, 36864), t).total() + 1e-6)
          << pc << " x " << pn;
      ++tried;
    }
  }
  EXPECT_GT(tried, 10);
  EXPECT_EQ(best.macs, 36864u * 256);
}

TEST(SparseReference, NonzeroWeightsAndTheirBits) {
  LayerConfig c;
  c.C = 16;
  c.N = 32;
  c.H = c.W = 8;
  c.K = 3;
  const HwCaps hw;
  const EnergyTable& t = default_energy_table();
  const int64_t dense_w = 32 * 16 * 9, nnz = dense_w / 4;
  const RefEvents s = sparse_reference(c, hw, t, nnz, nnz * 14 + 3);
  EXPECT_EQ(s.macs, static_cast<uint64_t>(nnz) * 64);
  EXPECT_EQ(s.w_bytes, static_cast<uint64_t>((nnz * 14 + 3 + 7) / 8));
  // The tile covers P / density dense positions: 4 x 68 = 272 -> pc * 9 * pn <= 272.
  EXPECT_LE(int64_t{s.pc} * 9 * s.pn, 4 * multipliers(hw));
  const RefEvents d = dense_reference(c, hw, t);
  EXPECT_LT(reference_energy(s, t).total(), reference_energy(d, t).total());
  EXPECT_THROW(sparse_reference(c, hw, t, 0, 0), std::invalid_argument);
}

}  // namespace
}  // namespace esc
