#pragma once
#include <ostream>

namespace autost::apps {
// `autost search --space FILE.yaml --out DIR ...`: AutoST's evolutionary search (argv[0] is
// "search"). The report goes to `out` (std::cout from the command line; tests capture it).
int search_main(int argc, char** argv, std::ostream& out);
int search_main(int argc, char** argv);
}  // namespace autost::apps
