#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <ostream>

#include "tensor/error.h"
#include "tensor/hd.h"

namespace autost {

enum class DType : uint8_t { Float32, Float64, BFloat16, Int32, Int64, UInt8, Bool };

inline constexpr DType kFloat32 = DType::Float32;
inline constexpr DType kFloat64 = DType::Float64;
inline constexpr DType kBFloat16 = DType::BFloat16;
inline constexpr DType kInt32 = DType::Int32;
inline constexpr DType kInt64 = DType::Int64;
inline constexpr DType kUInt8 = DType::UInt8;
inline constexpr DType kBool = DType::Bool;

// bfloat16 is a storage type: it converts to and from float (round to nearest even) and all
// arithmetic happens in float.
struct bfloat16 {
  uint16_t bits = 0;
  bfloat16() = default;
  AUTOST_HD explicit bfloat16(float f) : bits(from_float(f)) {}
  AUTOST_HD operator float() const {
    uint32_t u = static_cast<uint32_t>(bits) << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
  }
  AUTOST_HD static uint16_t from_float(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    if ((u & 0x7f800000u) == 0x7f800000u && (u & 0x007fffffu)) return 0x7fc0;  // NaN stays NaN
    uint32_t rounding = 0x7fffu + ((u >> 16) & 1u);
    return static_cast<uint16_t>((u + rounding) >> 16);
  }
};

size_t itemsize(DType d);
const char* dtype_name(DType d);
inline bool is_floating(DType d) { return d == kFloat32 || d == kFloat64 || d == kBFloat16; }
inline std::ostream& operator<<(std::ostream& os, DType d) { return os << dtype_name(d); }

template <class T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr DType value = kFloat32; };
template <> struct dtype_of<double> { static constexpr DType value = kFloat64; };
template <> struct dtype_of<bfloat16> { static constexpr DType value = kBFloat16; };
template <> struct dtype_of<int32_t> { static constexpr DType value = kInt32; };
template <> struct dtype_of<int64_t> { static constexpr DType value = kInt64; };
template <> struct dtype_of<uint8_t> { static constexpr DType value = kUInt8; };
template <> struct dtype_of<bool> { static constexpr DType value = kBool; };

template <class T> struct type_tag { using type = T; };

// Calls fn(type_tag<T>{}) for the C++ type of `d`. The *_floating variant covers the compute types
// (float32, float64); dispatch_all covers every dtype, for copies and conversions.
template <class F>
decltype(auto) dispatch_floating(DType d, const char* op, F&& fn) {
  switch (d) {
    case kFloat32: return fn(type_tag<float>{});
    case kFloat64: return fn(type_tag<double>{});
    default: AUTOST_FAIL(op, ": dtype ", dtype_name(d), " not supported (expected float32 or float64)");
  }
}

template <class F>
decltype(auto) dispatch_all(DType d, const char* op, F&& fn) {
  switch (d) {
    case kFloat32: return fn(type_tag<float>{});
    case kFloat64: return fn(type_tag<double>{});
    case kBFloat16: return fn(type_tag<bfloat16>{});
    case kInt32: return fn(type_tag<int32_t>{});
    case kInt64: return fn(type_tag<int64_t>{});
    case kUInt8: return fn(type_tag<uint8_t>{});
    case kBool: return fn(type_tag<bool>{});
  }
  AUTOST_FAIL(op, ": unknown dtype");
}

// Numeric types (everything but bool and bfloat16): comparisons, arange, where.
template <class F>
decltype(auto) dispatch_numeric(DType d, const char* op, F&& fn) {
  switch (d) {
    case kFloat32: return fn(type_tag<float>{});
    case kFloat64: return fn(type_tag<double>{});
    case kInt32: return fn(type_tag<int32_t>{});
    case kInt64: return fn(type_tag<int64_t>{});
    case kUInt8: return fn(type_tag<uint8_t>{});
    default: AUTOST_FAIL(op, ": dtype ", dtype_name(d), " not supported");
  }
}

}  // namespace autost
