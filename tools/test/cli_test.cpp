// End-to-end tests of the escalate binary: `layer` and `decompose` from .npy files, and clear
// errors (file, line, field; exit code 2) for malformed input. Label rtl: runs the Verilated RTL.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "esc/hw_interface.hpp"
#include "esc/layer.hpp"
#include "esc/npy.hpp"
#include "run_escalate.hpp"

namespace esc {
namespace {

uint64_t seed_from_env(uint64_t dflt) {
  const char* s = std::getenv("ESC_SEED");
  return s != nullptr ? std::strtoull(s, nullptr, 0) : dflt;
}

std::string tmp(const std::string& name) {
  return ::testing::TempDir() + "/esc_cli_" + name;
}

TEST(Cli, HelpOnEveryCommand) {
  for (const char* c : {"--help", "run --help", "layer --help", "decompose --help"}) {
    Cmd r = run(c);
    EXPECT_EQ(r.rc, 0) << c << "\n" << r.out;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << c << "\n" << r.out;
  }
  Cmd r = run("");
  EXPECT_NE(r.rc, 0);
}

// Write layer L as .npy files, run `escalate layer`, and compare its output files with run_int.
void check_layer_command(const IntLayer& L, const std::string& tag) {
  write_npy(tmp(tag + "x.npy"), from_tensor(L.x));
  NpyArray b = from_tensor(L.basis);
  if (!L.cfg.basis_per_channel) b.shape.erase(b.shape.begin());  // (1,M,K,K) -> (M,K,K)
  write_npy(tmp(tag + "b.npy"), b);
  write_npy(tmp(tag + "a.npy"), from_tensor(L.coef));
  write_npy(tmp(tag + "bias.npy"), from_vector(L.rq.bias));
  write_npy(tmp(tag + "mult.npy"), from_vector(L.rq.mult));
  write_npy(tmp(tag + "shift.npy"), from_vector(L.rq.shift));
  std::string args = "layer --x " + tmp(tag + "x.npy") + " --basis " + tmp(tag + "b.npy") +
                     " --coef " + tmp(tag + "a.npy") + " --bias " + tmp(tag + "bias.npy") +
                     " --mult " + tmp(tag + "mult.npy") + " --shift " + tmp(tag + "shift.npy") +
                     " --zshift " + std::to_string(L.cfg.zshift) + " --stride " +
                     std::to_string(L.cfg.stride) + " --pad " + std::to_string(L.cfg.pad_t) +
                     " --coef-w " + std::to_string(L.cfg.coef_w) + " --out " + tmp(tag + "y.npy") +
                     " --acc " + tmp(tag + "acc.npy");
  if (L.cfg.relu) args += " --relu";
  if (L.cfg.basis_per_channel) args += " --per-channel-basis";
  Cmd r = run(args);
  ASSERT_EQ(r.rc, 0) << r.out;
  // A per-channel basis runs on the RTL only on a BasisPerChannel = 1 build (the default has
  // no per-channel store): elsewhere the command says so and writes the golden output.
  const bool golden_only = L.cfg.basis_per_channel && hw::BasisPerChannel == 0;
  EXPECT_NE(r.out.find(golden_only ? "needs a build with BasisPerChannel = 1"
                                   : "matches the golden model"),
            std::string::npos)
      << r.out;
  const IntResult g = run_int(L);
  const OutT y = to_tensor<int8_t, 3>(read_npy(tmp(tag + "y.npy")));
  const AccT acc = to_tensor<int32_t, 3>(read_npy(tmp(tag + "acc.npy")));
  ASSERT_EQ(y.dimensions(), g.y.dimensions());
  Tensor<bool, 0> same = (y == g.y).all();
  EXPECT_TRUE(same());
  Tensor<bool, 0> same_acc = (acc == g.acc).all();
  EXPECT_TRUE(same_acc());
}

// Writes L's input, shared basis (M x K x K) and coefficients as <prefix>x.npy, <prefix>b.npy
// and <prefix>a.npy; returns the matching " --x .. --basis .. --coef .." options.
std::string write_inputs(const IntLayer& L, const std::string& prefix) {
  write_npy(tmp(prefix + "x.npy"), from_tensor(L.x));
  NpyArray b = from_tensor(L.basis);
  b.shape.erase(b.shape.begin());
  write_npy(tmp(prefix + "b.npy"), b);
  write_npy(tmp(prefix + "a.npy"), from_tensor(L.coef));
  return " --x " + tmp(prefix + "x.npy") + " --basis " + tmp(prefix + "b.npy") + " --coef " +
         tmp(prefix + "a.npy");
}

LayerConfig dims(int C, int N, int H, int W) {
  LayerConfig cfg;
  cfg.C = C;
  cfg.N = N;
  cfg.H = H;
  cfg.W = W;
  return cfg;
}

TEST(Cli, LayerFromNpyMatchesGolden) {
  const uint64_t seed = seed_from_env(11);
  SCOPED_TRACE("seed " + std::to_string(seed) + " (replay with ESC_SEED)");
  LayerConfig cfg = dims(8, 12, 7, 9);
  cfg.stride = 2;
  cfg.relu = true;
  check_layer_command(make_random_layer(cfg, 0.3, seed), "a_");
}

TEST(Cli, LayerPerChannelBasisCoef4) {
  const uint64_t seed = seed_from_env(12);
  SCOPED_TRACE("seed " + std::to_string(seed) + " (replay with ESC_SEED)");
  LayerConfig cfg = dims(6, 10, 5, 6);
  cfg.M = 3;
  cfg.coef_w = 4;
  cfg.basis_per_channel = true;
  check_layer_command(make_random_layer(cfg, 0.4, seed), "b_");
}

TEST(Cli, LayerWithMoreChannelsThanCmaxIsSplit) {
  const uint64_t seed = seed_from_env(13);
  SCOPED_TRACE("seed " + std::to_string(seed) + " (replay with ESC_SEED)");
  // C = 700 > C_MAX = 512: input-channel groups, accumulators summed on the host
  LayerConfig cfg = dims(700, 9, 3, 3);
  cfg.K = 1;
  cfg.M = 1;
  cfg.pad_t = cfg.pad_b = cfg.pad_l = cfg.pad_r = 0;
  check_layer_command(make_random_layer(cfg, 0.2, seed), "c_");
}

TEST(Cli, DecomposeWritesBasisAndCoef) {
  const uint64_t seed = seed_from_env(5);
  SCOPED_TRACE("seed " + std::to_string(seed));
  SplitMix64 g(seed);
  WeightT w(16, 8, 3, 3);
  for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = static_cast<float>(g.uniform01() - 0.5);
  write_npy(tmp("w.npy"), from_tensor(w));
  Cmd r = run("decompose --weights " + tmp("w.npy") + " --M 5 --density 0.2 --out-basis " +
              tmp("db.npy") + " --out-coef " + tmp("da.npy") + " --out-scales " + tmp("ds.npy"));
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("SQNR"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("compression"), std::string::npos) << r.out;
  const auto basis = to_tensor<int8_t, 3>(read_npy(tmp("db.npy")));
  const auto coef = to_tensor<int8_t, 3>(read_npy(tmp("da.npy")));
  EXPECT_EQ(basis.dimension(0), 5);
  EXPECT_EQ(coef.dimension(0), 16);
  EXPECT_EQ(coef.dimension(2), 5);
  int64_t nnz = 0;
  for (Eigen::Index i = 0; i < coef.size(); ++i) nnz += coef.data()[i] != 0;
  EXPECT_LE(nnz, 16 * 8 * 5 * 0.2 + 1);
  EXPECT_GT(nnz, 16 * 8 * 5 * 0.15);
  // Bad option: M > K*K.
  Cmd bad = run("decompose --weights " + tmp("w.npy") + " --M 10 --out-basis " + tmp("db.npy") +
                " --out-coef " + tmp("da.npy"));
  EXPECT_EQ(bad.rc, 2) << bad.out;
  EXPECT_NE(bad.out.find("--M"), std::string::npos) << bad.out;
}

TEST(Cli, MalformedModelFileNamesFileLineField) {
  const std::string p = tmp("bad_model.txt");
  {
    std::ofstream f(p);
    f << "# test\nconv1 3 16 8 8 3 1 1 5 0.2\nconv2 16 16 8 8 4 1 1 5 0.2\n";
  }
  Cmd r = run("run --model " + p);
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_NE(r.out.find(p + ":3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("field 'K'"), std::string::npos) << r.out;
  Cmd u = run("run --model no_such_model");
  EXPECT_EQ(u.rc, 2) << u.out;
  EXPECT_NE(u.out.find("resnet18_cifar10"), std::string::npos) << u.out;  // lists the choices
  Cmd l = run("run --layers nope");
  EXPECT_EQ(l.rc, 2) << l.out;
  EXPECT_NE(l.out.find("nope"), std::string::npos) << l.out;
}

TEST(Cli, BadNpyIsAnInputError) {
  const std::string p = tmp("not_npy.npy");
  {
    std::ofstream f(p);
    f << "hello";
  }
  Cmd r = run("layer --x " + p + " --basis " + p + " --coef " + p + " --out " + tmp("o.npy"));
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_NE(r.out.find(p), std::string::npos) << r.out;
}

TEST(Cli, RunWritesReportsAndGoldenOnlyLayer) {
  // A 5x5 layer cannot run on the RTL (K_MAX = 3): it must be reported golden-only, not fail.
  const std::string p = tmp("small_model.txt");
  {
    std::ofstream f(p);
    f << "a 4 8 6 6 3 1 1 5 0.3\nb 8 8 6 6 5 1 2 5 0.3\nc 8 16 6 6 1 2 0 1 0.3\n";
  }
  const std::string js = tmp("small.json"), md = tmp("small.md"), svg = tmp("small.svg");
  std::remove(js.c_str());
  Cmd r = run("run --model " + p + " --json " + js + " --md " + md + " --plot " + svg);
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("golden-only (K=5)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2/2 layers match"), std::string::npos) << r.out;
  std::ifstream f(js);
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\"mismatches\": 0"), std::string::npos) << text;
  std::ifstream s(svg);
  std::string svgt((std::istreambuf_iterator<char>(s)), std::istreambuf_iterator<char>());
  EXPECT_NE(svgt.find("</svg>"), std::string::npos);
}

// Every array of a layer in the dtype NumPy and PyTorch give by default (int64) is accepted
// when its values fit, and gives the same output as the int8/int32 files.
template <typename T, int R>
NpyArray widen(const Tensor<T, R>& t) {
  return from_tensor(Tensor<int64_t, R>(t.template cast<int64_t>()));
}

TEST(Cli, LayerAcceptsInt64NpyWhenTheValuesFit) {
  const uint64_t seed = seed_from_env(14);
  SCOPED_TRACE("seed " + std::to_string(seed) + " (replay with ESC_SEED)");
  LayerConfig cfg = dims(4, 8, 6, 6);
  cfg.relu = true;
  const IntLayer L = make_random_layer(cfg, 0.5, seed);
  write_npy(tmp("i64x.npy"), widen(L.x));
  Tensor<int8_t, 3> b3(L.cfg.M, 3, 3);
  std::copy(L.basis.data(), L.basis.data() + L.basis.size(), b3.data());
  write_npy(tmp("i64b.npy"), widen(b3));
  write_npy(tmp("i64a.npy"), widen(L.coef));
  auto vec64 = [](const auto& v) { return std::vector<int64_t>(v.begin(), v.end()); };
  write_npy(tmp("i64bias.npy"), from_vector(vec64(L.rq.bias)));
  write_npy(tmp("i64mult.npy"), from_vector(vec64(L.rq.mult)));
  write_npy(tmp("i64shift.npy"), from_vector(vec64(L.rq.shift)));
  const std::string args = "layer --x " + tmp("i64x.npy") + " --basis " + tmp("i64b.npy") +
                           " --coef " + tmp("i64a.npy") + " --bias " + tmp("i64bias.npy") +
                           " --mult " + tmp("i64mult.npy") + " --shift " + tmp("i64shift.npy") +
                           " --zshift " + std::to_string(L.cfg.zshift) + " --relu --out " +
                           tmp("i64y.npy");
  const Cmd r = run(args);
  ASSERT_EQ(r.rc, 0) << r.out;
  const OutT y = to_tensor<int8_t, 3>(read_npy(tmp("i64y.npy")));
  const OutT want = run_int(L).y;
  ASSERT_EQ(y.dimensions(), want.dimensions());
  for (Eigen::Index i = 0; i < y.size(); ++i) ASSERT_EQ(y.data()[i], want.data()[i]) << i;
  // One value that does not fit int8: the message names that file and element, nothing else.
  Tensor<int64_t, 3> bad = L.coef.cast<int64_t>();
  bad(3, 1, 2) = 300;
  write_npy(tmp("i64a_bad.npy"), from_tensor(bad));
  const Cmd e = run("layer --x " + tmp("i64x.npy") + " --basis " + tmp("i64b.npy") + " --coef " +
                    tmp("i64a_bad.npy") + " --out " + tmp("i64y2.npy"));
  EXPECT_EQ(e.rc, 2) << e.out;
  EXPECT_NE(e.out.find(tmp("i64a_bad.npy") + " (--coef, (N,C,M)): element [3][1][2] = 300 does "
                                             "not fit int8"),
            std::string::npos)
      << e.out;
}

TEST(Cli, LayerRejectsNegativePad) {
  LayerConfig cfg = dims(2, 8, 5, 5);
  const IntLayer L = make_random_layer(cfg, 0.5, 3);
  const std::string inputs = write_inputs(L, "pad");
  const std::string args = "layer" + inputs + " --out " + tmp("pady.npy");
  for (const char* pad : {"-1", "-2"}) {
    std::remove(tmp("pady.npy").c_str());
    const Cmd r = run(args + " --pad " + pad);
    EXPECT_EQ(r.rc, 2) << "--pad " << pad << "\n" << r.out;
    EXPECT_NE(r.out.find("--pad"), std::string::npos) << r.out;
    EXPECT_FALSE(std::ifstream(tmp("pady.npy")).good()) << "--pad " << pad << " wrote an output";
  }
  EXPECT_EQ(run(args + " --pad 0").rc, 0);
}

// Wider than MaxDim (1023): the host cannot split columns, so the layer runs golden-only (as
// for K > K_MAX) instead of failing, and says why.
TEST(Cli, LayerWiderThanMaxDimRunsGoldenOnly) {
  LayerConfig cfg = dims(1, 8, 2, 1100);
  const IntLayer L = make_random_layer(cfg, 0.5, 4);
  const std::string inputs = write_inputs(L, "w");
  const Cmd r = run("layer" + inputs + " --zshift " + std::to_string(L.cfg.zshift) + " --out " +
                    tmp("wy.npy"));
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("golden-only (the RTL cannot run this layer: W=1100 exceeds MaxDim=1023)"),
            std::string::npos)
      << r.out;
  IntLayer plain = L;  // no --bias/--mult/--shift: 0, 1, 0
  plain.rq.bias.assign(8, 0);
  plain.rq.mult.assign(8, 1);
  plain.rq.shift.assign(8, 0);
  const OutT y = to_tensor<int8_t, 3>(read_npy(tmp("wy.npy")));
  const OutT want = run_int(plain).y;
  for (Eigen::Index i = 0; i < y.size(); ++i) ASSERT_EQ(y.data()[i], want.data()[i]) << i;
  EXPECT_NE(run("layer --help").out.find("MaxDim"), std::string::npos);
}

// Shape and value errors name the one file (or option) at fault, not all three inputs.
TEST(Cli, LayerErrorsNameTheOneFileAtFault) {
  LayerConfig cfg = dims(3, 8, 5, 5);
  const IntLayer L = make_random_layer(cfg, 0.5, 5);
  write_inputs(L, "f");           // fx/fb/fa.npy, combined with bad files below
  Tensor<int8_t, 3> b2(5, 2, 2);  // K = 2: unsupported
  b2.setConstant(1);
  write_npy(tmp("fb2.npy"), from_tensor(b2));
  CoefT a4 = L.coef;
  a4(0, 0, 0) = 100;  // does not fit coef_w 4
  write_npy(tmp("fa4.npy"), from_tensor(a4));
  struct Case {
    std::string files, extra, culprit;
  };
  const std::string x = " --x " + tmp("fx.npy"), bb = " --basis " + tmp("fb.npy"),
                    aa = " --coef " + tmp("fa.npy");
  const Case cases[] = {
      {x + " --basis " + tmp("fb2.npy") + aa, "", tmp("fb2.npy") + " (--basis): K"},
      {x + bb + " --coef " + tmp("fa4.npy"), " --coef-w 4", tmp("fa4.npy") + " (--coef): coef"},
      {x + bb + aa, " --pad 4", "--pad 4 (K = 3 from " + tmp("fb.npy") + "): pad_t"},
      {x + bb + aa, " --zshift 33", "--zshift 33: zshift"},
  };
  for (const Case& c : cases) {
    const Cmd r = run("layer" + c.files + c.extra + " --out " + tmp("fy.npy"));
    EXPECT_EQ(r.rc, 2) << r.out;
    EXPECT_NE(r.out.find("escalate: error: " + c.culprit), std::string::npos)
        << "want " << c.culprit << "\n"
        << r.out;
    EXPECT_EQ(r.out.find("layer from"), std::string::npos) << r.out;
  }
}

// --support iht (the default) re-selects the kept coefficients every round; on weights with an
// exact sparse decomposition on non-orthogonal bases it must beat --support fixed clearly.
TEST(Cli, DecomposeIterativeHardThresholding) {
  const uint64_t seed = seed_from_env(6);
  SCOPED_TRACE("seed " + std::to_string(seed));
  SplitMix64 g(seed);
  auto gauss = [&g] {
    const double u = std::max(g.uniform01(), 1e-300), v = g.uniform01();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
  };
  Tensor<float, 3> basis(3, 3, 3), coef(16, 16, 3);
  for (Eigen::Index i = 0; i < basis.size(); ++i) basis.data()[i] = float(gauss());
  int nnz = 0;
  for (Eigen::Index i = 0; i < coef.size(); ++i) {
    const bool keep = g.uniform01() < 0.3;
    coef.data()[i] = keep ? float(gauss()) : 0.0f;
    nnz += keep;
  }
  WeightT w(16, 16, 3, 3);
  w.setZero();
  for (int n = 0; n < 16; ++n)
    for (int c = 0; c < 16; ++c)
      for (int m = 0; m < 3; ++m)
        for (int i = 0; i < 3; ++i)
          for (int j = 0; j < 3; ++j) w(n, c, i, j) += coef(n, c, m) * basis(m, i, j);
  write_npy(tmp("iht_w.npy"), from_tensor(w));
  const std::string density = std::to_string(double(nnz) / coef.size());
  auto rel_error = [&](const std::string& support) {
    const std::string js = tmp("iht_" + support + ".json");
    const Cmd r = run("decompose --weights " + tmp("iht_w.npy") + " --M 3 --iters 40 --density " +
                      density + " --support " + support + " --out-basis " + tmp("iht_b.npy") +
                      " --out-coef " + tmp("iht_a.npy") + " --json " + js);
    EXPECT_EQ(r.rc, 0) << r.out;
    std::ifstream f(js);
    const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    const size_t at = text.find("\"rel_error_float\": ");
    EXPECT_NE(at, std::string::npos) << text;
    return at == std::string::npos ? 1.0 : std::atof(text.c_str() + at + 19);
  };
  const double fixed = rel_error("fixed"), iht = rel_error("iht");
  EXPECT_LT(iht, 0.75 * fixed) << "fixed " << fixed << ", iht " << iht;
  const Cmd bad = run("decompose --weights " + tmp("iht_w.npy") + " --support sometimes" +
                      " --out-basis " + tmp("iht_b.npy") + " --out-coef " + tmp("iht_a.npy"));
  EXPECT_EQ(bad.rc, 2) << bad.out;
  const Cmd help = run("decompose --help");
  EXPECT_NE(help.out.find("ddof 0"), std::string::npos) << help.out;
}

}  // namespace
}  // namespace esc
