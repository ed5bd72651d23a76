// The trained network end to end in C++ (golden model + host ops, read from the committed ONNX
// export): the int32 logits and predictions of the first 100 Fashion-MNIST test images, and the
// per-tensor hashes of test image 0, must equal what the Python integer reference wrote into
// models/fmnist/expected.json (train/int_ref.py). Needs dataset-fashion-mnist (scripts/setup.sh).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "esc/idx.hpp"
#include "esc/network.hpp"
#include "esc/onnx_model.hpp"
#include "esc/sha256.hpp"
#include "io_test_util.hpp"

namespace esc {
namespace {

const std::string kDir = test::kFmnistDir;

nlohmann::json expected_for(const std::string& model) {
  std::ifstream f(kDir + "/expected.json");
  EXPECT_TRUE(f.good()) << kDir << "/expected.json";
  nlohmann::json j;
  f >> j;
  return j.at("models").at(model);
}

const Dataset& test_set() {
  static const Dataset d = load_fmnist(default_fmnist_dir());
  return d;
}

// First 16 hex digits of the SHA-256 of a tensor's bytes in C order (expected.json format):
// int8 maps as int8, the int32 vectors widened to int64 little-endian.
std::string hash16(const ActT& t) {
  return sha256_hex(t.data(), static_cast<size_t>(t.size())).substr(0, 16);
}
std::string hash16(const std::vector<int32_t>& v) {
  std::vector<uint8_t> b;
  for (int32_t x : v) {
    const auto u = static_cast<uint64_t>(static_cast<int64_t>(x));
    for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(u >> (8 * i)));
  }
  return sha256_hex(b.data(), b.size()).substr(0, 16);
}

class Trained : public ::testing::TestWithParam<std::string> {};

TEST_P(Trained, First100LogitsAndPredictionsEqualThePythonReference) {
  const OnnxModel m = load_onnx_model(kDir + "/" + GetParam());
  const nlohmann::json ex = expected_for(GetParam());
  const auto& logits = ex.at("logits");
  const auto& pred = ex.at("pred");
  const auto& labels = ex.at("labels");
  ASSERT_EQ(logits.size(), 100u);
  const Dataset& d = test_set();
  ASSERT_EQ(d.images.count, 10000);
  EXPECT_EQ(m.coef_w, ex.at("coef_w").get<int>());
  int correct = 0;
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(d.labels[static_cast<size_t>(i)], labels[static_cast<size_t>(i)].get<int>())
        << "test image " << i << ": the dataset's label differs from expected.json's";
    const ActT x0 =
        quantise_input(d.images.image(i), d.images.rows, d.images.cols, m.net.input_shift);
    const NetResult r = run_network(m.net, x0);
    EXPECT_EQ(r.overflow, "") << "image " << i;
    ASSERT_EQ(r.logits, logits[static_cast<size_t>(i)].get<std::vector<int32_t>>())
        << GetParam() << " test image " << i;
    ASSERT_EQ(r.pred, pred[static_cast<size_t>(i)].get<int>()) << "test image " << i;
    correct += r.pred == d.labels[static_cast<size_t>(i)];
  }
  std::cout << GetParam() << ": first 100 test images bit-exact, " << correct << "/100 correct\n";
}

TEST_P(Trained, Image0TensorHashesEqualThePythonReference) {
  const OnnxModel m = load_onnx_model(kDir + "/" + GetParam());
  const nlohmann::json want = expected_for(GetParam()).at("image0_tensor_sha256_16");
  const Dataset& d = test_set();
  const NetResult r = run_network(
      m.net, quantise_input(d.images.image(0), d.images.rows, d.images.cols, m.net.input_shift));
  // Every tensor of the network is hashed, in execution order, so the first one that differs
  // is the layer to look at.
  std::vector<std::string> names = {m.net.input};
  for (const NetOp& op : m.net.ops) names.push_back(op.out);
  ASSERT_EQ(names.size(), want.size());
  for (const std::string& name : names) {
    ASSERT_TRUE(want.contains(name)) << name;
    const std::string got = r.maps.count(name) ? hash16(r.maps.at(name)) : hash16(r.vecs.at(name));
    ASSERT_EQ(got, want.at(name).get<std::string>()) << "tensor " << name << " of test image 0";
  }
}

INSTANTIATE_TEST_SUITE_P(Fmnist, Trained, ::testing::Values("penni_int8.onnx", "penni_int4.onnx"),
                         [](const auto& info) {
                           return info.param.substr(0, info.param.find('.'));
                         });

}  // namespace
}  // namespace esc
