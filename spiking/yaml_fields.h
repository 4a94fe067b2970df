#pragma once
// The YAML reading every config file shares (architectures, search spaces, candidates, recipes):
// parse or fail naming the file and line, and read a scalar as a number with a one-line error.
#include <string>

#include <yaml-cpp/yaml.h>

namespace autost {

// YAML::Load(text), or "<where>: not valid YAML (line L: ...)".
YAML::Node load_yaml(const std::string& text, const std::string& where);
// The scalar n as a double, or "<where>: <key> must be a number, got '...'".
double yaml_number(const YAML::Node& n, const std::string& where, const std::string& key);

}  // namespace autost
