// Readers of the Fashion-MNIST files: SHA-256 against the FIPS 180-4 examples (the tensor hashes
// of expected.json), the IDX reader on synthetic files (plain and gzip) and their faults, and
// the installed test set.
#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <vector>

#include "esc/idx.hpp"
#include "esc/sha256.hpp"
#include "io_test_util.hpp"

namespace esc {
namespace {

using test::read_bytes;
using test::temp_dir;
using test::write_bytes;

// ------------------------------------------------------------------------------------------
// SHA-256
// ------------------------------------------------------------------------------------------
TEST(Sha256, FipsExamples) {
  EXPECT_EQ(sha256_hex("", 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc", 3),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  EXPECT_EQ(sha256_hex(two_blocks.data(), two_blocks.size()),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const std::string million(1000000, 'a');
  EXPECT_EQ(sha256_hex(million.data(), million.size()),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// ------------------------------------------------------------------------------------------
// IDX
// ------------------------------------------------------------------------------------------
std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

std::string idx_images(uint32_t n, uint32_t r, uint32_t c) {
  std::string s = be32(0x803) + be32(n) + be32(r) + be32(c);
  for (uint32_t i = 0; i < n * r * c; ++i) s += static_cast<char>(i * 7 + 3);
  return s;
}

std::string idx_labels(const std::vector<uint8_t>& l) {
  return be32(0x801) + be32(static_cast<uint32_t>(l.size())) + std::string(l.begin(), l.end());
}

void write_gz(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  gzclose(f);
}

// The error message of `f()`, which must throw IdxError.
template <typename F>
std::string idx_error(F f) {
  try {
    f();
  } catch (const IdxError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no IdxError";
  return "";
}

TEST(Idx, ReadsPlainAndGzipFiles) {
  const std::string d = temp_dir("idx_ok");
  write_bytes(d + "/im", idx_images(3, 2, 5));
  write_gz(d + "/im.gz", idx_images(3, 2, 5));
  for (const std::string& p : {d + "/im", d + "/im.gz"}) {
    const IdxImages im = read_idx_images(p);
    EXPECT_EQ(im.count, 3);
    EXPECT_EQ(im.rows, 2);
    EXPECT_EQ(im.cols, 5);
    ASSERT_EQ(im.pixels.size(), 30u);
    EXPECT_EQ(im.image(2)[4], static_cast<uint8_t>(24 * 7 + 3)) << p;
  }
  write_gz(d + "/lb.gz", idx_labels({9, 0, 3}));
  EXPECT_EQ(read_idx_labels(d + "/lb.gz"), (std::vector<uint8_t>{9, 0, 3}));
}

TEST(Idx, MalformedFilesNameTheFileAndTheFault) {
  const std::string d = temp_dir("idx_bad");
  const std::string good = idx_images(4, 3, 3);
  write_bytes(d + "/short", good.substr(0, good.size() - 5));
  EXPECT_NE(idx_error([&] { read_idx_images(d + "/short"); })
                .find(d + "/short: ends after 47 "
                          "bytes, inside the pixels"),
            std::string::npos);
  write_bytes(d + "/header", good.substr(0, 6));
  EXPECT_NE(idx_error([&] { read_idx_images(d + "/header"); }).find("inside the image count"),
            std::string::npos);
  write_bytes(d + "/long", good + "x");
  EXPECT_NE(idx_error([&] { read_idx_images(d + "/long"); }).find("has data after the 52 bytes"),
            std::string::npos);
  write_bytes(d + "/labels", idx_labels({1, 2}));
  EXPECT_NE(idx_error([&] { read_idx_images(d + "/labels"); }).find("is this the labels file?"),
            std::string::npos);
  EXPECT_NE(idx_error([&] { read_idx_labels(d + "/short"); }).find("is this the images file?"),
            std::string::npos);
  write_bytes(d + "/text", "hello, world, this is not IDX");
  EXPECT_NE(idx_error([&] { read_idx_images(d + "/text"); }).find("not an IDX file"),
            std::string::npos);
  write_bytes(d + "/huge", be32(0x803) + be32(100000) + be32(60000) + be32(60000));
  EXPECT_NE(idx_error([&] { read_idx_images(d + "/huge"); }).find("more than this reader accepts"),
            std::string::npos);
  write_bytes(d + "/zero", be32(0x803) + be32(0) + be32(28) + be32(28));
  EXPECT_NE(idx_error([&] { read_idx_images(d + "/zero"); }).find("at least 1"), std::string::npos);
  EXPECT_NE(idx_error([&] { read_idx_images(d + "/missing"); }).find(d + "/missing: cannot open"),
            std::string::npos);
  // A gzip stream cut short, and one with a damaged body.
  write_gz(d + "/full.gz", idx_images(50, 28, 28));
  const std::string gz = read_bytes(d + "/full.gz");
  write_bytes(d + "/cut.gz", gz.substr(0, gz.size() / 2));
  const std::string cut = idx_error([&] { read_idx_images(d + "/cut.gz"); });
  EXPECT_NE(cut.find(d + "/cut.gz: "), std::string::npos) << cut;
  EXPECT_TRUE(cut.find("truncated") != std::string::npos ||
              cut.find("corrupt") != std::string::npos)
      << cut;
  std::string bad = gz;
  for (size_t i = 20; i < 60; ++i) bad[i] = static_cast<char>(bad[i] ^ 0x5a);
  write_bytes(d + "/bad.gz", bad);
  const std::string corrupt = idx_error([&] { read_idx_images(d + "/bad.gz"); });
  EXPECT_NE(corrupt.find(d + "/bad.gz: "), std::string::npos) << corrupt;
}

TEST(Idx, DatasetChecksTheSplitPair) {
  const std::string d = temp_dir("idx_split");
  write_gz(d + "/t10k-images-idx3-ubyte.gz", idx_images(3, 2, 2));
  write_gz(d + "/t10k-labels-idx1-ubyte.gz", idx_labels({1, 2, 3}));
  const Dataset ok = load_fmnist(d);
  EXPECT_EQ(ok.images.count, 3);
  EXPECT_EQ(ok.labels.size(), 3u);
  write_gz(d + "/t10k-labels-idx1-ubyte.gz", idx_labels({1, 2}));
  EXPECT_NE(idx_error([&] { load_fmnist(d); }).find("has 2 labels but"), std::string::npos);
  write_gz(d + "/t10k-labels-idx1-ubyte.gz", idx_labels({1, 10, 3}));
  EXPECT_NE(idx_error([&] { load_fmnist(d); }).find("label 1 is 10, outside 0..9"),
            std::string::npos);
  EXPECT_NE(idx_error([&] { load_fmnist(d + "/nowhere"); }).find("no such directory"),
            std::string::npos);
  EXPECT_NE(idx_error([&] { load_fmnist(d, "train"); }).find("train-images-idx3-ubyte.gz: missing"),
            std::string::npos);
}

TEST(Idx, ReadsTheInstalledFashionMnistTestSet) {
  const Dataset d = load_fmnist(default_fmnist_dir());
  EXPECT_EQ(d.images.count, 10000);
  EXPECT_EQ(d.images.rows, 28);
  EXPECT_EQ(d.images.cols, 28);
  // Test image 0 is an ankle boot (class 9); the class counts of the test set are 1000 each.
  EXPECT_EQ(d.labels[0], 9);
  std::vector<int> per(10, 0);
  for (uint8_t l : d.labels) ++per[l];
  for (int c = 0; c < 10; ++c) EXPECT_EQ(per[static_cast<size_t>(c)], 1000) << "class " << c;
}

}  // namespace
}  // namespace esc
