#pragma once
// Matmul backends: out is contiguous [batch..., M, N]; the plan (kernels/matmul_plan.h) says where
// each operand matrix lives.
#include "kernels/matmul_plan.h"

namespace autost::kernels::cpu {
void matmul(const Tensor& out, const MatmulPlan& p);
}
namespace autost::kernels::cuda {
void matmul(const Tensor& out, const MatmulPlan& p);
}
