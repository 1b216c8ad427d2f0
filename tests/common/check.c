// SPDX-License-Identifier: MIT
#include "check.h"

atomic_uint check_failures;
