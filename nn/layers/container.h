#pragma once
// Containers whose children are named "0", "1", ... (torch's ModuleList and Sequential).
#include <initializer_list>
#include <memory>
#include <vector>

#include "nn/module.h"

namespace autost::nn {

class ModuleList : public Module {
 public:
  ModuleList() : Module("ModuleList") {}
  explicit ModuleList(std::vector<std::shared_ptr<Module>> modules);

  template <class M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> m) {
    append(m);
    return m;
  }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const std::shared_ptr<Module>& operator[](size_t i) const;
  // The i-th child as its concrete type; an error when it is not one.
  template <class M>
  std::shared_ptr<M> at(size_t i) const {
    auto m = std::dynamic_pointer_cast<M>((*this)[i]);
    AUTOST_CHECK(m != nullptr, type_name(), ": child ", i, " is a ", (*this)[i]->type_name(), ", not the type asked for");
    return m;
  }
  std::vector<std::shared_ptr<Module>>::const_iterator begin() const { return items_.begin(); }
  std::vector<std::shared_ptr<Module>>::const_iterator end() const { return items_.end(); }

 protected:
  explicit ModuleList(const char* type) : Module(type) {}
  void append(std::shared_ptr<Module> m);

 private:
  std::vector<std::shared_ptr<Module>> items_;
};

// Applies its children in order.
class Sequential : public ModuleList {
 public:
  Sequential() : ModuleList("Sequential") {}
  explicit Sequential(std::vector<std::shared_ptr<Module>> modules);
  Tensor forward(const Tensor& x) override;
};

}  // namespace autost::nn
