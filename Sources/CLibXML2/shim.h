#include <libxml/xmlversion.h>
// Debian's libxml2 is built with ICU; its ICU headers clash with the copy inside Foundation.
// The gateway never uses libxml2's ICU converters, so keep their headers out.
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlerror.h>

// xmlFree is a global function pointer, which Swift 6 treats as shared mutable state.
static inline void xml_free(void *pointer) { xmlFree(pointer); }
