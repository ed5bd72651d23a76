// Writes seeded random layers and their golden results as .npy files, for the NumPy check of
// docs/semantics.md (test/check_numpy_reference.py). Usage: esc_golden_dump <dir> <seed> <count>
#include <cstdlib>
#include <iostream>
#include <string>

#include "esc/layer.hpp"
#include "esc/npy.hpp"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: esc_golden_dump <dir> <seed> <count>\n";
    return 2;
  }
  const std::string dir = argv[1];
  esc::SplitMix64 rng(std::strtoull(argv[2], nullptr, 0));
  const int count = std::atoi(argv[3]);
  const int ks[4] = {1, 3, 5, 7};
  for (int t = 0; t < count; ++t) {
    esc::LayerConfig c;
    c.K = ks[rng.uniform(0, 3)];
    c.stride = int(rng.uniform(1, 2));
    c.pad_t = int(rng.uniform(0, c.K - 1));
    c.pad_b = int(rng.uniform(0, c.K - 1));
    c.pad_l = int(rng.uniform(0, c.K - 1));
    c.pad_r = int(rng.uniform(0, c.K - 1));
    c.C = int(rng.uniform(1, 6));
    c.N = int(rng.uniform(1, 9));
    c.H = int(rng.uniform(c.K, c.K + 7));
    c.W = int(rng.uniform(c.K, c.K + 7));
    c.M = int(rng.uniform(1, 8));
    c.coef_w = rng.uniform(0, 1) ? 8 : 4;
    c.relu = rng.uniform(0, 1) != 0;
    c.basis_per_channel = c.C > 1 && rng.uniform(0, 2) == 0;
    esc::IntLayer L = esc::make_random_layer(c, rng.uniform01(), rng.next());
    if (t % 3 == 0) L.cfg.zshift = int(rng.uniform(0, 12));  // exercise Zq saturation
    const esc::IntResult r = esc::run_int(L);
    const std::string p = dir + "/case" + std::to_string(t) + "_";
    esc::write_npy(p + "x.npy", esc::from_tensor(L.x));
    esc::write_npy(p + "basis.npy", esc::from_tensor(L.basis));
    esc::write_npy(p + "coef.npy", esc::from_tensor(L.coef));
    esc::write_npy(p + "bias.npy", esc::from_vector(L.rq.bias));
    esc::write_npy(p + "mult.npy", esc::from_vector(L.rq.mult));
    esc::write_npy(p + "shift.npy", esc::from_vector(L.rq.shift));
    const std::vector<int32_t> cfg = {L.cfg.K,     L.cfg.stride, L.cfg.pad_t,  L.cfg.pad_b,
                                      L.cfg.pad_l, L.cfg.pad_r,  L.cfg.zshift, L.cfg.relu};
    esc::write_npy(p + "cfg.npy", esc::from_vector(cfg));
    esc::write_npy(p + "y.npy", esc::from_tensor(r.y));
    esc::write_npy(p + "acc.npy", esc::from_tensor(r.acc));
  }
  std::cout << "wrote " << count << " cases to " << dir << "\n";
  return 0;
}
