// SPDX-License-Identifier: MIT
#include "tests/common/check.h"

atomic_uint check_failures;
