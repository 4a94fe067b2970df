#pragma once
namespace autost::apps {
// `autost eval ...`; argv[0] is "eval".
int eval_main(int argc, char** argv);
}
