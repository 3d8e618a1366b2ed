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

// libxml2 prints encoding and I/O errors through its generic error function whatever the parser options
// say; a body of bad bytes would write a line to stderr per bad sequence. These errors are read back
// through xmlGetLastError instead, so the printing is dropped, on this thread and on threads to come.
static void xml_ignore_generic_error(void *context, const char *message, ...) {
    (void)context;
    (void)message;
}
static inline void xml_silence_generic_errors(void) {
    xmlThrDefSetGenericErrorFunc(NULL, xml_ignore_generic_error);
    xmlSetGenericErrorFunc(NULL, xml_ignore_generic_error);
}
