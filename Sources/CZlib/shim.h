#include <zlib.h>

// deflateInit2 is a macro (it passes zlib's version and the size of z_stream), which Swift cannot call.
// Raw deflate: windowBits -15 writes no zlib header or trailer, as ZIP's method 8 wants.
static inline int czlib_deflate_init_raw(z_streamp stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
}
