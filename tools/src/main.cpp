// Placeholder until the CLI lands (next commit).
#include <cstdio>
int main() {
  std::fprintf(stderr, "escalate: not built yet\n");
  return 1;
}
