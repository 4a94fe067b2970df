#include "apps/args.h"

#include <cmath>

#include "tensor/error.h"

namespace autost::apps {

Args::Args(int argc, char** argv, std::set<std::string> value_options, std::set<std::string> flags,
           std::set<std::string> repeatable)
    : command_(argc > 0 ? argv[0] : "autost") {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      help_ = true;
      continue;
    }
    if (a.size() < 3 || a.compare(0, 2, "--") != 0) {
      positionals_.push_back(a);
      continue;
    }
    std::string name = a, value;
    bool inline_value = false;
    if (auto eq = a.find('='); eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      inline_value = true;
    }
    if (flags.count(name)) {
      AUTOST_CHECK(!inline_value, name, " takes no value");
      flags_.insert(name);
    } else if (value_options.count(name) || repeatable.count(name)) {
      if (!inline_value) {
        AUTOST_CHECK(i + 1 < argc, name, " needs a value");
        value = argv[++i];
      }
      auto& slot = values_[name];
      AUTOST_CHECK(slot.empty() || repeatable.count(name), name, " given twice");
      slot.push_back(value);
    } else {
      AUTOST_FAIL("unknown option '", name, "' (see autost ", command_, " --help)");
    }
  }
}

std::optional<std::string> Args::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second.back();
}

std::string Args::get(const std::string& name, const std::string& fallback) const {
  return get(name).value_or(fallback);
}

std::string Args::required(const std::string& name) const {
  auto v = get(name);
  AUTOST_CHECK(v.has_value(), command_, ": ", name, " is required (see autost ", command_, " --help)");
  return *v;
}

std::vector<std::string> Args::all(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

int64_t parse_int(const std::string& s, const std::string& what) {
  size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  AUTOST_CHECK(!s.empty() && used == s.size(), what, " wants an integer, got '", s, "'");
  return v;
}

double parse_double(const std::string& s, const std::string& what) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  AUTOST_CHECK(!s.empty() && used == s.size() && std::isfinite(v), what, " wants a number, got '", s, "'");
  return v;
}

int64_t Args::get_int(const std::string& name, int64_t fallback) const {
  auto v = get(name);
  return v ? parse_int(*v, name) : fallback;
}

int64_t Args::get_positive_int(const std::string& name, int64_t fallback) const {
  auto v = get(name);
  if (!v) return fallback;
  int64_t n = parse_int(*v, name);
  AUTOST_CHECK(n > 0, name, " wants a positive integer, got '", *v, "'");
  return n;
}

double Args::get_double(const std::string& name, double fallback) const {
  auto v = get(name);
  return v ? parse_double(*v, name) : fallback;
}

}  // namespace autost::apps
