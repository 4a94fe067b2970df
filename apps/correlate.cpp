// `autost correlate`: how well each training-free proxy ranks architectures by trained accuracy.
//
// DIR/cand_<i>/ is candidate i's training run folder (apps/train/run_folder.h) plus result.json,
// written atomically once the candidate is scored and trained. A rerun reuses every result.json
// (after checking it describes the same candidate), resumes a partly trained run from its
// checkpoint, and starts the others; the study's files are then rewritten from all N results.
#include "apps/correlate.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "apps/args.h"
#include "apps/proxy_data.h"
#include "apps/train/datasets.h"
#include "apps/train/plot.h"
#include "apps/train/recipe.h"
#include "apps/train/run_folder.h"
#include "apps/train/trainer.h"
#include "nas/correlation.h"
#include "nas/cost_model.h"
#include "nas/evolution.h"
#include "nas/proxies.h"
#include "nas/search_space.h"
#include "tensor/atomic_file.h"
#include "tensor/error.h"

namespace autost::apps {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

const char* kUsage =
    "usage: autost correlate --space FILE.yaml --recipe FILE.yaml --n N --out DIR [--seed S] [--epochs E]\n"
    "                        [--param-min M --param-max M] [--proxies flops,params,naswot,synflow,snip]\n"
    "                        [--proxy-batch B] [--set key=value ...] [--device cpu|cuda]\n"
    "  --space F        an official search-space YAML; N distinct candidates are drawn from it as\n"
    "                   evolution.py draws its random ones (random.seed(S))\n"
    "  --recipe F       the training recipe every candidate is trained with (its arch is replaced);\n"
    "                   the candidates are built for its dataset's input and T\n"
    "  --n N            the number of candidates\n"
    "  --out DIR        cand_<i>/ (each training run and its result.json), results.csv,\n"
    "                   correlation.json and scatter_<proxy>.png; rerunning continues a killed study\n"
    "  --seed S         the sampling seed, also the seed of the proxies' initial weights (default 0)\n"
    "  --epochs E       overrides the recipe's epochs\n"
    "  --param-min/max  keep only candidates with that many M parameters (default: any)\n"
    "  --proxies LIST   the proxies to compute (default all five)\n"
    "  --proxy-batch B  the batch naswot and snip score on (default 32): a seeded sample of the\n"
    "                   recipe's test split for fashion-mnist, cifar10 and cifar100, else N(0, 1) noise\n"
    "  --set key=value  a recipe override (repeatable), e.g. --set train_subset=1000\n"
    "  --device D       where the candidates train: cpu (default), cuda or cuda:N\n"
    "Correlations are against the final test top-1 (a proxy that cannot order them is NaN, written null).\n";

std::vector<nas::ProxyKind> parse_proxy_list(const std::string& list) {
  std::vector<nas::ProxyKind> kinds;
  std::stringstream ss(list);
  for (std::string name; std::getline(ss, name, ',');) {
    const nas::ProxyKind k = nas::parse_proxy(name);
    for (nas::ProxyKind seen : kinds) AUTOST_CHECK(seen != k, "--proxies names ", name, " twice");
    kinds.push_back(k);
  }
  AUTOST_CHECK(!kinds.empty(), "--proxies wants a comma-separated list of proxies");
  return kinds;
}

// JSON has no NaN or infinity: they are written as null and read back as NaN.
Json json_number(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }
template <class J>
double number_of(const J& j) {
  return j.is_number() ? j.template get<double>() : NAN;
}
// A metrics line's field; NaN when absent or null.
double field(const train::Json& line, const char* key) { return line.contains(key) ? number_of(line[key]) : NAN; }

Json genome_json(const nas::Genome& g) {
  return {{"DEPTH", g.depth}, {"EMBED_DIM", g.embed_dim}, {"MLP_RATIO", g.mlp_ratios}, {"NUM_HEADS", g.num_heads}};
}

struct CandidateResult {
  std::map<std::string, double> proxies;
  double top1 = NAN, best_top1 = NAN, train_seconds = 0;
};

// A stored result.json, or nothing when absent; an error when it is unreadable or describes another
// candidate (the folder belongs to a study with another space or seed).
std::optional<CandidateResult> read_result(const std::string& path, const nas::Genome& genome) {
  if (!fs::exists(path)) return std::nullopt;
  try {
    const Json j = Json::parse(read_file(path));
    AUTOST_CHECK(j.at("genome") == genome_json(genome), "it holds candidate ", j.at("genome").dump(), ", not ",
                 genome_json(genome).dump(), " (another --space, --seed or --param range?)");
    CandidateResult r;
    for (const auto& [name, v] : j.at("proxies").items()) r.proxies[name] = number_of(v);
    r.top1 = number_of(j.at("top1"));
    r.best_top1 = number_of(j.at("best_top1"));
    r.train_seconds = number_of(j.at("train_seconds"));
    return r;
  } catch (const Error& e) {
    AUTOST_FAIL(path, ": ", e.what());
  } catch (const std::exception& e) {
    AUTOST_FAIL(path, ": not a candidate result (", e.what(), ")");
  }
}

void write_result(const std::string& path, const nas::Genome& genome, int64_t params, const CandidateResult& r) {
  Json proxies = Json::object();
  for (const auto& [name, v] : r.proxies) proxies[name] = json_number(v);
  const Json j = {{"genome", genome_json(genome)},  {"params", params},
                  {"proxies", proxies},               {"top1", json_number(r.top1)},
                  {"best_top1", json_number(r.best_top1)}, {"train_seconds", json_number(r.train_seconds)}};
  write_file_atomic(path, j.dump(2) + "\n");
}

// Trains (or resumes) one candidate in its run folder; the final and best top-1 and the training
// time come from the run's metrics, so a resumed run counts every epoch.
void train_candidate(train::Recipe recipe, const spiking::ArchConfig& arch, const std::string& dir, Device device,
                     CandidateResult& r) {
  recipe.arch.clear();
  recipe.architecture = arch;
  recipe = train::resolve_recipe(std::move(recipe));
  train::TrainOptions o;
  o.out_dir = dir;
  o.device = device;
  o.resume = train::RunFolder(dir).holds_run();
  o.print_epochs = false;
  const train::TrainResult t = train::train(recipe, o);
  AUTOST_CHECK(t.finished, dir, ": training stopped before its last epoch");
  const std::vector<train::Json> metrics = train::RunFolder(dir).read_metrics();
  AUTOST_CHECK(!metrics.empty(), dir, ": the finished run has no metrics");
  r.top1 = field(metrics.back(), "test_top1");  // the last epoch always evaluates
  r.best_top1 = t.best_top1;
  r.train_seconds = 0;
  for (const auto& line : metrics) r.train_seconds += field(line, "seconds");
}

std::string csv_number(double v) {
  if (std::isnan(v)) return "nan";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string join(const std::vector<int64_t>& v) {  // "4 4 3": one CSV field
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ' ';
    s += std::to_string(v[i]);
  }
  return s;
}

}  // namespace

int correlate_main(int argc, char** argv, std::ostream& out) {
  Args args(argc, argv,
            {"--space", "--recipe", "--n", "--out", "--seed", "--epochs", "--param-min", "--param-max", "--proxies",
             "--proxy-batch", "--device"},
            {}, {"--set"});
  if (args.help()) {
    out << kUsage;
    return 0;
  }
  AUTOST_CHECK(args.has("--n"), "--n is required");
  const int64_t n = args.get_positive_int("--n", 0);
  const std::string out_dir = args.required("--out");
  const nas::SearchSpace space = nas::load_search_space(args.required("--space"));
  train::Recipe recipe = train::load_recipe(args.required("--recipe"));
  for (const std::string& s : args.all("--set")) train::apply_override(recipe, s);
  if (args.has("--epochs")) recipe.epochs = args.get_positive_int("--epochs", 0);
  const int64_t seed = args.get_int("--seed", 0);
  AUTOST_CHECK(seed >= 0, "--seed wants a non-negative integer, got ", seed);
  const std::vector<nas::ProxyKind> proxies = parse_proxy_list(args.get("--proxies", "flops,params,naswot,synflow,snip"));
  const Device device = Device::parse(args.get("--device", "cpu"));

  nas::EvolutionOptions o;
  o.seed = static_cast<uint64_t>(seed);
  o.param_min_m = args.get_double("--param-min", 0);
  o.param_max_m = args.get_double("--param-max", std::numeric_limits<double>::infinity());
  o.max_random_draws = 20000;
  const train::DatasetInfo& info = train::dataset_info(recipe.dataset);
  o.input = {train::input_size(recipe), info.channels, info.num_classes, recipe.T};
  const std::vector<nas::Genome> sample = nas::sample_candidates(space, n, o);

  // The proxies' data: the recipe's test split where load_proxy_batch reads it (root as resolved).
  nas::ProxyOptions proxy_options;
  proxy_options.seed = o.seed;
  bool needs_batch = false;
  for (nas::ProxyKind k : proxies) needs_batch |= nas::proxy_needs_batch(k, proxy_options);
  if (needs_batch) {
    train::Recipe probe = recipe;
    probe.arch.clear();
    probe.architecture = nas::to_arch(sample.front(), o.input);
    probe = train::resolve_recipe(std::move(probe));
    const bool readable = probe.dataset == "fashion-mnist" || probe.dataset == "cifar10" || probe.dataset == "cifar100";
    const ProxyBatch batch = load_proxy_batch(readable ? probe.dataset + ":" + probe.root : "random",
                                              args.get_positive_int("--proxy-batch", 32), o.input, o.seed);
    proxy_options.batch = batch.images;
    proxy_options.labels = batch.labels;
  }

  fs::create_directories(out_dir);
  std::vector<CandidateResult> results;
  std::vector<int64_t> params;
  int64_t reused = 0, trained = 0;
  for (int64_t i = 0; i < n; ++i) {
    const nas::Genome& g = sample[static_cast<size_t>(i)];
    const spiking::ArchConfig arch = nas::to_arch(g, o.input);
    params.push_back(nas::count_parameters(arch));
    const std::string dir = out_dir + "/cand_" + std::to_string(i), result_path = dir + "/result.json";
    std::optional<CandidateResult> r = read_result(result_path, g);
    bool changed = !r;
    if (r) ++reused;
    if (!r) {
      out << "candidate " << i << "/" << n << " " << nas::tuple_string(nas::to_tuple(g)) << ": training\n" << std::flush;
      r.emplace();
      train_candidate(recipe, arch, dir, device, *r);
      ++trained;
    }
    for (nas::ProxyKind k : proxies)  // also those a rerun adds to --proxies
      if (!r->proxies.count(nas::proxy_name(k))) {
        r->proxies[nas::proxy_name(k)] = nas::make_scorer(k, proxy_options)(arch);
        changed = true;
      }
    if (changed) write_result(result_path, g, params.back(), *r);
    results.push_back(*r);
  }

  // results.csv: one row per candidate.
  // param_count, not params: that is the params proxy's column (in M).
  std::string csv = "index,DEPTH,EMBED_DIM,MLP_RATIO,NUM_HEADS,param_count";
  for (nas::ProxyKind k : proxies) csv += std::string(",") + nas::proxy_name(k);
  csv += ",top1,best_top1,train_seconds\n";
  for (int64_t i = 0; i < n; ++i) {
    const nas::Genome& g = sample[static_cast<size_t>(i)];
    const CandidateResult& r = results[static_cast<size_t>(i)];
    std::vector<std::string> row{std::to_string(i),   std::to_string(g.depth), std::to_string(g.embed_dim),
                                 join(g.mlp_ratios),  join(g.num_heads),     std::to_string(params[static_cast<size_t>(i)])};
    for (nas::ProxyKind k : proxies) row.push_back(csv_number(r.proxies.at(nas::proxy_name(k))));
    for (double v : {r.top1, r.best_top1, r.train_seconds}) row.push_back(csv_number(v));
    for (size_t c = 0; c < row.size(); ++c) {
      if (c) csv += ',';
      csv += row[c];
    }
    csv += '\n';
  }
  write_file_atomic(out_dir + "/results.csv", csv);

  // correlation.json, the scatter plots and the table.
  std::vector<double> top1;
  for (const CandidateResult& r : results) top1.push_back(r.top1);
  Json corr = Json::object();
  char line[256];
  std::snprintf(line, sizeof line, "%-10s %12s %12s %5s\n", "proxy", "kendall_tau", "spearman_rho", "n");
  std::string table = line;
  for (nas::ProxyKind k : proxies) {
    const std::string name = nas::proxy_name(k);
    std::vector<double> x;
    for (const CandidateResult& r : results) x.push_back(r.proxies.at(name));
    const nas::Correlation c = nas::correlate(x, top1);
    corr[name] = {{"kendall_tau", json_number(c.kendall_tau)}, {"spearman_rho", json_number(c.spearman_rho)}, {"n", c.n}};
    train::write_scatter_plot(out_dir + "/scatter_" + name + ".png", "final test top-1 (%) against " + name, name,
                              {{"candidates", x, top1}});
    std::snprintf(line, sizeof line, "%-10s %12.4f %12.4f %5lld\n", name.c_str(), c.kendall_tau, c.spearman_rho,
                  static_cast<long long>(c.n));
    table += line;
  }
  write_file_atomic(out_dir + "/correlation.json", corr.dump(2) + "\n");
  out << "trained " << trained << " candidate(s), reused " << reused << " finished result(s)\n" << table
      << "wrote " << out_dir << "/results.csv, correlation.json and scatter_<proxy>.png\n";
  return 0;
}

int correlate_main(int argc, char** argv) { return correlate_main(argc, argv, std::cout); }

}  // namespace autost::apps
