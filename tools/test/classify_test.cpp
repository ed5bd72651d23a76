// `escalate classify` end to end: test images through the RTL with the trained network, checked
// here against models/fmnist/expected.json independently of the tool's own check; the mismatch
// report (through the test hook ESC_CLASSIFY_FLIP); and the exit code 2 with the file named for
// broken model and data files. Label rtl: runs the Verilated RTL.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "run_escalate.hpp"

namespace {

using esc::Cmd;
using esc::run;

const std::string kFmnist = ESC_FMNIST_MODELS;

std::string tmp(const std::string& name) {
  return ::testing::TempDir() + "esc_classify_" + name;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f << bytes;
}

nlohmann::json expected_int8() {
  return nlohmann::json::parse(read_file(kFmnist + "/expected.json"))
      .at("models")
      .at("penni_int8.onnx");
}

TEST(Classify, TenImagesThroughTheRtlGiveTheReferenceLogits) {
  const std::string js = tmp("ten.json");
  std::remove(js.c_str());
  const Cmd r = run("classify --images 10 --first 3 --no-golden-sweep -q --json " + js);
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("bit-exact (90 layer runs"), std::string::npos) << r.out;
  const nlohmann::json j = nlohmann::json::parse(read_file(js));
  EXPECT_TRUE(j.at("rtl").get<bool>());
  EXPECT_TRUE(j.at("bit_exact").get<bool>());
  EXPECT_EQ(j.at("images").get<int>(), 10);
  EXPECT_EQ(j.at("report").at("totals").at("checked").get<int>(), 9);
  EXPECT_EQ(j.at("report").at("totals").at("mismatches").get<int>(), 0);
  EXPECT_GT(j.at("report").at("totals").at("cycles").get<int64_t>(), 0);
  // The RTL's logits against the Python reference, read here, not by the tool.
  const nlohmann::json ex = expected_int8();
  int correct = 0;
  const auto& per = j.at("per_image");
  ASSERT_EQ(per.size(), 10u);
  for (const auto& im : per) {
    const size_t i = im.at("index").get<size_t>();
    EXPECT_EQ(im.at("logits"), ex.at("logits").at(i)) << "test image " << i;
    EXPECT_EQ(im.at("pred"), ex.at("pred").at(i)) << "test image " << i;
    EXPECT_EQ(im.at("label"), ex.at("labels").at(i)) << "test image " << i;
    correct += im.at("pred") == im.at("label");
  }
  EXPECT_EQ(j.at("correct").get<int>(), correct);
  EXPECT_EQ(j.at("golden_correct_same_images").get<int>(), correct);
  EXPECT_EQ(j.at("lanes").size(), 9u);
}

TEST(Classify, GoldenAccuracyOnTheWholeTestSetEqualsTheReference) {
  const std::string js = tmp("golden.json");
  std::remove(js.c_str());
  const Cmd r = run("classify --golden-only --images 100 -q --json " + js);
  ASSERT_EQ(r.rc, 0) << r.out;
  const nlohmann::json j = nlohmann::json::parse(read_file(js));
  const nlohmann::json ex = expected_int8();
  EXPECT_EQ(j.at("golden_test_set").at("n").get<int>(), ex.at("n_test").get<int>());
  EXPECT_EQ(j.at("golden_test_set").at("correct").get<int>(), ex.at("correct").get<int>());
  for (const auto& im : j.at("per_image")) {
    EXPECT_EQ(im.at("logits"), ex.at("logits").at(im.at("index").get<size_t>()));
  }
}

TEST(Classify, RtlMismatchNamesImageLayerAndElement) {
  const Cmd r = run("classify --images 5 --no-golden-sweep -q", "ESC_CLASSIFY_FLIP=3:b1c2");
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("test image 3, layer b1c2: FIRST MISMATCH"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("y[n=0][row=0][col=0]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("replay: escalate classify --first 3 --images 1"), std::string::npos)
      << r.out;
  // Without the hook the same images pass: the failure above is the hook's.
  EXPECT_EQ(run("classify --images 5 --no-golden-sweep -q").rc, 0);
}

TEST(Classify, BrokenModelFilesExit2NamingTheFile) {
  ::mkdir(tmp("models").c_str(), 0755);
  const std::string dir = tmp("models") + "/";
  const std::string onnx = read_file(kFmnist + "/penni_int8.onnx");
  write_file(dir + "penni_int8.json", read_file(kFmnist + "/penni_int8.json"));
  struct Case {
    std::string file, bytes, want;
  };
  const Case cases[] = {
      {"penni_int8.onnx", onnx.substr(0, onnx.size() / 3), "not a valid ONNX protobuf"},
      {"empty.onnx", "", "is empty"},
      {"sidecar.onnx", read_file(kFmnist + "/penni_int8.json"), "not a valid ONNX protobuf"},
  };
  for (const Case& c : cases) {
    write_file(dir + c.file, c.bytes);
    const Cmd r = run("classify --images 1 --no-golden-sweep -q --model " + dir + c.file);
    EXPECT_EQ(r.rc, 2) << c.file << "\n" << r.out;
    EXPECT_NE(r.out.find("escalate: error: " + dir + c.file + ": "), std::string::npos)
        << c.file << "\n"
        << r.out;
    EXPECT_NE(r.out.find(c.want), std::string::npos) << c.file << "\n" << r.out;
  }
  const Cmd missing = run("classify --model " + dir + "nowhere.onnx");
  EXPECT_EQ(missing.rc, 2) << missing.out;
  EXPECT_NE(missing.out.find(dir + "nowhere.onnx: file: cannot open it"), std::string::npos)
      << missing.out;
  // A good model whose sidecar is gone.
  write_file(dir + "penni_int8.onnx", onnx);
  std::remove((dir + "penni_int8.json").c_str());
  const Cmd nos =
      run("classify --images 1 --no-golden-sweep -q --model " + dir + "penni_int8.onnx");
  EXPECT_EQ(nos.rc, 2) << nos.out;
  EXPECT_NE(nos.out.find("penni_int8.json (escalate.sidecar) cannot be read"), std::string::npos)
      << nos.out;
}

TEST(Classify, BrokenDataExit2NamingTheFile) {
  ::mkdir(tmp("data").c_str(), 0755);
  const std::string dir = tmp("data");
  std::remove((dir + "/t10k-images-idx3-ubyte").c_str());  // from an earlier run
  std::remove((dir + "/t10k-labels-idx1-ubyte").c_str());
  const Cmd none = run("classify --images 1 --no-golden-sweep -q --data-dir " + dir);
  EXPECT_EQ(none.rc, 2) << none.out;
  EXPECT_NE(none.out.find(dir + "/t10k-images-idx3-ubyte.gz: missing"), std::string::npos)
      << none.out;
  // Images file cut short (plain IDX: the reader takes .gz or plain).
  const std::string header = std::string("\0\0\x08\x03", 4) + std::string("\0\0\x27\x10", 4) +
                             std::string("\0\0\0\x1c", 4) + std::string("\0\0\0\x1c", 4);
  write_file(dir + "/t10k-images-idx3-ubyte", header + std::string(1000, '\x10'));
  write_file(dir + "/t10k-labels-idx1-ubyte", std::string("\0\0\x08\x01\0\0\x27\x10", 8));
  const Cmd cut = run("classify --images 1 --no-golden-sweep -q --data-dir " + dir);
  EXPECT_EQ(cut.rc, 2) << cut.out;
  EXPECT_NE(cut.out.find(dir + "/t10k-images-idx3-ubyte: ends after 1016 bytes"), std::string::npos)
      << cut.out;
}

TEST(Classify, BadRangesExit2) {
  const Cmd past = run("classify --first 9999 --images 2 --no-golden-sweep");
  EXPECT_EQ(past.rc, 2) << past.out;
  EXPECT_NE(past.out.find("the test set has 10000 images"), std::string::npos) << past.out;
  EXPECT_EQ(run("classify --images 0").rc, 2);
  const Cmd help = run("classify --help");
  EXPECT_EQ(help.rc, 0);
  EXPECT_NE(help.out.find("--golden-only"), std::string::npos) << help.out;
}

}  // namespace
