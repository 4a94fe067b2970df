#pragma once
namespace autost::apps {
// `autost bench ...`; argv[0] is "bench".
int bench_main(int argc, char** argv);
}
