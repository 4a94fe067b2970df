#pragma once
// autost::Error and the AUTOST_CHECK macro: every user-facing failure is one of these, carrying a
// message that names the op (or file) and the offending shapes, so apps can print it as one line.
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>
#include <cstdint>
#include <ostream>

namespace autost {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Shapes print as [2, 3, 4] inside error messages (declared here so AUTOST_CHECK can see it).
std::ostream& operator<<(std::ostream& os, const std::vector<int64_t>& shape);

namespace detail {
template <class... Args>
std::string concat(Args&&... args) {
  std::ostringstream os;
  (os << ... << std::forward<Args>(args));
  return os.str();
}
}  // namespace detail

}  // namespace autost

// AUTOST_CHECK(cond, "op: ", a.shape(), " vs ", b.shape()) throws autost::Error with the pieces
// streamed together. The message is built only when the check fails.
#define AUTOST_CHECK(cond, ...)                                                   \
  do {                                                                            \
    if (!(cond)) throw ::autost::Error(::autost::detail::concat(__VA_ARGS__));    \
  } while (0)

#define AUTOST_FAIL(...) throw ::autost::Error(::autost::detail::concat(__VA_ARGS__))
