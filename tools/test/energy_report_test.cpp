// The energy part of the run report: JSON fields, text/Markdown lines, the sparse baseline and
// the energy SVG (parsed as XML, bars checked against the breakdown).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "esc/energy.hpp"
#include "esc/events.hpp"
#include "esc/report.hpp"
#include "esc/workload.hpp"

namespace esc {
namespace {

// A report layer with the events the RTL counters must produce (the golden prediction).
LayerReport energy_layer(const std::string& name, int C, int N, int HW, int K, bool rtl) {
  ModelLayer ml;
  ml.name = name;
  ml.C = C;
  ml.N = N;
  ml.H = ml.W = HW;
  ml.K = K;
  ml.pad = K / 2;
  ml.M = K == 1 ? 1 : 5;
  ml.density = 0.2;
  const IntLayer layer = make_model_layer(ml, 11, 0);
  LayerReport r;
  r.name = name;
  fill_golden_metrics(r, layer, HwCaps{});
  r.rtl = rtl;
  r.cycles = rtl ? 1000 : 0;
  r.checked = r.match = rtl;
  if (rtl) r.events = predict_events(layer, HwCaps{});
  return r;
}

RunReport energy_run() {
  RunReport rr;
  rr.model = "energy-test";
  rr.layers.push_back(energy_layer("a", 8, 16, 8, 3, true));
  rr.layers.push_back(energy_layer("b", 16, 32, 4, 1, true));
  rr.layers.push_back(energy_layer("c", 8, 8, 8, 3, false));  // golden-only: no events
  return rr;
}

TEST(EnergyReport, JsonCarriesEveryEngineAndTheRatios) {
  const RunReport rr = energy_run();
  const EnergyTable& t = default_energy_table();
  const nlohmann::json j = to_json(rr);
  double esc = 0, dense = 0, esc2 = 0, dense2 = 0;
  for (size_t i = 0; i < rr.layers.size(); ++i) {
    const LayerReport& l = rr.layers[i];
    const nlohmann::json& e = j["layers"][i]["energy"];
    const double d = reference_energy(dense_reference(l.cfg, rr.caps, t), t).total();
    EXPECT_NEAR(e["dense"]["total_pj"].get<double>(), d, 1e-6 * d) << l.name;
    ASSERT_TRUE(e["dense"].contains("tile"));
    EXPECT_TRUE(e["sparse"].is_null());
    if (!l.rtl) {
      EXPECT_TRUE(e["escalate"].is_null()) << "golden-only layer has no measured events";
      continue;
    }
    const EnergyBreakdown b = escalate_energy(l.events, rr.caps, t);
    ASSERT_GT(b.total(), 0.0);
    EXPECT_NEAR(e["escalate"]["total_pj"].get<double>(), b.total(), 1e-6 * b.total());
    EXPECT_NEAR(e["escalate"]["mac_pj"].get<double>() + e["escalate"]["sram_pj"].get<double>() +
                    e["escalate"]["dram_pj"].get<double>(),
                b.total(), 1e-6 * b.total());
    EXPECT_EQ(e["escalate"]["sram_by_memory_pj"].size(), static_cast<size_t>(kNumMems));
    EXPECT_NEAR(e["ratio_dense"].get<double>(), d / b.total(), 1e-9);
    const double b2 = escalate_energy(l.events, rr.caps, t, 2.0).total();
    const double d2 = reference_energy(dense_reference(l.cfg, rr.caps, t), t, 2.0).total();
    EXPECT_NEAR(e["ratio_dense_dram_x2"].get<double>(), d2 / b2, 1e-9);
    EXPECT_EQ(j["layers"][i]["events"]["cau_macs"].get<uint64_t>(), l.events.cau_macs);
    esc += b.total();
    dense += d;
    esc2 += b2;
    dense2 += d2;
  }
  // The network sums the RTL layers only.
  const nlohmann::json& n = j["energy"];
  EXPECT_EQ(n["rtl_layers"].get<int>(), 2);
  EXPECT_NEAR(n["escalate"]["total_pj"].get<double>(), esc, 1e-6 * esc);
  EXPECT_NEAR(n["dense"]["total_pj"].get<double>(), dense, 1e-6 * dense);
  EXPECT_NEAR(n["ratio_dense"].get<double>(), dense / esc, 1e-9);
  EXPECT_NEAR(n["dram_x2"]["ratio_dense"].get<double>(), dense2 / esc2, 1e-9);
  EXPECT_TRUE(n["sparse"].is_null());
  EXPECT_EQ(n["table"].get<std::string>(), "built-in");

  const std::string text = format_table(rr), md = to_markdown(rr);
  char ratio[64];
  std::snprintf(ratio, sizeof ratio, "%.2fx", dense / esc);
  EXPECT_NE(text.find(std::string("energy ratio dense / ESCALATE  ") + ratio), std::string::npos)
      << text;
  EXPECT_NE(md.find("## Energy per inference"), std::string::npos);
  EXPECT_NE(md.find(std::string("| dense reference | ")), std::string::npos) << md;
}

TEST(EnergyReport, SparseBaselineByLayerName) {
  RunReport rr = energy_run();
  const std::string path = ::testing::TempDir() + "/esc_baseline_test.json";
  {
    std::ofstream f(path);
    f << R"({"baselines": {"magnitude": {"layers": [
          {"name": "a", "nnz": 300, "dense": 1152, "storage_bits": 4200},
          {"name": "zz", "nnz": 1, "dense": 9, "storage_bits": 14}]}}})";
  }
  EXPECT_EQ(attach_sparse_baseline(rr, path), 1);
  EXPECT_EQ(rr.layers[0].sparse_nnz, 300);
  EXPECT_EQ(rr.layers[0].sparse_bits, 4200);
  const nlohmann::json j = to_json(rr);
  const nlohmann::json& s = j["layers"][0]["energy"]["sparse"];
  ASSERT_FALSE(s.is_null());
  EXPECT_EQ(s["events"]["macs"].get<uint64_t>(), 300u * 64);
  EXPECT_EQ(s["events"]["weight_bytes"].get<uint64_t>(), 525u);
  // Only one of the two RTL layers has a baseline: no network sparse total.
  EXPECT_TRUE(j["energy"]["sparse"].is_null());
  EXPECT_EQ(j["energy"]["sparse_layers"].get<int>(), 1);

  std::ofstream(path) << R"({"baselines": {"magnitude": {"layers": [
      {"name": "a", "nnz": 300, "dense": 1000, "storage_bits": 4200}]}}})";
  EXPECT_THROW(attach_sparse_baseline(rr, path), std::invalid_argument);
  std::remove(path.c_str());
}

// A small XML reader: every tag closes in order; returns the attributes of every element.
struct XmlElement {
  std::string name;
  std::map<std::string, std::string> attr;
};
bool parse_xml(const std::string& s, std::vector<XmlElement>& out, std::string& err) {
  std::vector<std::string> stack;
  size_t i = 0;
  while ((i = s.find('<', i)) != std::string::npos) {
    const size_t end = s.find('>', i);
    if (end == std::string::npos) return err = "unterminated tag", false;
    std::string tag = s.substr(i + 1, end - i - 1);
    i = end + 1;
    if (tag.empty()) return err = "empty tag", false;
    if (tag[0] == '/') {
      if (stack.empty() || stack.back() != tag.substr(1)) return err = "bad close " + tag, false;
      stack.pop_back();
      continue;
    }
    const bool self = tag.back() == '/';
    if (self) tag.pop_back();
    XmlElement e;
    e.name = tag.substr(0, tag.find_first_of(" \n\t"));
    // Attributes name="value" (no std::regex: GCC 12 at -O3 with the sanitizers reports a
    // false maybe-uninitialized inside it, which -Werror turns into a build failure).
    for (size_t p = e.name.size(); p < tag.size();) {
      const size_t eq = tag.find("=\"", p);
      if (eq == std::string::npos) break;
      const size_t name0 = tag.find_last_of(" \n\t", eq) + 1;
      const size_t close = tag.find('"', eq + 2);
      if (close == std::string::npos) return err = "unterminated attribute in <" + tag + ">", false;
      const std::string value = tag.substr(eq + 2, close - eq - 2);
      if (value.find('<') != std::string::npos) return err = "'<' in an attribute", false;
      e.attr[tag.substr(name0, eq - name0)] = value;
      p = close + 1;
    }
    out.push_back(e);
    if (!self) stack.push_back(e.name);
    // Character data up to the next tag must not hold a bare '&' or '>'.
    const size_t next = s.find('<', i);
    const std::string data = s.substr(i, next == std::string::npos ? std::string::npos : next - i);
    for (size_t k = data.find('&'); k != std::string::npos; k = data.find('&', k + 1)) {
      if (data.compare(k, 4, "&lt;") && data.compare(k, 4, "&gt;") && data.compare(k, 5, "&amp;") &&
          data.compare(k, 6, "&quot;")) {
        return err = "bare & in text", false;
      }
    }
  }
  if (!stack.empty()) return err = "unclosed <" + stack.back() + ">", false;
  return true;
}

TEST(EnergyReport, SvgIsWellFormedWithOneStackedBarPerEngine) {
  RunReport rr = energy_run();
  rr.model = "a<b>&c";  // must be escaped
  const std::string svg = to_energy_svg(rr);
  std::vector<XmlElement> els;
  std::string err;
  ASSERT_TRUE(parse_xml(svg, els, err)) << err << "\n" << svg;
  ASSERT_FALSE(els.empty());
  EXPECT_EQ(els[0].name, "svg");
  const RunEnergy n = rr.energy();
  const std::map<std::string, EnergyBreakdown> want = {{"ESCALATE", n.escalate},
                                                       {"dense", n.dense}};
  std::map<std::string, std::vector<XmlElement>> bars;
  for (const auto& e : els) {
    if (e.name == "rect" && e.attr.count("data-engine"))
      bars[e.attr.at("data-engine")].push_back(e);
  }
  ASSERT_EQ(bars.size(), want.size()) << svg;
  double px_per_pj = -1.0;
  for (const auto& [engine, rects] : bars) {
    ASSERT_EQ(rects.size(), 3u) << engine;
    const EnergyBreakdown& b = want.at(engine);
    const double parts[3] = {b.mac, b.sram, b.dram};
    for (int k = 0; k < 3; ++k) {
      const XmlElement& r = rects[static_cast<size_t>(k)];
      EXPECT_EQ(r.attr.at("data-term"), energy_term_name(static_cast<EnergyTerm>(k)));
      EXPECT_NEAR(std::stod(r.attr.at("data-pj")), parts[k], 1e-5 * parts[k] + 1e-9);
      // Heights are proportional to energy, with one scale for every bar.
      const double h = std::stod(r.attr.at("height"));
      if (parts[k] > 0) {
        if (px_per_pj < 0) px_per_pj = h / parts[k];
        EXPECT_NEAR(h / parts[k], px_per_pj, 1e-4 * px_per_pj) << engine << " " << k;
      }
      // Stacked: each part sits on the one below it.
      if (k > 0) {
        const XmlElement& below = rects[static_cast<size_t>(k - 1)];
        EXPECT_NEAR(std::stod(r.attr.at("y")) + h, std::stod(below.attr.at("y")), 1e-3);
      }
    }
  }
  EXPECT_NE(svg.find("a&lt;b&gt;&amp;c"), std::string::npos);
  // With a baseline for every RTL layer a third bar appears.
  rr.layers[0].sparse_nnz = rr.layers[1].sparse_nnz = 100;
  rr.layers[0].sparse_bits = rr.layers[1].sparse_bits = 1400;
  els.clear();
  ASSERT_TRUE(parse_xml(to_energy_svg(rr), els, err)) << err;
  int sparse = 0;
  for (const auto& e : els)
    sparse += e.attr.count("data-engine") && e.attr.at("data-engine") == "sparse";
  EXPECT_EQ(sparse, 3);
}

}  // namespace
}  // namespace esc
