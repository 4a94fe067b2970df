#pragma once
// Every layer, for code that builds models.
#include "nn/layers/activation.h"
#include "nn/layers/container.h"
#include "nn/layers/conv.h"
#include "nn/layers/dropout.h"
#include "nn/layers/linear.h"
#include "nn/layers/norm.h"
#include "nn/layers/pool.h"
#include "nn/module.h"
