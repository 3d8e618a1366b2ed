// Declarations only: libFuzzer itself is linked by `-sanitize=fuzzer`.
#include "fuzz_driver.h"
