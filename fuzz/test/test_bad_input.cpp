// Bad-input behaviour: every malformed or out-of-range input gives ONE clear message that names
// the file or field, a non-zero exit (CLI) or the documented exception (library), and leaves no
// output file behind. Library entry points always; the escalate binary when it is built.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "esc/coef_codec.hpp"
#include "esc/layer.hpp"
#include "esc/model_file.hpp"
#include "esc/npy.hpp"
#ifdef ESC_HAVE_HOST
#include "esc/accel.hpp"
#include "esc/tiling.hpp"
#endif

namespace fs = std::filesystem;

namespace esc {
namespace {

fs::path tmpdir() {
  const fs::path d = fs::path(::testing::TempDir()) /
                     ("esc_bad_input_" +
                      std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

void write_bytes(const fs::path& p, const std::vector<uint8_t>& b) {
  std::ofstream f(p, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

std::vector<uint8_t> npy_bytes(const NpyArray& a) {
  return serialize_npy(a);
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& what) {
  return s.find(what) != std::string::npos;
}

// A small valid layer: C=3, N=4, H=W=5, K=3, M=5.
IntLayer good_layer() {
  LayerConfig c;
  c.C = 3;
  c.N = 4;
  c.H = c.W = 5;
  return make_random_layer(c, 0.4, 7);
}

// --- .npy reader -----------------------------------------------------------------------------

TEST(BadInputNpy, EveryMalformedFileNamesTheFile) {
  const std::vector<uint8_t> good = npy_bytes(from_tensor(good_layer().x));
  std::vector<std::pair<std::string, std::vector<uint8_t>>> cases;
  cases.push_back({"empty", {}});
  cases.push_back({"magic only", std::vector<uint8_t>(good.begin(), good.begin() + 6)});
  cases.push_back({"truncated header", std::vector<uint8_t>(good.begin(), good.begin() + 40)});
  cases.push_back({"truncated data", std::vector<uint8_t>(good.begin(), good.end() - 1)});
  cases.push_back({"trailing data", good});
  cases.back().second.push_back(0);
  cases.push_back({"bad magic", good});
  cases.back().second[1] = 'X';
  cases.push_back({"bad version", good});
  cases.back().second[6] = 9;
  auto edit = [&](const std::string& from, const std::string& to) {
    std::string s(good.begin(), good.end());
    s.replace(s.find(from), from.size(), to);
    return std::vector<uint8_t>(s.begin(), s.end());
  };
  cases.push_back({"big endian", edit("|i1", ">i2")});
  cases.push_back({"fortran order", edit("False", "True ")});
  cases.push_back({"object dtype", edit("|i1", "|O8")});
  cases.push_back({"negative dim", edit("(3,", "(-3")});
  const fs::path d = tmpdir();
  for (const auto& [what, bytes] : cases) {
    SCOPED_TRACE(what);
    const fs::path p = d / "input.npy";
    write_bytes(p, bytes);
    const std::string e = error_of([&] { (void)read_npy(p.string()); });
    ASSERT_FALSE(e.empty()) << what << " was accepted";
    EXPECT_EQ(e.rfind(p.string() + ": ", 0), 0u) << e;  // starts with the file name
    EXPECT_EQ(e.find('\n'), std::string::npos) << "one line: " << e;
    EXPECT_THROW((void)read_npy(p.string()), NpyError);
  }
  EXPECT_TRUE(
      contains(error_of([&] { (void)read_npy((d / "missing.npy").string()); }), "missing.npy"));
}

TEST(BadInputNpy, DtypeAndRankMismatchNameTheArray) {
  NpyArray a = from_tensor(good_layer().x);
  a.dtype = "uint8";
  std::string e = error_of([&] { (void)to_tensor<int8_t, 3>(a, "X.npy"); });
  EXPECT_TRUE(contains(e, "X.npy") && contains(e, "dtype")) << e;
  a.dtype = "int8";
  e = error_of([&] { (void)to_tensor<int8_t, 4>(a, "B.npy"); });
  EXPECT_TRUE(contains(e, "B.npy") && contains(e, "rank")) << e;
}

TEST(BadInputNpy, FailedWriteLeavesNoFile) {
  const fs::path d = tmpdir();
  const fs::path p = d / "no_such_dir" / "y.npy";
  EXPECT_THROW(write_npy(p.string(), from_tensor(good_layer().x)), NpyError);
  EXPECT_FALSE(fs::exists(p));
  EXPECT_TRUE(fs::is_empty(d)) << "temporary file left behind";
}

// --- layer validation ------------------------------------------------------------------------

struct LayerCase {
  const char* what;
  const char* field;  // the message must start with "<field>:" or "<field> "
  void (*edit)(IntLayer&);
};

TEST(BadInputLayer, EachBadFieldIsNamed) {
  const LayerCase cases[] = {
      {"M = 0", "M", [](IntLayer& l) { l.cfg.M = 0; }},
      {"K = 2", "K", [](IntLayer& l) { l.cfg.K = 2; }},
      {"K = 4", "K", [](IntLayer& l) { l.cfg.K = 4; }},
      {"stride 3", "stride", [](IntLayer& l) { l.cfg.stride = 3; }},
      {"pad > K-1", "pad_l", [](IntLayer& l) { l.cfg.pad_l = 3; }},
      {"C = 0", "C", [](IntLayer& l) { l.cfg.C = 0; }},
      {"N = -1", "N", [](IntLayer& l) { l.cfg.N = -1; }},
      {"zshift 32", "zshift", [](IntLayer& l) { l.cfg.zshift = 32; }},
      {"coef_w 5", "coef_w", [](IntLayer& l) { l.cfg.coef_w = 5; }},
      {"coef_w 4 with 8-bit values", "coef",
       [](IntLayer& l) {
         l.cfg.coef_w = 4;
         l.coef(1, 2, 3) = 100;
       }},
      {"x shape", "x", [](IntLayer& l) { l.x = ActT(3, 5, 6); }},
      {"x channels", "x", [](IntLayer& l) { l.x = ActT(2, 5, 5); }},
      {"basis shape", "basis", [](IntLayer& l) { l.basis = BasisT(1, 4, 3, 3); }},
      {"per-channel basis not (C,M,K,K)", "basis",
       [](IntLayer& l) { l.cfg.basis_per_channel = true; }},
      {"coef shape", "coef", [](IntLayer& l) { l.coef = CoefT(4, 3, 4); }},
      {"bias size", "rq.bias", [](IntLayer& l) { l.rq.bias.pop_back(); }},
      {"mult size", "rq.mult", [](IntLayer& l) { l.rq.mult.push_back(1); }},
      {"shift 64", "rq.shift", [](IntLayer& l) { l.rq.shift[2] = 64; }},
      {"H = INT_MAX", "H", [](IntLayer& l) { l.cfg.H = 2147483647; }},
  };
  ASSERT_EQ(validate(good_layer()), "");
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    IntLayer l = good_layer();
    c.edit(l);
    const std::string e = validate(l);
    ASSERT_FALSE(e.empty()) << c.what << " accepted";
    const std::string f = c.field;
    EXPECT_TRUE(e.rfind(f + ":", 0) == 0 || e.rfind(f + " ", 0) == 0) << e;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
    EXPECT_THROW((void)run_int(l), std::invalid_argument);
  }
}

// --- coefficient stream ----------------------------------------------------------------------

TEST(BadInputCoef, OutOfRangeIndicesAndPointersAreRejected) {
  const IntLayer l = good_layer();
  const EncodedCoef good = encode_coef(l.coef, 2);
  ASSERT_GT(good.entries[0].size(), 1u);
  ASSERT_GT(good.colptr[0][1], 0u) << "column 0 of lane 0 must not be empty for these cases";
  struct Case {
    const char* what;
    const char* says;
    void (*edit)(EncodedCoef&);
  };
  const Case cases[] = {
      {"n >= N", "n = ", [](EncodedCoef& e) { e.entries[0][0].n = 4; }},
      {"n in the wrong lane", "lane", [](EncodedCoef& e) { e.entries[0][0].n = 1; }},
      {"m >= M", "m = ", [](EncodedCoef& e) { e.entries[0][0].m = 5; }},
      {"explicit zero", "zero", [](EncodedCoef& e) { e.entries[0][0].a = 0; }},
      {"colptr past the end", "colptr", [](EncodedCoef& e) { e.colptr[0][1] = 1000; }},
      {"colptr decreasing", "colptr decreases",
       [](EncodedCoef& e) { e.colptr[0][2] = e.colptr[0][1] - 1; }},
      {"colptr short", "colptr", [](EncodedCoef& e) { e.colptr[1].pop_back(); }},
      {"missing lane", "lane", [](EncodedCoef& e) { e.entries.pop_back(); }},
      {"M = 0", ">= 1", [](EncodedCoef& e) { e.M = 0; }},
      {"entries truncated", "colptr", [](EncodedCoef& e) { e.entries[1].pop_back(); }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    EncodedCoef e = good;
    c.edit(e);
    const std::string msg = error_of([&] { (void)decode_coef(e); });
    ASSERT_FALSE(msg.empty()) << c.what << " accepted";
    EXPECT_TRUE(contains(msg, c.says)) << msg;
    EXPECT_THROW((void)decode_coef(e), std::invalid_argument);
  }
}

// --- model files -----------------------------------------------------------------------------

TEST(BadInputModel, MalformedLinesNameFileLineAndField) {
  struct Case {
    const char* text;
    int line;
    const char* field;
  };
  const Case cases[] = {
      {"", 0, ""},
      {"# only a comment\n", 1, ""},
      {"conv1 3 16 8 8 3 1 1 0 0.1\n", 1, "M"},
      {"conv1 3 16 8 8 4 1 1 5 0.1\n", 1, "K"},
      {"a 3 16 8 8 3 1 1 5 0.1\nb 3 16 8 8 3 1 1 5\n", 2, "density"},
      {"conv1 3 16 8 8 3 1 1 5 0.1 extra\n", 1, "(extra)"},
      {"conv1 0 16 8 8 3 1 1 5 0.1\n", 1, "C"},
      {"conv1 3 16 8 8 3 3 1 5 0.1\n", 1, "stride"},
      {"conv1 3 16 8 8 3 1 1 5 1.5\n", 1, "density"},
      {"conv1 3 16 8 8 3 1 1 5 0.1\nconv1 3 16 8 8 3 1 1 5 0.1\n", 2, "name"},
      {"conv1 3 1e3 8 8 3 1 1 5 0.1\n", 1, "N"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    try {
      (void)parse_model(c.text, "models/x.txt");
      ADD_FAILURE() << "accepted";
    } catch (const ModelError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("models/x.txt", 0), 0u) << e.what();
      if (c.line > 0) {
        EXPECT_EQ(e.line, c.line) << e.what();
      }
      EXPECT_EQ(e.field, c.field) << e.what();
    }
  }
  EXPECT_THROW((void)load_model(tmpdir() / "none.txt"), ModelError);
}

#ifdef ESC_HAVE_HOST
// --- host driver -----------------------------------------------------------------------------

TEST(BadInputHost, UntileableLayersNameTheCapacity) {
  const HwCaps caps;  // defaults; the real values come from the RTL below
  IntLayer wide = good_layer();
  wide.cfg.M = caps.M_MAX + 1;
  wide.basis = BasisT(1, wide.cfg.M, 3, 3);
  wide.basis.setConstant(1);
  wide.coef = CoefT(4, 3, wide.cfg.M);
  wide.coef.setConstant(1);
  ASSERT_EQ(validate(wide), "");
  const std::string e = error_of([&] { (void)plan_passes(wide, caps, 4096); });
  EXPECT_TRUE(contains(e, "M")) << e;
}

TEST(BadInputHost, AccelRejectsInvalidAndOversizedLayersWithoutHanging) {
  Accel accel;
  const HwCaps caps = accel.caps();
  IntLayer bad = good_layer();
  bad.cfg.M = 0;
  EXPECT_ANY_THROW((void)accel.run_layer(bad));
  IntLayer k5 = good_layer();
  k5.cfg.K = 5;
  k5.basis = BasisT(1, 5, 5, 5);
  k5.basis.setConstant(1);
  ASSERT_EQ(validate(k5), "");
  if (caps.K_MAX < 5) {
    const std::string e = error_of([&] { (void)accel.run_layer(k5); });
    EXPECT_TRUE(contains(e, "K")) << e;
  }
  // The instance stays usable after the errors.
  const IntLayer ok = good_layer();
  const AccelResult r = accel.run_layer(ok);
  const IntResult g = run_int(ok);
  for (Eigen::Index i = 0; i < g.y.size(); ++i) ASSERT_EQ(r.y.data()[i], g.y.data()[i]) << i;
}
#endif

#ifdef ESCALATE_BIN
// --- the escalate binary ---------------------------------------------------------------------

struct Cmd {
  int rc;
  std::string err;  // stderr
};

Cmd run(const std::string& args, const fs::path& dir) {
  const fs::path errf = dir / "stderr.txt";
  const std::string cmd = std::string(ESCALATE_BIN) + " " + args + " >/dev/null 2>" + errf.string();
  const int st = std::system(cmd.c_str());
  std::ifstream f(errf);
  std::string err((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  fs::remove(errf);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, err};
}

int lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

// One layer's worth of .npy inputs in `dir`; returns the argument string for `escalate layer`.
struct NpyLayer {
  fs::path dir;
  IntLayer l = good_layer();
  std::string args() const {
    return "layer --x " + (dir / "x.npy").string() + " --basis " + (dir / "b.npy").string() +
           " --coef " + (dir / "a.npy").string() + " --bias " + (dir / "bias.npy").string() +
           " --shift " + (dir / "shift.npy").string() + " --out " + (dir / "y.npy").string() +
           " --acc " + (dir / "acc.npy").string();
  }
  void write() const {
    write_npy((dir / "x.npy").string(), from_tensor(l.x));
    NpyArray b = from_tensor(l.basis);
    b.shape.erase(b.shape.begin());  // (M, K, K)
    write_npy((dir / "b.npy").string(), b);
    write_npy((dir / "a.npy").string(), from_tensor(l.coef));
    write_npy((dir / "bias.npy").string(), from_vector(l.rq.bias));
    write_npy((dir / "shift.npy").string(), from_vector(l.rq.shift));
  }
};

void expect_clean_failure(const Cmd& r, const fs::path& dir, const std::string& names) {
  EXPECT_NE(r.rc, 0) << r.err;
  EXPECT_NE(r.rc, -1) << "crashed: " << r.err;
  EXPECT_TRUE(contains(r.err, names)) << "message should name " << names << ":\n" << r.err;
  EXPECT_EQ(lines(r.err), 1) << "one clear message:\n" << r.err;
  EXPECT_FALSE(contains(r.err, "terminate") || contains(r.err, "Sanitizer")) << r.err;
  EXPECT_FALSE(fs::exists(dir / "y.npy")) << "partial output left behind";
  EXPECT_FALSE(fs::exists(dir / "acc.npy")) << "partial output left behind";
}

TEST(BadInputCli, GoodLayerRuns) {
  NpyLayer L{tmpdir()};
  L.write();
  const Cmd r = run(L.args(), L.dir);
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(fs::exists(L.dir / "y.npy"));
}

TEST(BadInputCli, MalformedNpyFiles) {
  NpyLayer L{tmpdir()};
  L.write();
  for (const char* f : {"x.npy", "b.npy", "a.npy", "bias.npy", "shift.npy"}) {
    SCOPED_TRACE(f);
    const fs::path p = L.dir / f;
    std::ifstream in(p, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
    in.close();
    write_bytes(p, {});  // empty
    expect_clean_failure(run(L.args(), L.dir), L.dir, p.string());
    write_bytes(p, std::vector<uint8_t>(bytes.begin(), bytes.end() - 1));  // truncated
    expect_clean_failure(run(L.args(), L.dir), L.dir, p.string());
    write_bytes(p, bytes);
  }
}

TEST(BadInputCli, ShapeAndDtypeMismatches) {
  const fs::path d = tmpdir();
  {
    NpyLayer L{d};
    L.write();
    NpyArray a = from_tensor(L.l.coef);
    a.shape = {4, 5, 3};  // C and M swapped
    write_npy((d / "a.npy").string(), a);
    expect_clean_failure(run(L.args(), d), d, "a.npy");
  }
  {
    NpyLayer L{d};
    L.write();
    NpyArray x = from_tensor(L.l.x);
    x.dtype = "uint8";
    write_npy((d / "x.npy").string(), x);
    expect_clean_failure(run(L.args(), d), d, "x.npy");
  }
  {
    NpyLayer L{d};
    L.write();
    write_npy((d / "bias.npy").string(), from_vector(std::vector<int32_t>{1, 2, 3}));  // N = 4
    expect_clean_failure(run(L.args(), d), d, "bias.npy");
  }
  {
    NpyLayer L{d};
    L.write();
    write_npy((d / "shift.npy").string(), from_vector(std::vector<uint8_t>{1, 2, 64, 3}));
    expect_clean_failure(run(L.args(), d), d, "shift");
  }
}

TEST(BadInputCli, OutOfRangeConfigurations) {
  const fs::path d = tmpdir();
  NpyLayer L{d};
  L.write();
  expect_clean_failure(run(L.args() + " --stride 3", d), d, "stride");
  expect_clean_failure(run(L.args() + " --zshift 40", d), d, "zshift");
  expect_clean_failure(run(L.args() + " --coef-w 5", d), d, "coef_w");
  expect_clean_failure(run(L.args() + " --pad 7", d), d, "pad");
  {  // M = 0: basis (0, 3, 3), coef (N, C, 0)
    NpyLayer Z{d};
    Z.l.basis = BasisT(1, 0, 3, 3);
    Z.l.coef = CoefT(4, 3, 0);
    Z.write();
    expect_clean_failure(run(Z.args(), d), d, "M");
  }
  {  // K = 2 is unsupported
    NpyLayer K2{d};
    K2.l.basis = BasisT(1, 5, 2, 2);
    K2.l.basis.setConstant(1);
    K2.write();
    expect_clean_failure(run(K2.args() + " --pad 1", d), d, "K");
  }
  {  // coef values outside the 4-bit range with --coef-w 4
    NpyLayer C4{d};
    C4.l.coef.setConstant(0);
    C4.l.coef(0, 0, 0) = 9;
    C4.write();
    expect_clean_failure(run(C4.args() + " --coef-w 4", d), d, "coef");
  }
}

// W = 1024 > MaxDim = 1023 (10-bit counters): no tiling helps, so the layer runs on the golden
// model (as for K > K_MAX, #14) and the output is written; no error. The exact values are
// checked in tools/test/cli_test.cpp (Cli.LayerWiderThanMaxDimRunsGoldenOnly).
TEST(BadInputCli, OutOfCapacityLayerRunsGoldenOnly) {
  const fs::path d = tmpdir();
  NpyLayer L{d};
  LayerConfig c;
  c.C = 1;
  c.N = 2;
  c.H = 1;
  c.W = 1024;
  c.K = 1;
  c.pad_t = c.pad_b = c.pad_l = c.pad_r = 0;
  c.M = 1;
  L.l = make_random_layer(c, 0.5, 3);
  L.write();
  const Cmd r = run(L.args(), d);
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const OutT y = to_tensor<int8_t, 3>(read_npy((d / "y.npy").string()));
  EXPECT_EQ(y.dimension(2), 1024);
}

TEST(BadInputCli, UnwritableOutputLeavesNothing) {
  const fs::path d = tmpdir();
  NpyLayer L{d};
  L.write();
  const std::string args = L.args();
  const std::string bad_acc = (d / "no_dir" / "acc.npy").string();
  const std::string a2 = args.substr(0, args.find(" --acc ")) + " --acc " + bad_acc;
  expect_clean_failure(run(a2, d), d, "acc.npy");
}

TEST(BadInputCli, MalformedModelFiles) {
  const fs::path d = tmpdir();
  const fs::path m = d / "bad.txt";
  for (const char* text : {"", "conv1 3 16 8 8 3 1 1 0 0.1\n", "conv1 3 16 8 8 3 1\n"}) {
    SCOPED_TRACE(text);
    std::ofstream(m) << text;
    const Cmd r = run("run -q --model " + m.string() + " --json " + (d / "r.json").string(), d);
    EXPECT_EQ(r.rc, 2) << r.err;
    EXPECT_TRUE(contains(r.err, m.string())) << r.err;
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_FALSE(fs::exists(d / "r.json"));
  }
}

TEST(BadInputCli, DecomposeRejectsBadWeights) {
  const fs::path d = tmpdir();
  const fs::path w = d / "w.npy";
  write_npy(w.string(), from_tensor(good_layer().x));  // int8, rank 3
  const std::string args = "decompose --weights " + w.string() + " --out-basis " +
                           (d / "y.npy").string() + " --out-coef " + (d / "acc.npy").string();
  expect_clean_failure(run(args, d), d, "w.npy");
  write_bytes(w, {});
  expect_clean_failure(run(args, d), d, "w.npy");
}
#endif

}  // namespace
}  // namespace esc
