#pragma once
// The block layouts and reference row conversions now live one type per file in weights/quant/ with the type table
// in weights/quant/quant_types.h; this header keeps the older include working for the Q8_0 / Q4_0 users.
#include "weights/quant/q4_0.h"
#include "weights/quant/q8_0.h"
#include "weights/quant/quant_types.h"
