// `autost search`: AutoST's evolutionary (or an exhaustive) search over an official search space.
#include "apps/search.h"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "apps/args.h"
#include "apps/proxy_data.h"
#include "nas/cost_model.h"
#include "nas/evolution.h"
#include "nas/proxies.h"
#include "nas/search_space.h"

namespace autost::apps {
namespace {

const char* kUsage =
    "usage: autost search --space FILE.yaml --out DIR [--param-min M] [--param-max M] [--seed S]\n"
    "                     [--proxy flops|params|naswot|synflow|snip] [--ld L] [--generations N]\n"
    "                     [--proxy-data SOURCE] [--proxy-batch B]\n"
    "                     [--img S] [--in-ch C] [--classes K] [--T T] [--exhaustive] [--json]\n"
    "  --space F        an official search-space YAML (SEARCH_SPACE: MLP_RATIO, NUM_HEADS, DEPTH, EMBED_DIM)\n"
    "  --out DIR        where config_<rank>.yaml (every candidate, best first) and search.csv go\n"
    "  --param-min/max  legal parameter range in millions (default 11 and 12, as evolution.py)\n"
    "  --seed S         random.seed of the search (default 0); a seed repeats the search exactly\n"
    "  --proxy P        the score to maximise (default flops, AutoST's)\n"
    "  --ld L           AutoST's lambda: flops adds L / NASWOT (default 0)\n"
    "  --proxy-data S   the batch naswot, snip and --ld score on: random (default; seeded N(0, 1) images),\n"
    "                   fashion-mnist[:DIR], cifar10:DIR or cifar100:DIR (a seeded sample of the test split)\n"
    "  --proxy-batch B  its size (default 32); proxies that run the model build every candidate (slow)\n"
    "  --generations N  evolution generations (default 20; population 50, 10 elites, 25 + 25 children)\n"
    "  --img/--in-ch/--classes/--T   the input candidates are built for (default 32, 3, 100, 4)\n"
    "  --exhaustive     score every (D, L, MLP ratios) instead (every tuple for proxies that run the model)\n"
    "  --json           one JSON object: {best: {DEPTH, EMBED_DIM, MLP_RATIO, NUM_HEADS}, score, params,\n"
    "                   evaluated, seconds}; seconds is the search without writing the files\n";

}  // namespace

int search_main(int argc, char** argv, std::ostream& out) {
  Args args(argc, argv,
            {"--space", "--out", "--param-min", "--param-max", "--seed", "--proxy", "--ld", "--generations", "--img",
             "--in-ch", "--classes", "--T", "--proxy-data", "--proxy-batch"},
            {"--exhaustive", "--json"});
  if (args.help()) {
    out << kUsage;
    return 0;
  }
  const nas::SearchSpace space = nas::load_search_space(args.required("--space"));
  const std::string out_dir = args.required("--out");
  nas::EvolutionOptions o;
  o.param_min_m = args.get_double("--param-min", o.param_min_m);
  o.param_max_m = args.get_double("--param-max", o.param_max_m);
  const int64_t seed = args.get_int("--seed", 0);
  AUTOST_CHECK(seed >= 0, "--seed wants a non-negative integer, got ", seed);
  o.seed = static_cast<uint64_t>(seed);
  o.generations = args.get_int("--generations", o.generations);
  AUTOST_CHECK(o.generations >= 0, "--generations wants a non-negative integer, got ", o.generations);
  o.input.img_size = args.get_positive_int("--img", o.input.img_size);
  o.input.in_channels = args.get_positive_int("--in-ch", o.input.in_channels);
  o.input.num_classes = args.get_positive_int("--classes", o.input.num_classes);
  o.input.T = args.get_positive_int("--T", o.input.T);
  const nas::ProxyKind proxy = nas::parse_proxy(args.get("--proxy", "flops"));
  nas::ProxyOptions proxy_options;
  proxy_options.lambda = args.get_double("--ld", 0);
  proxy_options.seed = o.seed;
  if (nas::proxy_needs_batch(proxy, proxy_options)) {
    ProxyBatch batch = load_proxy_batch(args.get("--proxy-data", "random"), args.get_positive_int("--proxy-batch", 32),
                                        o.input, o.seed);
    proxy_options.batch = batch.images;
    proxy_options.labels = batch.labels;
  }
  const nas::Scorer scorer = nas::make_scorer(proxy, proxy_options);

  const auto start = std::chrono::steady_clock::now();
  const bool heads_matter = nas::proxy_uses_model(proxy, proxy_options);
  const nas::SearchResult result = args.flag("--exhaustive") ? nas::exhaustive_search(space, o, scorer, heads_matter)
                                                             : nas::evolution_search(space, o, scorer);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  AUTOST_CHECK(!result.ranked.empty(), "search: no candidate of ", args.required("--space"), " has between ",
               o.param_min_m, " and ", o.param_max_m, " M parameters");
  nas::write_search_outputs(result, out_dir);

  const nas::Evaluated& best = result.ranked.front();
  const int64_t params = nas::count_parameters(nas::to_arch(best.genome, o.input));
  if (args.flag("--json")) {
    nlohmann::json j = {{"best",
                         {{"DEPTH", best.genome.depth},
                          {"EMBED_DIM", best.genome.embed_dim},
                          {"MLP_RATIO", best.genome.mlp_ratios},
                          {"NUM_HEADS", best.genome.num_heads}}},
                        {"score", best.score},
                        {"params", params},
                        {"evaluated", result.stats.evaluated},
                        {"seconds", seconds}};
    out << j.dump() << "\n";
    return 0;
  }
  const nas::SearchStats& s = result.stats;
  char line[512];
  std::snprintf(line, sizeof(line),
                "%s search (%s): %lld candidates scored in %.3f s (%.0f per second); %lld drawn, %lld rejected on "
                "parameters, %lld already visited, %lld malformed crossovers%s\n",
                args.flag("--exhaustive") ? "exhaustive" : "evolutionary", nas::proxy_name(proxy),
                static_cast<long long>(s.evaluated), seconds, static_cast<double>(s.evaluated) / std::max(seconds, 1e-9),
                static_cast<long long>(s.draws), static_cast<long long>(s.rejected_params),
                static_cast<long long>(s.rejected_visited), static_cast<long long>(s.malformed),
                s.exhausted ? "; stopped early: the space has no more legal candidates" : "");
  out << line;
  std::snprintf(line, sizeof(line), "Searched Architecture: %s  score %.6f, %.4f M parameters, %.4f G FLOPs\n",
                nas::tuple_string(nas::to_tuple(best.genome)).c_str(), best.score, params / 1e6, best.flops_g);
  out << line << "wrote " << out_dir << "/config_1.yaml .. config_" << result.ranked.size() << ".yaml and "
      << out_dir << "/search.csv\n";
  return 0;
}

int search_main(int argc, char** argv) { return search_main(argc, argv, std::cout); }

}  // namespace autost::apps
