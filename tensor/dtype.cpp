#include "tensor/dtype.h"

namespace autost {

size_t itemsize(DType d) {
  switch (d) {
    case kFloat32: return 4;
    case kFloat64: return 8;
    case kBFloat16: return 2;
    case kInt32: return 4;
    case kInt64: return 8;
    case kUInt8: return 1;
    case kBool: return 1;
  }
  return 0;
}

const char* dtype_name(DType d) {
  switch (d) {
    case kFloat32: return "float32";
    case kFloat64: return "float64";
    case kBFloat16: return "bfloat16";
    case kInt32: return "int32";
    case kInt64: return "int64";
    case kUInt8: return "uint8";
    case kBool: return "bool";
  }
  return "?";
}

}  // namespace autost
