#pragma once
// The small argument reader every subcommand shares: "--key value", "--key=value", "--flag" and
// positionals. Each subcommand declares what it accepts, so an unknown option or a missing value is
// a one-line autost::Error naming the option (apps/main.cpp prints it and exits 2).
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace autost::apps {

class Args {
 public:
  // argv[0] is the subcommand's name (used in messages). value_options take a value; flags do not;
  // repeatable options (e.g. --set) may appear several times.
  Args(int argc, char** argv, std::set<std::string> value_options, std::set<std::string> flags,
       std::set<std::string> repeatable = {});

  bool help() const { return help_; }  // --help or -h was given
  bool flag(const std::string& name) const { return flags_.count(name) > 0; }
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::optional<std::string> get(const std::string& name) const;
  std::string get(const std::string& name, const std::string& fallback) const;
  std::string required(const std::string& name) const;  // error when absent
  std::vector<std::string> all(const std::string& name) const;  // every value of a repeatable option
  // Typed reads with the option named in the error: "--batch wants a positive integer, got 'x'".
  int64_t get_int(const std::string& name, int64_t fallback) const;
  int64_t get_positive_int(const std::string& name, int64_t fallback) const;
  double get_double(const std::string& name, double fallback) const;
  const std::vector<std::string>& positionals() const { return positionals_; }

 private:
  std::string command_;
  bool help_ = false;
  std::set<std::string> flags_;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positionals_;
};

// Strict number parsing shared with recipes: the whole string must be the number.
int64_t parse_int(const std::string& s, const std::string& what);
double parse_double(const std::string& s, const std::string& what);

}  // namespace autost::apps
