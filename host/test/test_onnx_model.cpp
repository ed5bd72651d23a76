// The ONNX reader on the committed export and on broken copies of it: every error names the
// file and the node, initializer or sidecar field at fault, and nothing crashes.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cstdio>
#include <string>
#include <vector>

#include "esc/layer.hpp"
#include "esc/onnx_model.hpp"
#include "io_test_util.hpp"

namespace esc {
namespace {

using test::kFmnistDir;
using test::read_bytes;
using test::temp_dir;
using test::test_seed;
using test::write_bytes;

// ------------------------------------------------------------------------------------------
// ONNX
// ------------------------------------------------------------------------------------------
TEST(OnnxModel, ReadsTheCommittedExport) {
  const OnnxModel m = load_onnx_model(kFmnistDir + "/penni_int8.onnx");
  EXPECT_EQ(m.net.name, "penni_int8");
  EXPECT_EQ(m.sidecar_path, kFmnistDir + "/penni_int8.json");
  EXPECT_EQ(m.coef_w, 8);
  EXPECT_EQ(m.opset, 13);
  EXPECT_EQ(m.net.H, 28);
  EXPECT_EQ(m.net.W, 28);
  EXPECT_EQ(m.net.input_shift, 1);
  EXPECT_EQ(validate(m.net), "");
  const auto convs = m.net.convs();
  ASSERT_EQ(convs.size(), 9u);
  EXPECT_EQ(m.net.ops.size(), 14u);
  EXPECT_EQ(m.net.classes(), 10);
  // Spot checks against the sidecar and the graph (docs/trained.md's layer table).
  const NetOp& b1c1 = *convs[1];
  EXPECT_EQ(b1c1.name, "b1c1");
  EXPECT_EQ(b1c1.in, std::vector<std::string>{"conv0"});
  EXPECT_EQ(b1c1.conv.cfg.C, 16);
  EXPECT_EQ(b1c1.conv.cfg.N, 32);
  EXPECT_EQ(b1c1.conv.cfg.stride, 2);
  EXPECT_TRUE(b1c1.conv.cfg.relu);
  EXPECT_EQ(b1c1.conv.cfg.zshift, 1);
  int64_t nnz = 0;
  for (Eigen::Index i = 0; i < b1c1.conv.coef.size(); ++i) nnz += b1c1.conv.coef.data()[i] != 0;
  EXPECT_EQ(nnz, 429);  // sidecar ops[1].nnz
  const NetOp& b1sc = *convs[3];
  EXPECT_EQ(b1sc.conv.cfg.K, 1);
  EXPECT_EQ(b1sc.conv.cfg.M, 1);
  EXPECT_EQ(b1sc.conv.cfg.pad_t, 0);
  EXPECT_EQ(b1sc.conv.basis(0, 0, 0, 0), 1);
  EXPECT_FALSE(b1sc.conv.cfg.relu);
  const NetOp& b3 = m.net.ops[11];
  EXPECT_EQ(b3.kind, NetOp::Kind::kAdd);
  EXPECT_EQ(b3.in, (std::vector<std::string>{"b3c2", "b2"}));
  EXPECT_EQ(b3.ma, 56380);
  EXPECT_EQ(b3.mb, 38264);
  EXPECT_EQ(b3.shift, 16);
  const OnnxModel m4 = load_onnx_model(kFmnistDir + "/penni_int4.onnx");
  EXPECT_EQ(m4.coef_w, 4);
  for (const NetOp* c : m4.net.convs()) EXPECT_EQ(c->conv.cfg.coef_w, 4) << c->name;
}

// A broken copy of penni_int8.onnx (with its sidecar) in its own directory.
class BrokenOnnx : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = temp_dir(std::string("onnx_") + info->name());
    path_ = dir_ + "/penni_int8.onnx";
    sidecar_ = dir_ + "/penni_int8.json";
    ASSERT_TRUE(model_.ParseFromString(read_bytes(kFmnistDir + "/penni_int8.onnx")));
    write_bytes(sidecar_, read_bytes(kFmnistDir + "/penni_int8.json"));
  }
  void save() { write_bytes(path_, model_.SerializeAsString()); }
  onnx::TensorProto* initializer(const std::string& name) {
    for (auto& t : *model_.mutable_graph()->mutable_initializer()) {
      if (t.name() == name) return &t;
    }
    ADD_FAILURE() << "no initializer " << name;
    return nullptr;
  }
  onnx::NodeProto* node_producing(const std::string& tensor) {
    for (auto& n : *model_.mutable_graph()->mutable_node()) {
      for (const auto& o : n.output()) {
        if (o == tensor) return &n;
      }
    }
    ADD_FAILURE() << "no node produces " << tensor;
    return nullptr;
  }
  // load_onnx_model must throw OnnxModelError; returns what().
  std::string error() {
    try {
      load_onnx_model(path_);
    } catch (const OnnxModelError& e) {
      return e.what();
    }
    ADD_FAILURE() << "load_onnx_model(" << path_ << ") did not throw";
    return "";
  }
  void expect_error(const std::string& where, const std::string& what,
                    const std::string& file = "") {
    const std::string e = error();
    const std::string prefix = (file.empty() ? path_ : file) + ": " + where + ": ";
    EXPECT_EQ(e.rfind(prefix, 0), 0u) << e << "\n  expected prefix " << prefix;
    EXPECT_NE(e.find(what), std::string::npos) << e << "\n  expected " << what;
  }

  std::string dir_, path_, sidecar_;
  onnx::ModelProto model_;
};

TEST_F(BrokenOnnx, UnchangedCopyLoads) {
  save();
  EXPECT_EQ(load_onnx_model(path_).net.convs().size(), 9u);
}

TEST_F(BrokenOnnx, MissingFile) {
  expect_error("file", "cannot open it");
}

TEST_F(BrokenOnnx, TruncatedFilesAreErrorsNotCrashes) {
  const std::string bytes = model_.SerializeAsString();
  for (size_t cut : {size_t{0}, size_t{1}, size_t{7}, bytes.size() / 10, bytes.size() / 2,
                     bytes.size() - 200, bytes.size() - 1}) {
    write_bytes(path_, bytes.substr(0, cut));
    const std::string e = error();
    EXPECT_EQ(e.rfind(path_ + ": ", 0), 0u) << "cut at " << cut << ": " << e;
  }
}

TEST_F(BrokenOnnx, MissingInitializer) {
  auto* inits = model_.mutable_graph()->mutable_initializer();
  for (int i = 0; i < inits->size(); ++i) {
    if (inits->Get(i).name() == "b1c2.mult") {
      inits->DeleteSubrange(i, 1);
      break;
    }
  }
  save();
  expect_error("initializer b1c2.mult", "missing (requantisation multiplier)");
}

TEST_F(BrokenOnnx, WrongInitializerType) {
  initializer("b2c1.bias")->set_data_type(onnx::TensorProto::INT64);
  save();
  expect_error("initializer b2c1.bias", "has type int64, expected int32");
}

TEST_F(BrokenOnnx, WrongInitializerShape) {
  auto* t = initializer("b2c2.coef");
  t->set_dims(1, 100);
  save();
  expect_error("initializer b2c2.coef", "has shape (64, 100, 1, 1), expected (64, 320, 1, 1)");
}

TEST_F(BrokenOnnx, TruncatedInitializerData) {
  auto* t = initializer("b3c1.shift");
  t->set_raw_data(t->raw_data().substr(0, 10));
  save();
  expect_error("initializer b3c1.shift", "raw_data has 10 bytes, the shape needs 64");
}

TEST_F(BrokenOnnx, WrongOperatorForTheBasisStage) {
  node_producing("b1c1/Z")->set_op_type("Conv");
  save();
  expect_error("node " + node_producing("b1c1/Z")->name(),
               "produces b1c1/Z with Conv, expected ConvInteger");
}

TEST_F(BrokenOnnx, UnknownOperator) {
  onnx::NodeProto* n = node_producing("b2");
  n->set_op_type("Relu");
  save();
  expect_error("node " + n->name(), "operator Relu is not one the escalate export uses");
}

TEST_F(BrokenOnnx, WrongGroup) {
  onnx::NodeProto* n = node_producing("b2c1/Z");
  for (auto& a : *n->mutable_attribute()) {
    if (a.name() == "group") a.set_i(1);
  }
  save();
  expect_error("node " + n->name(), "group = 1, expected C = 32");
}

TEST_F(BrokenOnnx, ReluFlagDisagreesWithTheSidecar) {
  // b1c1 has ReLU: its output Clip's lower bound becomes -128.
  onnx::NodeProto* cast = node_producing("b1c1");
  node_producing(cast->input(0))->set_input(1, "c.i8min");
  save();
  expect_error("ops[1] (b1c1)", "\"relu\" is 1 but the graph", sidecar_);
}

TEST_F(BrokenOnnx, SidecarGeometryDisagreesWithTheGraph) {
  save();
  std::string s = read_bytes(sidecar_);
  const size_t at = s.find("\"stride\": 2");  // b1c1
  ASSERT_NE(at, std::string::npos);
  s.replace(at, 11, "\"stride\": 1");
  write_bytes(sidecar_, s);
  expect_error("ops[1] (b1c1)", "\"stride\" is 1 but the graph", sidecar_);
}

TEST_F(BrokenOnnx, SidecarMissingOrNotJson) {
  save();
  std::remove(sidecar_.c_str());
  expect_error("metadata_props", "its sidecar " + sidecar_ + " (escalate.sidecar) cannot be read");
  write_bytes(sidecar_, "{\"format\": ");
  expect_error("file", "not valid JSON", sidecar_);
}

TEST_F(BrokenOnnx, NotAnEscalateExport) {
  model_.clear_metadata_props();
  save();
  expect_error("metadata_props", "no escalate.sidecar entry");
}

TEST_F(BrokenOnnx, AddOperandsSwappedInTheSidecar) {
  save();
  std::string s = read_bytes(sidecar_);
  const size_t at = s.find("\"a\": \"b1c2\"");
  ASSERT_NE(at, std::string::npos);
  s.replace(at, 11, "\"a\": \"b1sc\"");
  write_bytes(sidecar_, s);
  expect_error("ops[4] (b1)", "add b1 operand a is b1sc but the graph", sidecar_);
}

// Random byte flips in the file: each copy either loads as a network that passes validate()
// (the flip hit a weight or a name the reader does not use) or is an OnnxModelError naming the
// file; nothing else (no crash, no other exception).
TEST_F(BrokenOnnx, RandomByteFlipsNeverCrash) {
  const std::string bytes = model_.SerializeAsString();
  SplitMix64 rng(test_seed(0x0bb10001));
  int loaded = 0, rejected = 0;
  for (int trial = 0; trial < 150; ++trial) {
    std::string b = bytes;
    const int flips = static_cast<int>(rng.uniform(1, 4));
    for (int k = 0; k < flips; ++k) {
      const auto at = static_cast<size_t>(rng.uniform(0, static_cast<int64_t>(b.size()) - 1));
      b[at] = static_cast<char>(rng.uniform(0, 255));
    }
    write_bytes(path_, b);
    try {
      const OnnxModel m = load_onnx_model(path_);
      EXPECT_EQ(validate(m.net), "") << "trial " << trial;
      ++loaded;
    } catch (const OnnxModelError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(path_ + ": ", 0), 0u) << e.what();
      ++rejected;
    }
  }
  std::cout << "byte flips: " << loaded << " loaded, " << rejected << " rejected\n";
  EXPECT_GT(rejected, 0);
}

}  // namespace
}  // namespace esc
