#include "spiking/yaml_fields.h"

#include "tensor/error.h"

namespace autost {

YAML::Node load_yaml(const std::string& text, const std::string& where) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    AUTOST_FAIL(where, ": not valid YAML (line ", e.mark.line + 1, ": ", e.msg, ")");
  }
}

double yaml_number(const YAML::Node& n, const std::string& where, const std::string& key) {
  AUTOST_CHECK(n.IsScalar(), where, ": ", key, " must be a number");
  try {
    return n.as<double>();
  } catch (const YAML::Exception&) {
    AUTOST_FAIL(where, ": ", key, " must be a number, got '", n.Scalar(), "'");
  }
}

}  // namespace autost
