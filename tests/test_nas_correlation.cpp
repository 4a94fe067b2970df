// Rank correlations (nas/correlation.h) against hand-computed values, the study's sample
// (nas/evolution.h sample_candidates), scatter plots, and a tiny `autost correlate` study on the
// installed Fashion-MNIST, killed and continued.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "apps/correlate.h"
#include "apps/train/plot.h"
#include "nas/correlation.h"
#include "nas/cost_model.h"
#include "nas/evolution.h"
#include "nas/search_space.h"
#include "tensor/atomic_file.h"
#include "tensor/error.h"
#include "tests/temp_dir.h"

using namespace autost;

TEST_CASE("average ranks share tied positions") {
  CHECK(nas::average_ranks({10, 20, 20, 5}) == std::vector<double>{2, 3.5, 3.5, 1});
  CHECK(nas::average_ranks({3, 3, 3}) == std::vector<double>{2, 2, 2});
  CHECK(nas::average_ranks({0.5, -1, 7}) == std::vector<double>{2, 1, 3});
  CHECK(nas::average_ranks({}).empty());
}

TEST_CASE("kendall tau-b and spearman rho without ties") {
  // x = 1 2 3 4, y = 1 3 2 4: of the 6 pairs only (2, 3) is discordant, tau = (5 - 1) / 6.
  // Rank differences 0 1 1 0: rho = 1 - 6 * 2 / (4 * (16 - 1)) = 0.8.
  const std::vector<double> x{1, 2, 3, 4}, y{1, 3, 2, 4};
  CHECK(nas::kendall_tau_b(x, y) == doctest::Approx(4.0 / 6).epsilon(1e-15));
  CHECK(nas::spearman_rho(x, y) == doctest::Approx(0.8).epsilon(1e-15));
  // Only the order matters: a monotone map of either side changes nothing.
  const std::vector<double> x_cubed{1, 8, 27, 64};
  CHECK(nas::kendall_tau_b(x_cubed, y) == nas::kendall_tau_b(x, y));
  CHECK(nas::spearman_rho(x_cubed, y) == nas::spearman_rho(x, y));
  CHECK(nas::kendall_tau_b(x, {4, 3, 2, 1}) == -1);
  CHECK(nas::spearman_rho(x, {4, 3, 2, 1}) == doctest::Approx(-1).epsilon(1e-15));
  CHECK(nas::kendall_tau_b(x, x) == 1);
}

TEST_CASE("kendall tau-b and spearman rho with ties") {
  // x = 1 2 2 3, y = 1 2 3 3. Pairs: (1,2) (1,3) (1,4) (2,4) concordant, (2,3) tied in x only, (3,4)
  // tied in y only: tau-b = 4 / sqrt(5 * 5) = 0.8.
  // Average ranks x 1 2.5 2.5 4, y 1 2 3.5 3.5, mean 2.5: deviations x -1.5 0 0 1.5, y -1.5 -0.5 1 1;
  // sum xy = 2.25 + 1.5 = 3.75, sum xx = 4.5, sum yy = 2.25 + 0.25 + 1 + 1 = 4.5: rho = 3.75 / 4.5.
  const std::vector<double> x{1, 2, 2, 3}, y{1, 2, 3, 3};
  CHECK(nas::kendall_tau_b(x, y) == doctest::Approx(0.8).epsilon(1e-15));
  CHECK(nas::spearman_rho(x, y) == doctest::Approx(3.75 / 4.5).epsilon(1e-15));
  // A pair tied on both sides counts in neither denominator: x = 1 1 2, y = 5 5 6 has the two
  // concordant pairs and nothing else, tau-b = 2 / sqrt(2 * 2) = 1.
  CHECK(nas::kendall_tau_b({1, 1, 2}, {5, 5, 6}) == 1);
  CHECK(nas::spearman_rho({1, 1, 2}, {5, 5, 6}) == doctest::Approx(1).epsilon(1e-15));
}

TEST_CASE("degenerate input: NaN for a constant side or fewer than two pairs, non-finite pairs left out") {
  CHECK(std::isnan(nas::kendall_tau_b({1, 2, 3}, {7, 7, 7})));
  CHECK(std::isnan(nas::spearman_rho({1, 2, 3}, {7, 7, 7})));
  CHECK(std::isnan(nas::kendall_tau_b({4, 4}, {1, 2})));
  CHECK(std::isnan(nas::kendall_tau_b({1}, {2})));
  CHECK(std::isnan(nas::spearman_rho({1}, {2})));
  CHECK(std::isnan(nas::spearman_rho({}, {})));
  // The NaN and infinite pairs drop out, leaving the no-ties example above.
  const nas::Correlation c = nas::correlate({1, NAN, 2, 3, 4, 5}, {1, 9, 3, 2, 4, INFINITY});
  CHECK(c.n == 4);
  CHECK(c.kendall_tau == doctest::Approx(4.0 / 6).epsilon(1e-15));
  CHECK(c.spearman_rho == doctest::Approx(0.8).epsilon(1e-15));
  CHECK_THROWS_AS(nas::kendall_tau_b({1, 2}, {1}), Error);
  CHECK_THROWS_AS(nas::spearman_rho({1, 2}, {1}), Error);
}

namespace {

// D in {16, 24}, one block, MLP ratio 2, heads in {2, 4}: four distinct candidates.
const char* kTinySpace = "SEARCH_SPACE:\n  MLP_RATIO: [2]\n  NUM_HEADS: [2, 4]\n  DEPTH: [1]\n  EMBED_DIM: [16, 24]\n";

nas::EvolutionOptions tiny_options(uint64_t seed) {
  nas::EvolutionOptions o;
  o.seed = seed;
  o.param_min_m = 0;
  o.param_max_m = 1e9;
  o.input = {28, 1, 10, 1};
  o.max_random_draws = 500;
  return o;
}

}  // namespace

TEST_CASE("the study's sample: evolution.py's random draws, distinct, within the parameter range") {
  const nas::SearchSpace space = nas::parse_search_space(kTinySpace, "tiny");
  const std::vector<nas::Genome> all = nas::sample_candidates(space, 4, tiny_options(5));
  CHECK(std::set<nas::Genome>(all.begin(), all.end()).size() == 4);
  CHECK(nas::sample_candidates(space, 4, tiny_options(5)) == all);  // seeded
  nas::PyRandom rng(5);
  CHECK(all.front() == nas::from_tuple(nas::random_candidate(space, rng)));  // the first draw is always new
  // Only the D 16 candidates fit under the D 24 ones' parameter count.
  nas::EvolutionOptions o = tiny_options(5);
  const double p16 = nas::count_parameters(nas::to_arch(nas::Genome{1, {2}, {2}, 16}, o.input)) / 1e6;
  o.param_max_m = p16;
  const std::vector<nas::Genome> small = nas::sample_candidates(space, 2, o);
  for (const nas::Genome& g : small) CHECK(g.embed_dim == 16);
  CHECK(small[0] != small[1]);
  const std::string e = [&] {
    try {
      nas::sample_candidates(space, 3, o);
    } catch (const Error& err) {
      return std::string(err.what());
    }
    return std::string("(no error)");
  }();
  CHECK(e.find("found only 2 of 3 distinct candidates") != std::string::npos);
}

TEST_CASE("a scatter plot marks the points without joining them") {
  const apps::train::Series s{"a", {0.01, 0.05}, {0.2, 0.9}};
  auto coloured = [](const std::vector<unsigned char>& rgb) {  // the first series' colour
    int64_t n = 0;
    for (size_t i = 0; i + 2 < rgb.size(); i += 3) n += rgb[i] == 31 && rgb[i + 1] == 119 && rgb[i + 2] == 180;
    return n;
  };
  const int64_t scatter = coloured(apps::train::render_scatter_plot("t", "x", {s}, 300, 200));
  const int64_t one_point = coloured(apps::train::render_scatter_plot("t", "x", {{"a", {0.01}, {0.2}}}, 300, 200));
  const int64_t lines = coloured(apps::train::render_line_plot("t", "x", {s}, 300, 200));
  CHECK(scatter - one_point == 5 * 5);  // one more 5x5 marker (the legend swatch is in both)
  CHECK(lines > scatter + 100);     // the joining line
}

namespace {

// Runs `autost correlate` in-process: its exit code and stdout (errors throw, as apps/main.cpp expects).
int run_correlate(std::vector<std::string> args, std::ostream& out) {
  args.insert(args.begin(), "correlate");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return apps::correlate_main(static_cast<int>(argv.size()), argv.data(), out);
}

std::string correlate(const std::vector<std::string>& args) {
  std::ostringstream out;
  CHECK(run_correlate(args, out) == 0);
  return out.str();
}

std::string error_of(const std::vector<std::string>& args) {
  std::ostringstream out;
  try {
    run_correlate(args, out);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(read_file(path));
  for (std::string line; std::getline(in, line);) {
    rows.emplace_back();
    std::stringstream fields(line);
    for (std::string f; std::getline(fields, f, ',');) rows.back().push_back(f);
  }
  return rows;
}

}  // namespace

TEST_CASE("autost correlate: a tiny study on Fashion-MNIST, killed and continued") {
  test::TempDir dir("autost_correlate");
  const std::string space = dir / "space.yaml", recipe = dir / "recipe.yaml", out = dir / "study";
  write_file_atomic(space, kTinySpace);
  write_file_atomic(recipe,
                    "dataset: fashion-mnist\nepochs: 3\nlr: 5e-3\nmin_lr: 1e-4\nweight_decay: 0.01\nbatch_size: 32\n"
                    "val_batch_size: 128\nT: 1\nseed: 3\nworkers: 0\nsmoothing: 0.1\nhflip: false\nthreads: 1\n");
  const std::vector<std::string> args{"--space", space, "--recipe", recipe, "--n", "3", "--out", out, "--seed", "2",
                                      "--epochs", "1", "--proxy-batch", "8", "--set", "train_subset=256", "--set",
                                      "test_subset=256"};
  const std::string first = correlate(args);
  CHECK(first.find("trained 3 candidate(s), reused 0") != std::string::npos);

  const std::vector<std::string> proxies{"flops", "params", "naswot", "synflow", "snip"};
  const auto rows = read_csv(out + "/results.csv");
  REQUIRE(rows.size() == 4);
  CHECK(rows[0] == std::vector<std::string>{"index", "DEPTH", "EMBED_DIM", "MLP_RATIO", "NUM_HEADS", "param_count", "flops",
                                            "params", "naswot", "synflow", "snip", "top1", "best_top1",
                                            "train_seconds"});
  const nas::SearchSpace sp = nas::load_search_space(space);
  const std::vector<nas::Genome> sample = nas::sample_candidates(sp, 3, tiny_options(2));
  std::vector<double> top1;
  std::map<std::string, std::vector<double>> columns;
  for (int i = 0; i < 3; ++i) {
    const auto& row = rows[static_cast<size_t>(i + 1)];
    REQUIRE(row.size() == 14);
    const nas::Genome& g = sample[static_cast<size_t>(i)];
    CHECK(row[0] == std::to_string(i));
    CHECK(row[2] == std::to_string(g.embed_dim));
    CHECK(row[4] == std::to_string(g.num_heads[0]));
    CHECK(std::stoll(row[5]) == nas::count_parameters(nas::to_arch(g, {28, 1, 10, 1})));
    CHECK(std::stod(row[7]) == doctest::Approx(std::stod(row[5]) / 1e6));  // the params proxy
    for (size_t k = 0; k < proxies.size(); ++k) columns[proxies[k]].push_back(std::stod(row[6 + k]));
    top1.push_back(std::stod(row[11]));
    const double best = std::stod(row[12]);
    CHECK(top1.back() >= 0);
    CHECK(top1.back() <= 100);
    CHECK(best == top1.back());  // one epoch: the final evaluation is the best
    // The candidate's run folder and its result.
    const std::string cand = out + "/cand_" + std::to_string(i);
    const auto result = nlohmann::json::parse(read_file(cand + "/result.json"));
    CHECK(result["top1"].get<double>() == top1.back());
    CHECK(result["genome"]["EMBED_DIM"] == g.embed_dim);
    CHECK(std::filesystem::exists(cand + "/metrics.jsonl"));
    CHECK(std::filesystem::exists(cand + "/best.safetensors"));
  }
  // correlation.json holds tau and rho of each proxy column against the final top-1.
  const auto corr = nlohmann::json::parse(read_file(out + "/correlation.json"));
  CHECK(corr.size() == proxies.size());
  for (const std::string& p : proxies) {
    INFO(p);
    const nas::Correlation c = nas::correlate(columns[p], top1);
    CHECK(corr[p]["n"] == c.n);
    for (const auto& [key, value] : {std::pair{"kendall_tau", c.kendall_tau}, std::pair{"spearman_rho", c.spearman_rho}})
      if (std::isnan(value))
        CHECK(corr[p][key].is_null());
      else
        CHECK(corr[p][key].get<double>() == doctest::Approx(value).epsilon(1e-12));
    CHECK(read_file(out + "/scatter_" + p + ".png").substr(1, 3) == "PNG");
    CHECK(first.find(p) != std::string::npos);  // its row in the table
  }

  // Continue after a "kill": cand_1 lost only its result (its finished run resumes), cand_2 lost
  // everything (trained from scratch, to the same accuracy: a seeded CPU run repeats exactly).
  const auto untouched = std::filesystem::last_write_time(out + "/cand_0/result.json");
  const auto untouched_metrics = std::filesystem::last_write_time(out + "/cand_0/metrics.jsonl");
  const std::string result1 = read_file(out + "/cand_1/result.json"), result2 = read_file(out + "/cand_2/result.json");
  std::filesystem::remove(out + "/cand_1/result.json");
  std::filesystem::remove_all(out + "/cand_2");
  const std::string second = correlate(args);
  CHECK(second.find("trained 2 candidate(s), reused 1") != std::string::npos);
  CHECK(std::filesystem::last_write_time(out + "/cand_0/result.json") == untouched);
  CHECK(std::filesystem::last_write_time(out + "/cand_0/metrics.jsonl") == untouched_metrics);
  auto same_but_time = [](const std::string& a, const std::string& b) {
    auto ja = nlohmann::json::parse(a), jb = nlohmann::json::parse(b);
    ja.erase("train_seconds"), jb.erase("train_seconds");
    return ja == jb;
  };
  CHECK(same_but_time(read_file(out + "/cand_1/result.json"), result1));
  CHECK(same_but_time(read_file(out + "/cand_2/result.json"), result2));
  CHECK(read_csv(out + "/results.csv").size() == 4);

  // A result of another candidate (another seed's sample) is refused, naming the file.
  std::vector<std::string> other = args;
  other[9] = "3";  // --seed 3
  const auto other_sample = nas::sample_candidates(sp, 3, tiny_options(3));
  size_t differs = 0;
  while (differs < 3 && other_sample[differs] == sample[differs]) ++differs;
  REQUIRE(differs < 3);
  CHECK(error_of(other).find(out + "/cand_" + std::to_string(differs) + "/result.json: it holds candidate") !=
        std::string::npos);
}

TEST_CASE("autost correlate: usage errors are one line naming the option") {
  test::TempDir dir("autost_correlate");
  const std::string space = dir / "space.yaml";
  write_file_atomic(space, kTinySpace);
  CHECK(error_of({"--space", space, "--recipe", "x.yaml", "--out", dir / "o"}).find("--n is required") !=
        std::string::npos);
  write_file_atomic(dir / "recipe.yaml", "dataset: fashion-mnist\n");
  CHECK(error_of({"--space", space, "--recipe", dir / "recipe.yaml", "--n", "2", "--out", dir / "o", "--proxies",
                  "flops,bogus"})
            .find("bogus") != std::string::npos);
  CHECK(error_of({"--space", space, "--recipe", dir / "recipe.yaml", "--n", "5", "--out", dir / "o"})
            .find("found only 4 of 5") != std::string::npos);
  CHECK(correlate({"--help"}).find("usage: autost correlate") == 0);
}
