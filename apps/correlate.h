#pragma once
#include <ostream>

namespace autost::apps {
// `autost correlate --space FILE.yaml --recipe FILE.yaml --n N --out DIR ...`: the correlation
// study (SPEC.md §3.6): N random candidates of a space, every proxy of each, each trained with a
// recipe, and Kendall's tau and Spearman's rho of each proxy against the trained top-1 (argv[0] is
// "correlate"). The report goes to `out` (std::cout from the command line; tests capture it).
int correlate_main(int argc, char** argv, std::ostream& out);
int correlate_main(int argc, char** argv);
}  // namespace autost::apps
