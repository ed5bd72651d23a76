// IDX reader (plain or gzip through zlib) and the Fashion-MNIST test/training split.
#include "esc/idx.hpp"

#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace esc {

IdxError::IdxError(const std::string& f, const std::string& msg)
    : std::runtime_error(f + ": " + msg), file(f) {}

namespace {

const char* const kReinstall =
    "; reinstall the data (apt-get install --reinstall dataset-fashion-mnist) or point "
    "--data-dir / FMNIST_DIR at a good copy";

struct GzCloser {
  void operator()(gzFile f) const {
    if (f != nullptr) gzclose(f);
  }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

class IdxStream {
 public:
  explicit IdxStream(std::string path) : path_(std::move(path)) {
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) {
      throw IdxError(path_, std::string("cannot open it (") + std::strerror(errno) +
                                "); install dataset-fashion-mnist or set --data-dir / FMNIST_DIR");
    }
    if (S_ISDIR(st.st_mode)) throw IdxError(path_, "is a directory, not an IDX file");
    f_.reset(gzopen(path_.c_str(), "rb"));
    if (!f_) throw IdxError(path_, std::string("cannot open it (") + std::strerror(errno) + ")");
  }

  // Reads exactly n bytes; `what` names them in the error.
  void read(uint8_t* dst, size_t n, const std::string& what) {
    size_t got = 0;
    while (got < n) {
      const unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - got, 1u << 30));
      const int r = gzread(f_.get(), dst + got, chunk);
      if (r < 0) corrupt();
      if (r == 0) {
        int code = Z_OK;
        const char* msg = gzerror(f_.get(), &code);
        if (code != Z_OK && code != Z_STREAM_END) corrupt();
        (void)msg;
        throw IdxError(path_, "ends after " + std::to_string(offset_ + got) + " bytes, inside " +
                                  what + " (" + std::to_string(n - got) +
                                  " bytes missing): truncated" + kReinstall);
      }
      got += static_cast<size_t>(r);
    }
    offset_ += n;
  }

  uint32_t be32(const std::string& what) {
    uint8_t b[4];
    read(b, 4, what);
    return uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | uint32_t{b[3]};
  }

  // The stream must end here.
  void expect_end() {
    uint8_t b;
    const int r = gzread(f_.get(), &b, 1);
    if (r < 0) corrupt();
    if (r > 0) {
      throw IdxError(path_, "has data after the " + std::to_string(offset_) +
                                " bytes its header describes (not one IDX file?)" + kReinstall);
    }
  }

  const std::string& path() const { return path_; }

 private:
  [[noreturn]] void corrupt() {
    int code = Z_OK;
    const char* msg = gzerror(f_.get(), &code);
    throw IdxError(path_, std::string("corrupt gzip data after ") + std::to_string(offset_) +
                              " bytes (zlib: " + (msg ? msg : "?") + ")" + kReinstall);
  }

  std::string path_;
  GzFile f_;
  size_t offset_ = 0;
};

std::string hex32(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08x", v);
  return b;
}

void check_magic(IdxStream& s, uint32_t want, const char* kind) {
  const uint32_t magic = s.be32("the magic number");
  if (magic == want) return;
  std::string why;
  if ((magic >> 16) != 0) {
    why = "not an IDX file (an IDX file starts with two zero bytes)";
  } else if (((magic >> 8) & 0xff) != 0x08) {
    why = "IDX element type " + hex32((magic >> 8) & 0xff) + ", expected 0x08 (unsigned byte)";
  } else {
    why = std::to_string(magic & 0xff) + " dimension(s), expected " + std::to_string(want & 0xff) +
          std::string(" (") + kind + ")" +
          ((magic & 0xff) == 1 ? "; is this the labels file?"
                               : ((magic & 0xff) == 3 ? "; is this the images file?" : ""));
  }
  throw IdxError(s.path(), "magic " + hex32(magic) + " is not " + hex32(want) + ": " + why);
}

}  // namespace

IdxImages read_idx_images(const std::string& path) {
  IdxStream s(path);
  check_magic(s, 0x00000803, "images: count, rows, columns");
  IdxImages im;
  const uint32_t n = s.be32("the image count"), r = s.be32("the row count"),
                 c = s.be32("the column count");
  if (n == 0 || r == 0 || c == 0) {
    throw IdxError(path, "header says " + std::to_string(n) + " images of " + std::to_string(r) +
                             "x" + std::to_string(c) + "; every dimension must be at least 1");
  }
  const uint64_t bytes = uint64_t{n} * r * c;
  if (bytes > (uint64_t{1} << 31) || r > 65536 || c > 65536) {
    throw IdxError(path, "header says " + std::to_string(n) + " images of " + std::to_string(r) +
                             "x" + std::to_string(c) + " (" + std::to_string(bytes) +
                             " bytes), more than this reader accepts (2 GiB, 65536 per side)");
  }
  im.count = static_cast<int>(n);
  im.rows = static_cast<int>(r);
  im.cols = static_cast<int>(c);
  im.pixels.resize(static_cast<size_t>(bytes));
  s.read(im.pixels.data(), im.pixels.size(), "the pixels");
  s.expect_end();
  return im;
}

std::vector<uint8_t> read_idx_labels(const std::string& path) {
  IdxStream s(path);
  check_magic(s, 0x00000801, "labels: count");
  const uint32_t n = s.be32("the label count");
  if (n == 0 || n > (1u << 31)) {
    throw IdxError(path, "header says " + std::to_string(n) + " labels; expected 1..2^31");
  }
  std::vector<uint8_t> labels(n);
  s.read(labels.data(), labels.size(), "the labels");
  s.expect_end();
  return labels;
}

std::string default_fmnist_dir() {
  const char* env = std::getenv("FMNIST_DIR");
  return env != nullptr && *env != '\0' ? env : "/usr/share/datasets/fashion-mnist";
}

Dataset load_fmnist(const std::string& dir, const std::string& split, int classes) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    throw IdxError(dir,
                   "no such directory; install Debian's dataset-fashion-mnist "
                   "(scripts/setup.sh does) or set --data-dir / FMNIST_DIR");
  }
  auto pick = [&](const std::string& base) {
    const std::string gz = dir + "/" + base + ".gz";
    if (::stat(gz.c_str(), &st) == 0) return gz;
    const std::string plain = dir + "/" + base;
    if (::stat(plain.c_str(), &st) == 0) return plain;
    throw IdxError(gz, "missing (nor " + plain + "); the directory must hold the " + split +
                           " split of Fashion-MNIST (dataset-fashion-mnist)");
  };
  Dataset d;
  d.images_path = pick(split + "-images-idx3-ubyte");
  d.labels_path = pick(split + "-labels-idx1-ubyte");
  d.images = read_idx_images(d.images_path);
  d.labels = read_idx_labels(d.labels_path);
  if (static_cast<size_t>(d.images.count) != d.labels.size()) {
    throw IdxError(d.labels_path, "has " + std::to_string(d.labels.size()) + " labels but " +
                                      d.images_path + " has " + std::to_string(d.images.count) +
                                      " images; the two files belong to different splits");
  }
  for (size_t i = 0; i < d.labels.size(); ++i) {
    if (d.labels[i] >= classes) {
      throw IdxError(d.labels_path, "label " + std::to_string(i) + " is " +
                                        std::to_string(d.labels[i]) + ", outside 0.." +
                                        std::to_string(classes - 1));
    }
  }
  return d;
}

}  // namespace esc
