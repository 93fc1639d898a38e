#ifndef SHAREWIRE_CPROTOBUFC_SHIM_H
#define SHAREWIRE_CPROTOBUFC_SHIM_H
#include <protobuf-c/protobuf-c.h>
#endif
