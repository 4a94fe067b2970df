#pragma once
namespace autost::apps {
// `autost data ...` (today: `autost data check`); argv[0] is "data".
int data_main(int argc, char** argv);
}
