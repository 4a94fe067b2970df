#pragma once
#include <ostream>

namespace autost::apps {
// `autost count --arch FILE.yaml ...`: parameters and op counts of an architecture (argv[0] is
// "count"). The report goes to `out` (std::cout from the command line; tests capture it).
int count_main(int argc, char** argv, std::ostream& out);
int count_main(int argc, char** argv);
}  // namespace autost::apps
