// `autost count`: the analytic costs of one architecture (nas/cost_model.h).
#include "apps/count.h"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "apps/args.h"
#include "nas/cost_model.h"
#include "nas/instrument.h"
#include "spiking/arch.h"
#include "spiking/model.h"
#include "tensor/random.h"

namespace autost::apps {
namespace {

const char* kUsage =
    "usage: autost count --arch FILE.yaml [--classes K] [--img S] [--in-ch C] [--T T] [--layers]\n"
    "                    [--firing [--batch B] [--seed S]] [--json]\n"
    "  --arch A      a RETRAIN-format YAML (an official config_N.yaml; MODEL/VARIANT optional) or a preset\n"
    "                name (spikformer-4-384, autost-4-384, ...)\n"
    "  --classes K   classes (default: the file's variant's: cifar 100, dvs 10, imagenet 1000; a preset's own)\n"
    "  --img S       image side (default 32; dvs 128, imagenet 224)\n"
    "  --in-ch C     input channels (default 3; dvs 2)\n"
    "  --T T         time steps (default 4; dvs 16)\n"
    "  --layers      add the per-layer breakdown (module path, kind, input, ops on one image)\n"
    "  --firing      build the model (weights seeded by --seed, default 0), run it in eval mode on --batch\n"
    "                all-ones images (default 32, as the AutoST search), and report every neuron layer's\n"
    "                firing rate, the SOPs and both energy estimates (Spikformer's and syops'; SPEC.md §6)\n"
    "  --json        one JSON object: {params, syops_flops, full_flops} (+ layers; + with --firing:\n"
    "                firing_rates {layer: rate}, sops, energy_mj_spikformer, energy_mj_syops)\n"
    "syops_flops is the AutoST score's count (syops ops[0] per image, T included, measured on a batch\n"
    "of 32); full_flops adds the attention matmuls and the residual adds.\n";

spiking::ArchConfig read_arch(const std::string& what) {
  if (!std::filesystem::exists(what))
    for (const auto& name : spiking::arch_preset_names())
      if (name == what) return spiking::arch_preset(name);
  return spiking::load_arch_yaml(what);
}

}  // namespace

int count_main(int argc, char** argv, std::ostream& out) {
  Args args(argc, argv, {"--arch", "--classes", "--img", "--in-ch", "--T", "--batch", "--seed"},
            {"--json", "--layers", "--firing"});
  if (args.help()) {
    out << kUsage;
    return 0;
  }
  const std::string source = args.required("--arch");
  spiking::ArchConfig arch = read_arch(source);
  arch.num_classes = args.get_positive_int("--classes", arch.num_classes);
  arch.img_size = args.get_positive_int("--img", arch.img_size);
  arch.in_channels = args.get_positive_int("--in-ch", arch.in_channels);
  arch.T = args.get_positive_int("--T", arch.T);
  arch.validate(source);

  const int64_t params = nas::count_parameters(arch);
  const double syops = nas::syops_flops(arch), full = nas::full_flops(arch);
  const std::vector<nas::LayerCost> layers = args.flag("--layers") ? nas::layer_costs(arch) : std::vector<nas::LayerCost>{};
  const double per_image = 1.0 / static_cast<double>(nas::kSyopsBatch);

  // Firing rates at initialisation, on all-ones input as the AutoST search's syops call uses.
  const bool firing = args.flag("--firing");
  AUTOST_CHECK(firing || (!args.has("--batch") && !args.has("--seed")), "--batch and --seed go with --firing");
  nas::ForwardRecord record;
  nas::EnergyEstimate energy;
  if (firing) {
    const int64_t batch = args.get_positive_int("--batch", nas::kSyopsBatch), seed = args.get_int("--seed", 0);
    Generator gen(static_cast<uint64_t>(seed));
    auto model = spiking::build_model(arch, &gen);
    model->eval();
    record = nas::instrumented_forward(*model, ones(spiking::input_shape(arch, batch)));
    energy = nas::estimate_energy(arch, record.input_rates, /*data_is_binary=*/true, batch);
  }

  if (args.flag("--json")) {
    nlohmann::json j = {{"params", params}, {"syops_flops", syops}, {"full_flops", full}};
    if (args.flag("--layers")) {
      j["layers"] = nlohmann::json::array();
      for (const auto& l : layers)
        j["layers"].push_back({{"name", l.name},
                               {"kind", nas::layer_kind_name(l.kind)},
                               {"input", nas::input_kind_name(l.input)},
                               {"ops", static_cast<double>(l.ops) * per_image},
                               {"syops", l.syops}});
    }
    if (firing) {
      j["firing_rates"] = nlohmann::json::object();
      for (const auto& [name, rate] : record.firing_rates) j["firing_rates"][name] = rate;
      j["sops"] = energy.sops;
      j["energy_mj_spikformer"] = energy.spikformer_mj;
      j["energy_mj_syops"] = energy.syops_mj;
    }
    out << j.dump() << "\n";
    return 0;
  }
  char line[256];
  out << source << ": " << spiking::model_kind_name(arch.model) << " (" << spiking::variant_name(arch.variant)
      << "), D " << arch.embed_dim << ", " << arch.depth << " blocks; input " << arch.img_size << "x" << arch.img_size
      << "x" << arch.in_channels << ", T " << arch.T << ", " << arch.num_classes << " classes\n";
  std::snprintf(line, sizeof(line), "parameters   %lld (%.4f M)\n", static_cast<long long>(params), params / 1e6);
  out << line;
  std::snprintf(line, sizeof(line), "syops FLOPs  %.6f G per image (the AutoST score)\n", syops / 1e9);
  out << line;
  std::snprintf(line, sizeof(line), "full FLOPs   %.6f G per image (+ attention matmuls, residual adds)\n", full / 1e9);
  out << line;
  if (firing) {
    std::snprintf(line, sizeof(line), "SOPs         %.6f G per image (firing-rate weighted synaptic ops)\n", energy.sops / 1e9);
    out << line;
    std::snprintf(line, sizeof(line), "energy       %.4f mJ (Spikformer: 4.6 pJ/MAC, 0.9 pJ/SOP), %.4f mJ (syops: %.4f G ACs, %.4f G MACs)\n",
                  energy.spikformer_mj, energy.syops_mj, energy.syops_acs / 1e9, energy.syops_macs / 1e9);
    out << line << "\nfiring rates at initialisation (eval mode, all-ones input):\n";
    for (const auto& [name, rate] : record.firing_rates) {
      std::snprintf(line, sizeof(line), "  %-32s %.4f\n", name.c_str(), rate);
      out << line;
    }
  }
  if (!layers.empty()) {
    std::snprintf(line, sizeof(line), "\n%-32s %-10s %-13s %16s\n", "layer", "kind", "input", "ops per image");
    out << line;
    for (const auto& l : layers) {
      std::snprintf(line, sizeof(line), "%-32s %-10s %-13s %16.0f%s\n", l.name.c_str(), nas::layer_kind_name(l.kind),
                    nas::input_kind_name(l.input), static_cast<double>(l.ops) * per_image, l.syops ? "" : "  (not in syops)");
      out << line;
    }
  }
  return 0;
}

int count_main(int argc, char** argv) { return count_main(argc, argv, std::cout); }

}  // namespace autost::apps
