#ifndef WAMP_PUSH_CSQLITE_SHIM_H
#define WAMP_PUSH_CSQLITE_SHIM_H
#include <sqlite3.h>
// SQLITE_TRANSIENT is a cast macro Swift cannot import: sqlite copies the bound bytes.
static inline sqlite3_destructor_type wp_sqlite_transient(void) { return SQLITE_TRANSIENT; }
#endif
