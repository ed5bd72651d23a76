// .npy reader/writer (NumPy format versions 1.0, 2.0, 3.0).
#include "esc/npy.hpp"

#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <limits>

namespace esc {

namespace {

struct DtypeInfo {
  const char* name;
  const char* descr;  // as written by NumPy on a little-endian host
  int bytes;
};

constexpr DtypeInfo kDtypes[] = {
    {"int8", "|i1", 1},    {"uint8", "|u1", 1},   {"int16", "<i2", 2}, {"uint16", "<u2", 2},
    {"int32", "<i4", 4},   {"uint32", "<u4", 4},  {"int64", "<i8", 8}, {"uint64", "<u8", 8},
    {"float32", "<f4", 4}, {"float64", "<f8", 8},
};

[[noreturn]] void fail(const std::string& name, const std::string& problem,
                       const std::string& fix) {
  throw NpyError(name + ": " + problem + "; " + fix);
}

const DtypeInfo* from_descr(std::string d) {
  // NumPy writes "|i1" for bytes; accept "<i1" and "i1" too. '=' means native (little-endian).
  if (!d.empty() && (d[0] == '|' || d[0] == '<' || d[0] == '=')) d = d.substr(1);
  for (const auto& t : kDtypes) {
    if (d == std::string(t.descr).substr(1)) return &t;
  }
  return nullptr;
}

// Value of key `key` in the header dict, as raw text up to the next top-level ',' or '}'.
std::string dict_value(const std::string& h, const std::string& key, const std::string& name) {
  size_t k = h.find("'" + key + "'");
  if (k == std::string::npos) k = h.find("\"" + key + "\"");
  if (k == std::string::npos)
    fail(name, "header has no '" + key + "' key", "write the file with numpy.save");
  size_t p = h.find(':', k + key.size() + 2);
  if (p == std::string::npos) fail(name, "malformed header near '" + key + "'", "re-save it");
  ++p;
  while (p < h.size() && std::isspace(static_cast<unsigned char>(h[p]))) ++p;
  size_t e = p;
  if (p < h.size() && h[p] == '(') {
    e = h.find(')', p);
    if (e == std::string::npos) fail(name, "unterminated shape tuple", "re-save it");
    return h.substr(p, e - p + 1);
  }
  while (e < h.size() && h[e] != ',' && h[e] != '}') ++e;
  std::string v = h.substr(p, e - p);
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.pop_back();
  return v;
}

}  // namespace

int64_t NpyArray::size() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

int dtype_bytes(const std::string& dtype) {
  for (const auto& t : kDtypes) {
    if (dtype == t.name) return t.bytes;
  }
  throw NpyError("unsupported dtype '" + dtype +
                 "'; use one of int8, uint8, int16, uint16, int32, uint32, int64, uint64, "
                 "float32, float64");
}

NpyArray parse_npy(const uint8_t* bytes, size_t size, const std::string& name) {
  static const uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (size < 10 || std::memcmp(bytes, kMagic, 6) != 0)
    fail(name, "not a .npy file (bad magic)", "save the array with numpy.save");
  const int major = bytes[6];
  size_t hlen, off;
  if (major == 1) {
    hlen = size_t{bytes[8]} | (size_t{bytes[9]} << 8);
    off = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) fail(name, "truncated header", "re-save the file");
    hlen = size_t{bytes[8]} | (size_t{bytes[9]} << 8) | (size_t{bytes[10]} << 16) |
           (size_t{bytes[11]} << 24);
    off = 12;
  } else {
    fail(name, "unsupported format version " + std::to_string(major),
         "save with numpy.save (format 1.0, 2.0 or 3.0)");
  }
  if (hlen > size - off) fail(name, "header length exceeds the file size", "re-save the file");
  const std::string h(reinterpret_cast<const char*>(bytes + off), hlen);
  off += hlen;

  NpyArray a;
  std::string descr = dict_value(h, "descr", name);
  if (descr.size() < 2 || (descr.front() != '\'' && descr.front() != '"') ||
      descr.back() != descr.front())
    fail(name, "descr " + descr + " is not a simple dtype string",
         "save a plain numeric array (no structured dtypes)");
  descr = descr.substr(1, descr.size() - 2);
  if (!descr.empty() && descr[0] == '>')
    fail(name, "big-endian dtype " + descr, "convert with arr.astype(arr.dtype.newbyteorder('<'))");
  const DtypeInfo* dt = from_descr(descr);
  if (!dt)
    fail(name, "unsupported dtype " + descr,
         "convert to an integer dtype (int8 .. int64, uint8 .. uint64), float32 or float64");
  a.dtype = dt->name;

  const std::string fo = dict_value(h, "fortran_order", name);
  if (fo == "True")
    fail(name, "array is in Fortran order", "save np.ascontiguousarray(arr) instead");
  if (fo != "False") fail(name, "bad fortran_order value " + fo, "re-save the file");

  const std::string shp = dict_value(h, "shape", name);
  if (shp.size() < 2 || shp.front() != '(' || shp.back() != ')')
    fail(name, "bad shape " + shp, "re-save the file");
  int64_t count = 1;
  size_t p = 1;
  const int64_t kMaxElems = int64_t{1} << 40;
  while (p < shp.size() - 1) {
    while (p < shp.size() - 1 &&
           (std::isspace(static_cast<unsigned char>(shp[p])) || shp[p] == ','))
      ++p;
    if (p >= shp.size() - 1) break;
    if (!std::isdigit(static_cast<unsigned char>(shp[p])))
      fail(name, "bad shape " + shp, "re-save the file");
    int64_t d = 0;
    while (p < shp.size() - 1 && std::isdigit(static_cast<unsigned char>(shp[p]))) {
      d = d * 10 + (shp[p] - '0');
      if (d > kMaxElems) fail(name, "dimension too large in shape " + shp, "split the array");
      ++p;
    }
    if (p < shp.size() - 1 && shp[p] == 'L') ++p;  // Python 2 long suffix
    a.shape.push_back(d);
    if (d != 0 && count > kMaxElems / d) fail(name, "array too large: " + shp, "split the array");
    count *= d;
  }
  const size_t need = static_cast<size_t>(count) * static_cast<size_t>(dt->bytes);
  if (size - off < need)
    fail(name,
         "truncated data: " + std::to_string(size - off) + " bytes for shape " + shp + " needs " +
             std::to_string(need),
         "re-copy or re-save the file");
  if (size - off > need)
    fail(name, std::to_string(size - off - need) + " trailing bytes after the data",
         "re-save the file with numpy.save");
  a.data.assign(bytes + off, bytes + off + need);
  return a;
}

NpyArray read_npy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail(path, "cannot open", "check the path and permissions");
  std::vector<uint8_t> buf((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) fail(path, "read error", "check the file");
  return parse_npy(buf.data(), buf.size(), path);
}

std::vector<uint8_t> serialize_npy(const NpyArray& a) {
  const int bytes = dtype_bytes(a.dtype);
  const DtypeInfo* dt = nullptr;
  for (const auto& t : kDtypes) {
    if (a.dtype == t.name) dt = &t;
  }
  int64_t count = 1;
  for (int64_t d : a.shape) {
    if (d < 0) throw NpyError("serialize_npy: negative dimension");
    count *= d;
  }
  if (a.data.size() != static_cast<size_t>(count) * static_cast<size_t>(bytes))
    throw NpyError("serialize_npy: data has " + std::to_string(a.data.size()) +
                   " bytes but the shape needs " + std::to_string(count * bytes));
  std::string h = std::string("{'descr': '") + dt->descr + "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < a.shape.size(); ++i) {
    h += std::to_string(a.shape[i]);
    if (a.shape.size() == 1 || i + 1 < a.shape.size()) h += ",";
    if (i + 1 < a.shape.size()) h += " ";
  }
  h += "), }";
  size_t pre = 10;
  int major = 1;
  if (h.size() + 1 + 64 > 65535) {
    major = 2;
    pre = 12;
  }
  while ((pre + h.size() + 1) % 64 != 0) h += ' ';
  h += '\n';
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<uint8_t>(major), 0};
  const size_t hl = h.size();
  out.push_back(static_cast<uint8_t>(hl & 0xff));
  out.push_back(static_cast<uint8_t>((hl >> 8) & 0xff));
  if (major == 2) {
    out.push_back(static_cast<uint8_t>((hl >> 16) & 0xff));
    out.push_back(static_cast<uint8_t>((hl >> 24) & 0xff));
  }
  out.insert(out.end(), h.begin(), h.end());
  out.insert(out.end(), a.data.begin(), a.data.end());
  return out;
}

void write_npy(const std::string& path, const NpyArray& a) {
  const std::vector<uint8_t> bytes = serialize_npy(a);
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) fail(path, "cannot create " + tmp, "check that the directory exists and is writable");
    f.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
    f.close();
    if (!f) {
      std::remove(tmp.c_str());
      fail(path, "write failed", "check free disk space");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    fail(path, "cannot rename " + tmp + " into place", "check permissions of the directory");
  }
}

std::vector<int64_t> npy_integers(const NpyArray& a, const std::string& name) {
  const int64_t n = a.size();
  int bytes = 0;
  bool is_signed = true;
  if (a.dtype == "int8" || a.dtype == "int16" || a.dtype == "int32" || a.dtype == "int64") {
    bytes = dtype_bytes(a.dtype);
  } else if (a.dtype == "uint8" || a.dtype == "uint16" || a.dtype == "uint32" ||
             a.dtype == "uint64") {
    bytes = dtype_bytes(a.dtype);
    is_signed = false;
  } else {
    throw NpyError(name + ": dtype is " + a.dtype +
                   ", expected an integer dtype; convert it, e.g. numpy: arr.astype(np.int8) "
                   "(after checking that the values are whole numbers)");
  }
  if (n < 0 || a.data.size() != static_cast<size_t>(n) * static_cast<size_t>(bytes)) {
    throw NpyError(name + ": data size does not match the shape");
  }
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    uint64_t u = 0;  // little-endian bytes
    for (int b = 0; b < bytes; ++b) {
      u |= uint64_t{a.data[static_cast<size_t>(i * bytes + b)]} << (8 * b);
    }
    if (is_signed && bytes < 8 && (u >> (8 * bytes - 1)) != 0) {
      u |= ~uint64_t{0} << (8 * bytes);  // sign-extend
    }
    if (!is_signed && u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      throw NpyError(name + ": element " + std::to_string(i) + " = " + std::to_string(u) +
                     " is larger than any value this tool accepts");
    }
    v[static_cast<size_t>(i)] = static_cast<int64_t>(u);
  }
  return v;
}

}  // namespace esc
