// Parser of the plain-text model format (models/README.md).
#include "esc/model_file.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace esc {

#ifndef ESC_MODELS_DIR
#define ESC_MODELS_DIR "models"
#endif

namespace {

std::string error_text(const std::string& file, int line, const std::string& field,
                       const std::string& msg) {
  std::string s = file;
  if (line > 0) s += ":" + std::to_string(line);
  s += ": ";
  if (!field.empty()) s += "field '" + field + "': ";
  return s + msg;
}

// Printable excerpt of an offending token (no control bytes, bounded length).
std::string quote(const std::string& tok) {
  std::string s;
  for (char ch : tok.substr(0, 40)) {
    unsigned char u = static_cast<unsigned char>(ch);
    s += (u >= 0x20 && u < 0x7f) ? ch : '?';
  }
  if (tok.size() > 40) s += "...";
  return "'" + s + "'";
}

bool file_exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string normalise(std::string s) {
  for (char& ch : s) {
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (ch == '-') ch = '_';
  }
  return s;
}

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

class LineParser {
 public:
  LineParser(const std::string& file, int line) : file_(file), line_(line) {}

  [[noreturn]] void fail(const std::string& field, const std::string& msg) const {
    throw ModelError(file_, line_, field, msg);
  }

  int integer(const std::string& field, const std::string& tok, int lo, int hi,
              const std::string& meaning) const {
    int v = 0;
    const char* b = tok.data();
    const char* e = tok.data() + tok.size();
    auto [p, ec] = std::from_chars(b, e, v);
    if (ec != std::errc() || p != e || tok.empty() || tok[0] == '-' || tok[0] == '+') {
      fail(field, "got " + quote(tok) + ", expected a whole number in " + std::to_string(lo) +
                      ".." + std::to_string(hi) + " (" + meaning + ")");
    }
    if (v < lo || v > hi) {
      fail(field, "got " + tok + ", expected " + std::to_string(lo) + ".." + std::to_string(hi) +
                      " (" + meaning + ")");
    }
    return v;
  }

  double fraction(const std::string& field, const std::string& tok) const {
    std::string t = tok;
    bool percent = !t.empty() && t.back() == '%';
    if (percent) t.pop_back();
    bool ok = !t.empty();
    for (char ch : t) ok = ok && (std::isdigit(static_cast<unsigned char>(ch)) || ch == '.');
    double v = 0.0;
    if (ok) {
      char* end = nullptr;
      v = std::strtod(t.c_str(), &end);
      ok = end == t.c_str() + t.size() && std::isfinite(v);
    }
    if (!ok) {
      fail(field, "got " + quote(tok) +
                      ", expected a fraction such as 0.08 or a percentage such as 8% "
                      "(share of the N*C*M coefficients that are nonzero)");
    }
    if (percent) v /= 100.0;
    if (!(v > 0.0 && v <= 1.0)) {
      fail(field, "got " + tok + ", expected a density in (0, 1] (or (0%, 100%])");
    }
    return v;
  }

 private:
  std::string file_;
  int line_;
};

}  // namespace

ModelError::ModelError(const std::string& f, int l, const std::string& fld, const std::string& msg)
    : std::runtime_error(error_text(f, l, fld, msg)), file(f), line(l), field(fld) {}

const std::vector<std::string>& model_fields() {
  static const std::vector<std::string> f = {"name", "C",      "N",   "H", "W",
                                             "K",    "stride", "pad", "M", "density"};
  return f;
}

Model parse_model(const std::string& text, const std::string& file) {
  Model model;
  model.path = file;
  {
    size_t slash = file.find_last_of('/');
    std::string stem = slash == std::string::npos ? file : file.substr(slash + 1);
    size_t dot = stem.find_last_of('.');
    if (dot != std::string::npos && dot > 0) stem = stem.substr(0, dot);
    model.name = stem;
  }
  const auto& fields = model_fields();
  std::set<std::string> names;
  std::istringstream in(text);
  std::string raw;
  int lineno = 0;
  while (std::getline(in, raw)) {
    ++lineno;
    LineParser lp(file, lineno);
    if (raw.find('\0') != std::string::npos)
      lp.fail("", "contains a NUL byte; is this a text file?");
    size_t hash = raw.find('#');
    std::string body = trim(hash == std::string::npos ? raw : raw.substr(0, hash));
    if (body.empty()) continue;
    std::istringstream ls(body);
    std::vector<std::string> tok;
    std::string t;
    while (ls >> t) tok.push_back(t);
    if (tok.size() < fields.size()) {
      lp.fail(fields[tok.size()], "missing (line has " + std::to_string(tok.size()) + " of " +
                                      std::to_string(fields.size()) +
                                      " fields); expected: name C N H W K stride pad M density");
    }
    if (tok.size() > fields.size()) {
      lp.fail("(extra)", "unexpected field " + quote(tok[fields.size()]) + " in column " +
                             std::to_string(fields.size() + 1) +
                             "; a layer line has exactly 10 fields, use '#' for comments");
    }
    ModelLayer L;
    L.line = lineno;
    L.name = tok[0];
    for (char ch : L.name) {
      bool ok = std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.' ||
                ch == '-' || ch == '/';
      if (!ok) lp.fail("name", "got " + quote(L.name) + ", use only letters, digits and _ . - /");
    }
    if (std::isdigit(static_cast<unsigned char>(L.name[0]))) {
      lp.fail("name", "got " + quote(L.name) +
                          ", a layer name must not start with a digit (digits select by index)");
    }
    if (!names.insert(L.name).second) {
      lp.fail("name", "duplicate layer name " + quote(L.name) + "; names must be unique");
    }
    L.C = lp.integer("C", tok[1], 1, 16384, "input channels");
    L.N = lp.integer("N", tok[2], 1, 16384, "output channels");
    L.H = lp.integer("H", tok[3], 1, 4096, "input height");
    L.W = lp.integer("W", tok[4], 1, 4096, "input width");
    L.K = lp.integer("K", tok[5], 1, 7, "kernel size");
    if (L.K % 2 == 0) lp.fail("K", "got " + tok[5] + ", expected 1, 3, 5 or 7 (kernel size)");
    L.stride = lp.integer("stride", tok[6], 1, 2, "stride");
    L.pad = lp.integer("pad", tok[7], 0, L.K - 1, "zero padding, at most K-1");
    L.M = lp.integer("M", tok[8], 1, std::min(64, L.K * L.K),
                     "bases per layer, at most K*K; 1x1 layers use M=1");
    L.density = lp.fraction("density", tok[9]);
    if (L.H + 2 * L.pad < L.K) lp.fail("H", "H + 2*pad is smaller than K: no output rows");
    if (L.W + 2 * L.pad < L.K) lp.fail("W", "W + 2*pad is smaller than K: no output columns");
    model.layers.push_back(L);
  }
  if (model.layers.empty()) {
    throw ModelError(file, lineno, "",
                     "no layer lines; expected lines of: name C N H W K stride pad M density");
  }
  return model;
}

Model load_model(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    throw ModelError(
        path, 0, "",
        "cannot open the file; check the path (built-in models live in " + models_dir() + ")");
  }
  std::ostringstream ss;
  ss << f.rdbuf();
  return parse_model(ss.str(), path);
}

std::string models_dir() {
  const char* env = std::getenv("ESC_MODELS_DIR");
  if (env != nullptr && *env != '\0') return env;
  return ESC_MODELS_DIR;
}

std::vector<std::string> list_models(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n.size() > 4 && n.compare(n.size() - 4, 4, ".txt") == 0)
      out.push_back(n.substr(0, n.size() - 4));
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::string resolve_model(const std::string& name_or_file, const std::string& dir) {
  if (file_exists(name_or_file)) return name_or_file;
  const std::string want = normalise(name_or_file);
  for (const auto& n : list_models(dir)) {
    if (normalise(n) == want) return dir + "/" + n + ".txt";
  }
  std::string avail;
  for (const auto& n : list_models(dir)) avail += (avail.empty() ? "" : ", ") + n;
  throw std::invalid_argument("--model: '" + name_or_file +
                              "' is neither a file nor a built-in model; built-in models (in " +
                              dir + "): " + (avail.empty() ? "(none found)" : avail));
}

std::vector<size_t> select_layers(const Model& model, const std::string& list) {
  std::vector<bool> pick(model.layers.size(), false);
  std::stringstream ss(list);
  std::string item;
  bool any = false;
  auto index_of = [&](const std::string& s, size_t& out) {
    if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c));
        }))
      return false;
    if (s.size() > 9) return false;
    out = static_cast<size_t>(std::stoul(s));
    return out < model.layers.size();
  };
  while (std::getline(ss, item, ',')) {
    item = trim(item);
    if (item.empty()) continue;
    bool found = false;
    for (size_t i = 0; i < model.layers.size(); ++i) {
      if (model.layers[i].name == item) {
        pick[i] = true;
        found = true;
      }
    }
    size_t a = 0, b = 0;
    if (!found && index_of(item, a)) {
      pick[a] = true;
      found = true;
    }
    size_t dash = item.find('-');
    if (!found && dash != std::string::npos && index_of(item.substr(0, dash), a) &&
        index_of(item.substr(dash + 1), b) && a <= b) {
      for (size_t i = a; i <= b; ++i) pick[i] = true;
      found = true;
    }
    if (!found) {
      throw std::invalid_argument("--layers: '" + item + "' is not a layer name, an index 0.." +
                                  std::to_string(model.layers.size() - 1) +
                                  " or a range a-b of model " + model.name +
                                  " (see 'escalate run --model " + model.name + " --list')");
    }
    any = true;
  }
  if (!any)
    throw std::invalid_argument("--layers: empty list; give names or indices, e.g. 0,2-4,conv1");
  std::vector<size_t> out;
  for (size_t i = 0; i < pick.size(); ++i)
    if (pick[i]) out.push_back(i);
  return out;
}

int64_t expected_nnz(const ModelLayer& L) {
  return std::llround(L.density * static_cast<double>(L.N) * L.C * L.M);
}

ModelMacs expected_macs(const ModelLayer& L) {
  ModelMacs m;
  const int64_t px = static_cast<int64_t>(L.Ho()) * L.Wo();
  m.nnz = expected_nnz(L);
  m.basis = static_cast<int64_t>(L.C) * L.M * L.K * L.K * px;
  m.coef = m.nnz * px;
  m.useful = m.basis + m.coef;
  m.dense = static_cast<int64_t>(L.N) * L.C * L.K * L.K * px;
  return m;
}

ModelMacs expected_macs(const Model& model) {
  // Saturating sums: a (fuzzed) file of many huge layers must not overflow int64.
  auto add = [](int64_t& acc, int64_t v) {
    if (__builtin_add_overflow(acc, v, &acc)) acc = INT64_MAX;
  };
  ModelMacs t;
  for (const auto& L : model.layers) {
    ModelMacs m = expected_macs(L);
    add(t.nnz, m.nnz);
    add(t.basis, m.basis);
    add(t.coef, m.coef);
    add(t.useful, m.useful);
    add(t.dense, m.dense);
  }
  return t;
}

}  // namespace esc
