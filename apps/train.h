#pragma once
namespace autost::apps {
// `autost train ...`; argv[0] is "train".
int train_main(int argc, char** argv);
}
