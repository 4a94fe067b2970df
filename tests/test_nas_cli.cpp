// `autost count` and `autost search`, run in-process: the JSON shapes, the numbers they carry, the
// files search writes, and one-line errors for bad usage.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include <unistd.h>

#include "apps/count.h"
#include "apps/proxy_data.h"
#include "apps/search.h"
#include "apps/train/datasets.h"
#include "data/cifar.h"
#include "data/mnist.h"
#include "nas/cost_model.h"
#include "nas/genome.h"
#include "nas/instrument.h"
#include "spiking/model.h"
#include "tensor/atomic_file.h"
#include "tensor/error.h"
#include "tensor/random.h"

using namespace autost;

namespace {

const std::string kSpaces = std::string(AUTOST_FIXTURES_DIR) + "/../../nas/spaces/";

// Runs a subcommand's main on these arguments (argv[0] is the subcommand) and returns its stdout.
template <class Main>
std::string run(Main main, std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::ostringstream out;
  const int rc = main(static_cast<int>(argv.size()), argv.data(), out);  // errors throw, as apps/main.cpp expects
  CHECK(rc == 0);
  return out.str();
}

int count(int argc, char** argv, std::ostream& out) { return apps::count_main(argc, argv, out); }
int search(int argc, char** argv, std::ostream& out) { return apps::search_main(argc, argv, out); }

std::set<std::string> keys(const nlohmann::json& j) {
  std::set<std::string> k;
  for (auto it = j.begin(); it != j.end(); ++it) k.insert(it.key());
  return k;
}

struct TempDir {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("autost_nas_cli_" + std::to_string(::getpid()));
  TempDir() { std::filesystem::create_directories(path); }
  ~TempDir() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST_CASE("autost count --json prints {params, syops_flops, full_flops}") {
  TempDir tmp;
  const std::string file = (tmp.path / "config_1.yaml").string();
  nas::Genome g{3, {3, 3, 3}, {4, 8, 8}, 512};
  write_file_atomic(file, nas::candidate_to_yaml(nas::CandidateRecord{g, 5.36, 11.865, 5.36}));
  nlohmann::json j = nlohmann::json::parse(run(count, {"count", "--arch", file, "--json"}));
  CHECK(keys(j) == std::set<std::string>{"params", "syops_flops", "full_flops"});
  const spiking::ArchConfig arch = nas::to_arch(g);
  CHECK(j["params"].get<int64_t>() == nas::count_parameters(arch));
  CHECK(j["syops_flops"].get<double>() == nas::syops_flops(arch));
  CHECK(j["full_flops"].get<double>() == nas::full_flops(arch));
  CHECK(std::abs(j["syops_flops"].get<double>() / 1e9 - 5.3605) < 5e-5);

  // Input overrides, and a preset name instead of a file.
  spiking::ArchConfig small = arch;
  small.num_classes = 10;
  small.img_size = 28;
  small.in_channels = 1;
  small.T = 2;
  j = nlohmann::json::parse(
      run(count, {"count", "--arch", file, "--classes", "10", "--img", "28", "--in-ch", "1", "--T", "2", "--json"}));
  CHECK(j["params"].get<int64_t>() == nas::count_parameters(small));
  CHECK(j["syops_flops"].get<double>() == nas::syops_flops(small));
  j = nlohmann::json::parse(run(count, {"count", "--arch", "spikformer-4-384", "--json", "--layers"}));
  CHECK(j["params"].get<int64_t>() == nas::count_parameters(spiking::arch_preset("spikformer-4-384")));
  REQUIRE(j["layers"].is_array());
  CHECK(j["layers"].front()["name"] == "patch_embed.proj_conv");
  CHECK(keys(j["layers"].front()) == std::set<std::string>{"name", "kind", "input", "ops", "syops"});

  const std::string text = run(count, {"count", "--arch", file});
  CHECK(text.find("parameters") != std::string::npos);
  CHECK(text.find("syops FLOPs") != std::string::npos);
  CHECK(run(count, {"count", "--help"}).find("usage: autost count") == 0);
}

TEST_CASE("autost count --firing adds firing rates, SOPs and both energies") {
  TempDir tmp;
  const std::string file = (tmp.path / "small.yaml").string();
  const nas::Genome g{2, {3, 4}, {4, 8}, 32};
  write_file_atomic(file, nas::candidate_to_yaml(nas::CandidateRecord{g, 0, 0, 0}));
  nlohmann::json j =
      nlohmann::json::parse(run(count, {"count", "--arch", file, "--img", "16", "--firing", "--batch", "2", "--seed", "3", "--json"}));
  CHECK(keys(j) == std::set<std::string>{"params", "syops_flops", "full_flops", "firing_rates", "sops",
                                         "energy_mj_spikformer", "energy_mj_syops"});
  // One rate per neuron layer, named by module path.
  const spiking::ArchConfig arch = nas::to_arch(g, nas::InputSpec{16, 3, 100, 4});
  std::set<std::string> neurons;
  for (const auto& l : nas::layer_costs(arch))
    if (l.kind == nas::LayerKind::Neuron) neurons.insert(l.name);
  CHECK(keys(j["firing_rates"]) == neurons);
  for (auto it = j["firing_rates"].begin(); it != j["firing_rates"].end(); ++it)
    CHECK((it->get<double>() >= 0 && it->get<double>() <= 1));
  // The same numbers as the library's, for the same seed and batch.
  Generator gen(3);
  auto model = spiking::build_model(arch, &gen);
  model->eval();
  const nas::ForwardRecord r = nas::instrumented_forward(*model, ones({2, 3, 16, 16}));
  const nas::EnergyEstimate e = nas::estimate_energy(arch, r.input_rates, true, 2);
  CHECK(j["sops"].get<double>() == e.sops);
  CHECK(j["energy_mj_spikformer"].get<double>() == e.spikformer_mj);
  CHECK(j["energy_mj_syops"].get<double>() == e.syops_mj);
  CHECK(e.syops_mj > 0);
  const std::string text = run(count, {"count", "--arch", file, "--img", "16", "--firing", "--batch", "2"});
  CHECK(text.find("block.1.mlp.fc2_lif") != std::string::npos);
  CHECK(text.find("mJ") != std::string::npos);
  CHECK_THROWS_WITH_AS(run(count, {"count", "--arch", file, "--batch", "2"}), doctest::Contains("go with --firing"), Error);
}

TEST_CASE("autost count: bad usage is one autost::Error line") {
  CHECK_THROWS_WITH_AS(run(count, {"count"}), doctest::Contains("--arch is required"), Error);
  CHECK_THROWS_WITH_AS(run(count, {"count", "--arch", "spikformer-4-384", "--bogus"}),
                       doctest::Contains("unknown option '--bogus'"), Error);
  CHECK_THROWS_WITH_AS(run(count, {"count", "--arch", "/no/such.yaml"}), doctest::Contains("/no/such.yaml"), Error);
  CHECK_THROWS_WITH_AS(run(count, {"count", "--arch", "autost-4-384", "--img", "30"}),
                       doctest::Contains("image size 30"), Error);
  CHECK_THROWS_WITH_AS(run(count, {"count", "--arch", "autost-4-384", "--T", "0"}),
                       doctest::Contains("--T wants a positive integer"), Error);
}

TEST_CASE("autost search --json prints {best, score, params, evaluated, seconds} and writes the ranking") {
  TempDir tmp;
  const std::string out = (tmp.path / "run").string();
  nlohmann::json j = nlohmann::json::parse(run(search, {"search", "--space", kSpaces + "small.yaml", "--param-min", "11",
                                                         "--param-max", "12", "--seed", "0", "--out", out,
                                                         "--generations", "3", "--json"}));
  CHECK(keys(j) == std::set<std::string>{"best", "score", "params", "evaluated", "seconds"});
  CHECK(keys(j["best"]) == std::set<std::string>{"DEPTH", "EMBED_DIM", "MLP_RATIO", "NUM_HEADS"});
  CHECK(j["evaluated"].get<int64_t>() == 50 + 3 * 50);
  CHECK(j["seconds"].get<double>() >= 0);
  // The best is config_1.yaml, and its numbers are the cost model's.
  nas::CandidateRecord first = nas::parse_candidate_yaml(read_file(out + "/config_1.yaml"), "config_1.yaml");
  CHECK(j["best"]["DEPTH"].get<int64_t>() == first.genome.depth);
  CHECK(j["best"]["EMBED_DIM"].get<int64_t>() == first.genome.embed_dim);
  CHECK(j["best"]["MLP_RATIO"].get<std::vector<int64_t>>() == first.genome.mlp_ratios);
  CHECK(j["best"]["NUM_HEADS"].get<std::vector<int64_t>>() == first.genome.num_heads);
  CHECK(j["score"].get<double>() == first.indicator);
  CHECK(j["params"].get<int64_t>() == nas::count_parameters(nas::to_arch(first.genome)));
  CHECK(std::filesystem::exists(out + "/config_200.yaml"));
  CHECK(!std::filesystem::exists(out + "/config_201.yaml"));
  CHECK(std::filesystem::exists(out + "/search.csv"));

  // Exhaustive mode finds SPEC.md §3.5's small-tier optimum.
  j = nlohmann::json::parse(run(search, {"search", "--space", kSpaces + "small.yaml", "--out", out + "_all",
                                         "--exhaustive", "--json"}));
  CHECK(j["best"]["EMBED_DIM"] == 512);
  CHECK(j["best"]["MLP_RATIO"].get<std::vector<int64_t>>() == std::vector<int64_t>{3, 3, 3});
  CHECK(std::abs(j["score"].get<double>() - 5.3605) < 5e-5);
  std::filesystem::remove_all(out + "_all");

  const std::string text = run(search, {"search", "--space", kSpaces + "tiny.yaml", "--out", out, "--generations", "1"});
  CHECK(text.find("per second") != std::string::npos);
  CHECK(text.find("Searched Architecture: (") != std::string::npos);
}

TEST_CASE("autost search --proxy naswot scores every candidate of a small space on a seeded batch") {
  TempDir tmp;
  const std::string space = (tmp.path / "mini.yaml").string();
  write_file_atomic(space, "SEARCH_SPACE:\n  MLP_RATIO: [1, 2]\n  NUM_HEADS: [2, 4]\n  DEPTH: [1, 2]\n  EMBED_DIM: [16, 32]\n");
  const std::vector<std::string> args = {"search", "--space", space, "--out", (tmp.path / "run").string(), "--img", "8",
                                         "--classes", "5", "--T", "2", "--param-min", "0", "--param-max", "1",
                                         "--proxy", "naswot", "--proxy-batch", "4", "--generations", "0", "--json"};
  nlohmann::json j = nlohmann::json::parse(run(search, args));
  // 2 dimensions x (4 one-block + 16 two-block tuples): the population of 50 exhausts the space.
  CHECK(j["evaluated"].get<int64_t>() == 40);
  CHECK(nlohmann::json::parse(run(search, args))["score"] == j["score"]);  // deterministic for the seed
  nas::CandidateRecord first = nas::parse_candidate_yaml(read_file((tmp.path / "run" / "config_1.yaml").string()), "c");
  CHECK(first.indicator == j["score"].get<double>());
}

TEST_CASE("load_proxy_batch: seeded noise or a seeded, normalised dataset sample") {
  const nas::InputSpec input{8, 3, 5, 2};
  apps::ProxyBatch a = apps::load_proxy_batch("random", 6, input, 1), b = apps::load_proxy_batch("random", 6, input, 1);
  CHECK(a.images.shape() == Shape{6, 3, 8, 8});
  CHECK(a.images.to_vector<double>() == b.images.to_vector<double>());
  for (int64_t y : a.labels.to_vector<int64_t>()) CHECK((y >= 0 && y < 5));
  CHECK(apps::load_proxy_batch("random", 6, input, 2).images.to_vector<double>() != a.images.to_vector<double>());
  if (!std::filesystem::exists(std::string(data::kFashionMnistRoot) + "/t10k-images-idx3-ubyte.gz")) return;
  apps::ProxyBatch f = apps::load_proxy_batch("fashion-mnist", 5, nas::InputSpec{28, 1, 10, 4}, 0);
  CHECK(f.images.shape() == Shape{5, 1, 28, 28});
  for (double v : f.images.to_vector<double>()) CHECK((v >= -0.2860 / 0.3530 - 1e-5 && v <= 0.714 / 0.3530 + 1e-5));
  for (int64_t y : f.labels.to_vector<int64_t>()) CHECK((y >= 0 && y < 10));
  CHECK_THROWS_WITH_AS(apps::load_proxy_batch("fashion-mnist", 20000, nas::InputSpec{28, 1, 10, 4}, 0),
                       doctest::Contains("exceeds"), Error);
}

TEST_CASE("load_proxy_batch normalises CIFAR-100 with its own statistics, not CIFAR-10's") {
  // A full-size CIFAR-100 test file (the loader checks the official count) whose pixels are all 128.
  TempDir tmp;
  {
    std::string record(2 + 3 * 32 * 32, static_cast<char>(128));
    record[0] = static_cast<char>(data::cifar100_coarse_of(0));
    record[1] = 0;
    std::ofstream f(tmp.path / "test.bin", std::ios::binary);
    for (int i = 0; i < 10000; ++i) f.write(record.data(), static_cast<std::streamsize>(record.size()));
  }
  const apps::ProxyBatch b =
      apps::load_proxy_batch("cifar100:" + tmp.path.string(), 2, nas::InputSpec{32, 3, 100, 4}, 0);
  REQUIRE(b.images.shape() == Shape{2, 3, 32, 32});
  const apps::train::DatasetInfo& info = apps::train::dataset_info("cifar100");
  const std::vector<double> x = b.images.to_vector<double>();
  for (int64_t c = 0; c < 3; ++c)
    CHECK(x[static_cast<size_t>(c * 32 * 32)] ==
          doctest::Approx((128.0 / 255.0 - info.mean[static_cast<size_t>(c)]) / info.std[static_cast<size_t>(c)])
              .epsilon(1e-5));
  CHECK(info.mean != apps::train::dataset_info("cifar10").mean);
}

TEST_CASE("autost search: bad usage is one autost::Error line") {
  CHECK_THROWS_WITH_AS(run(search, {"search", "--out", "x"}), doctest::Contains("--space is required"), Error);
  CHECK_THROWS_WITH_AS(run(search, {"search", "--space", kSpaces + "tiny.yaml"}), doctest::Contains("--out is required"),
                       Error);
  CHECK_THROWS_WITH_AS(run(search, {"search", "--space", kSpaces + "tiny.yaml", "--out", "x", "--proxy", "acc"}),
                       doctest::Contains("unknown proxy 'acc'"), Error);
  CHECK_THROWS_WITH_AS(run(search, {"search", "--space", kSpaces + "tiny.yaml", "--out", "x", "--param-max", "twelve"}),
                       doctest::Contains("--param-max wants a number"), Error);
  CHECK_THROWS_WITH_AS(
      run(search, {"search", "--space", kSpaces + "tiny.yaml", "--out", "x", "--param-min", "500", "--param-max", "600"}),
      doctest::Contains("no candidate"), Error);
  CHECK_THROWS_WITH_AS(run(search, {"search", "--space", kSpaces + "tiny.yaml", "--out", "x", "--proxy", "naswot",
                                     "--proxy-data", "imagenet"}),
                       doctest::Contains("--proxy-data: unknown source 'imagenet'"), Error);
  if (std::filesystem::exists(std::string(data::kFashionMnistRoot) + "/t10k-images-idx3-ubyte.gz"))
    CHECK_THROWS_WITH_AS(run(search, {"search", "--space", kSpaces + "tiny.yaml", "--out", "x", "--proxy", "snip",
                                       "--proxy-data", "fashion-mnist"}),
                         doctest::Contains("set --in-ch and --img"), Error);
  CHECK(run(search, {"search", "--help"}).find("usage: autost search") == 0);
}
