// Unit tests of the model-file parser (models/README.md) and of the built-in model tables.
#include <gtest/gtest.h>

#include <string>

#include "esc/model_file.hpp"

namespace esc {
namespace {

const char* kGood =
    "# comment line\n"
    "\n"
    "conv1  3 64 32 32 3 1 1 5 0.2   # trailing comment\n"
    "\tfc.x 64 128 16 16 1 2 0 1 8%\n";

// Expect parse_model(text) to throw a ModelError naming line and field.
void expect_error(const std::string& text, int line, const std::string& field,
                  const std::string& needle = "") {
  try {
    parse_model(text, "bad.txt");
    FAIL() << "accepted malformed text: " << text;
  } catch (const ModelError& e) {
    EXPECT_EQ(e.file, "bad.txt");
    EXPECT_EQ(e.line, line) << e.what();
    EXPECT_EQ(e.field, field) << e.what();
    const std::string what = e.what();
    const std::string where = line > 0 ? "bad.txt:" + std::to_string(line) + ":" : "bad.txt:";
    EXPECT_NE(what.find(where), std::string::npos) << what;
    if (!field.empty()) {
      EXPECT_NE(what.find("'" + field + "'"), std::string::npos) << what;
    }
    if (!needle.empty()) {
      EXPECT_NE(what.find(needle), std::string::npos) << what;
    }
  }
}

TEST(ModelParser, ParsesGoodFile) {
  Model m = parse_model(kGood, "dir/net.txt");
  EXPECT_EQ(m.name, "net");
  ASSERT_EQ(m.layers.size(), 2u);
  const ModelLayer& a = m.layers[0];
  EXPECT_EQ(a.name, "conv1");
  EXPECT_EQ(a.line, 3);
  EXPECT_EQ(a.C, 3);
  EXPECT_EQ(a.N, 64);
  EXPECT_EQ(a.Ho(), 32);
  EXPECT_DOUBLE_EQ(a.density, 0.2);
  const ModelLayer& b = m.layers[1];
  EXPECT_EQ(b.name, "fc.x");
  EXPECT_EQ(b.K, 1);
  EXPECT_EQ(b.stride, 2);
  EXPECT_EQ(b.Ho(), 8);
  EXPECT_DOUBLE_EQ(b.density, 0.08);
  EXPECT_EQ(b.line, 4);
}

TEST(ModelParser, RejectsMalformedFieldsNamingLineAndField) {
  const std::string ok = "a 3 64 32 32 3 1 1 5 0.2\n";
  expect_error(ok + "b 3 64 32 32 4 1 1 5 0.2\n", 2, "K", "got 4");
  expect_error(ok + "b 3 64 32 32 3 3 1 5 0.2\n", 2, "stride");
  expect_error(ok + "b 3 64 32 32 3 1 3 5 0.2\n", 2, "pad");
  expect_error(ok + "b 0 64 32 32 3 1 1 5 0.2\n", 2, "C");
  expect_error(ok + "b 3 -4 32 32 3 1 1 5 0.2\n", 2, "N");
  expect_error(ok + "b 3 64 3x2 32 3 1 1 5 0.2\n", 2, "H");
  expect_error(ok + "b 3 64 32 99999999999 3 1 1 5 0.2\n", 2, "W");
  expect_error(ok + "b 3 64 32 32 3 1 1 10 0.2\n", 2, "M");
  expect_error(ok + "b 3 64 32 32 1 1 0 2 0.2\n", 2, "M");
  expect_error(ok + "b 3 64 32 32 3 1 1 5 0\n", 2, "density");
  expect_error(ok + "b 3 64 32 32 3 1 1 5 1.5\n", 2, "density");
  expect_error(ok + "b 3 64 32 32 3 1 1 5 nan\n", 2, "density");
  expect_error(ok + "b 3 64 32 32 3 1 1 5 0.1e\n", 2, "density");
  expect_error(ok + "b 3 64 32 32 3 1 1 5\n", 2, "density", "missing");
  expect_error(ok + "\n\nb 3 64\n", 4, "H", "missing");
  expect_error(ok + "b 3 64 32 32 3 1 1 5 0.2 extra\n", 2, "(extra)");
  expect_error(ok + "a 3 64 32 32 3 1 1 5 0.2\n", 2, "name", "duplicate");
  expect_error(ok + "7up 3 64 32 32 3 1 1 5 0.2\n", 2, "name");
  expect_error(ok + "b$ 3 64 32 32 3 1 1 5 0.2\n", 2, "name");
  expect_error(ok + "b 3 64 1 1 3 1 0 5 0.2\n", 2, "H");
}

TEST(ModelParser, RejectsEmptyAndBinaryFiles) {
  expect_error("# only comments\n\n", 2, "");
  expect_error("", 0, "");
  expect_error(std::string("a 3 64 32 32 3 1 1 5 0.2\nx\0y\n", 28), 2, "");
}

TEST(ModelParser, LoadMissingFileNamesIt) {
  try {
    load_model("/nonexistent/x.txt");
    FAIL();
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/x.txt"), std::string::npos);
  }
}

TEST(ModelParser, SelectLayers) {
  Model m = parse_model(
      "a 3 8 8 8 3 1 1 5 0.2\nb 8 8 8 8 3 1 1 5 0.2\nc 8 8 8 8 3 1 1 5 0.2\n"
      "d 8 8 8 8 1 1 0 1 0.2\n",
      "m.txt");
  EXPECT_EQ(select_layers(m, "c,a"), (std::vector<size_t>{0, 2}));
  EXPECT_EQ(select_layers(m, "1-2,d"), (std::vector<size_t>{1, 2, 3}));
  EXPECT_EQ(select_layers(m, "3"), (std::vector<size_t>{3}));
  EXPECT_THROW(select_layers(m, "e"), std::invalid_argument);
  EXPECT_THROW(select_layers(m, "4"), std::invalid_argument);
  EXPECT_THROW(select_layers(m, "2-1"), std::invalid_argument);
  EXPECT_THROW(select_layers(m, ","), std::invalid_argument);
}

TEST(ModelParser, MacAccounting) {
  Model m = parse_model("a 16 32 8 8 3 2 1 5 0.25\n", "m.txt");
  ModelMacs mm = expected_macs(m.layers[0]);
  // Ho = Wo = 4; nnz = 0.25 * 32 * 16 * 5 = 640.
  EXPECT_EQ(mm.nnz, 640);
  EXPECT_EQ(mm.basis, 16 * 5 * 9 * 16);
  EXPECT_EQ(mm.coef, 640 * 16);
  EXPECT_EQ(mm.dense, 32 * 16 * 9 * 16);
  EXPECT_EQ(mm.useful, mm.basis + mm.coef);
}

// Every built-in model parses; names resolve.
TEST(ModelFiles, BuiltinsParse) {
  const auto names = list_models(models_dir());
  ASSERT_GE(names.size(), 4u) << "models dir: " << models_dir();
  for (const auto& n : names) {
    Model m = load_model(resolve_model(n, models_dir()));
    EXPECT_FALSE(m.layers.empty()) << n;
  }
  EXPECT_NO_THROW(resolve_model("ResNet18-CIFAR10", models_dir()));
  EXPECT_THROW(resolve_model("no-such-net", models_dir()), std::invalid_argument);
}

TEST(ModelFiles, ResNet18Keeps8Percent) {
  Model m = load_model(resolve_model("resnet18_cifar10", models_dir()));
  ASSERT_EQ(m.layers.size(), 20u);  // conv1 + 16 block convs + 3 shortcuts
  ModelMacs t = expected_macs(m);
  const double kept = static_cast<double>(t.useful) / static_cast<double>(t.dense);
  std::printf("ResNet-18/CIFAR-10: dense %lld MACs, useful %lld MACs, kept %.2f %%\n",
              static_cast<long long>(t.dense), static_cast<long long>(t.useful), 100.0 * kept);
  EXPECT_NEAR(kept, 0.08, 0.01);
  for (const auto& L : m.layers) {
    EXPECT_EQ(L.M, L.K == 1 ? 1 : 5) << L.name;
    EXPECT_GE(L.density, 0.05) << L.name;
    EXPECT_LE(L.density, 0.20) << L.name;
  }
}

TEST(ModelFiles, ResNet50HasGoldenOnlyConv1) {
  Model m = load_model(resolve_model("resnet50-imagenet", models_dir()));
  EXPECT_EQ(m.layers.size(), 53u);
  EXPECT_EQ(m.layers[0].K, 7);
  EXPECT_EQ(m.layers.back().Ho(), 7);
}

}  // namespace
}  // namespace esc
