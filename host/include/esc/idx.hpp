// Reader of IDX files (the MNIST / Fashion-MNIST format: big-endian magic and dimensions, then
// unsigned bytes), plain or gzip-compressed (zlib reads both), and of the Fashion-MNIST split
// that Debian's dataset-fashion-mnist installs under /usr/share/datasets/fashion-mnist.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace esc {

// A malformed or unreadable IDX file; what() names the file, what is wrong and the fix.
struct IdxError : std::runtime_error {
  IdxError(const std::string& file, const std::string& msg);
  std::string file;
};

struct IdxImages {
  int count = 0, rows = 0, cols = 0;
  std::vector<uint8_t> pixels;  // count * rows * cols, image-major, row-major
  const uint8_t* image(int i) const {
    return pixels.data() + static_cast<size_t>(i) * static_cast<size_t>(rows) * cols;
  }
};

// Magic 0x00000803 (unsigned bytes, 3 dimensions: count, rows, cols). The file must hold exactly
// the bytes its header promises. Throws IdxError.
IdxImages read_idx_images(const std::string& path);
// Magic 0x00000801 (unsigned bytes, 1 dimension). Throws IdxError.
std::vector<uint8_t> read_idx_labels(const std::string& path);

struct Dataset {
  IdxImages images;
  std::vector<uint8_t> labels;
  std::string images_path, labels_path;
};

// The default directory of Fashion-MNIST: $FMNIST_DIR if set, else
// /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist).
std::string default_fmnist_dir();

// Reads `<dir>/<split>-images-idx3-ubyte[.gz]` and `<dir>/<split>-labels-idx1-ubyte[.gz]`
// (split "t10k" or "train"; the .gz file is preferred), checks that they have the same count
// and that every label is below `classes`. Throws IdxError.
Dataset load_fmnist(const std::string& dir, const std::string& split = "t10k", int classes = 10);

}  // namespace esc
