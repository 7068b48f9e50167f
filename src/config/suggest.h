/* suggest.h - "did you mean": the closest of a list of names to a mistyped one. */
#ifndef NN_CONFIG_SUGGEST_H
#define NN_CONFIG_SUGGEST_H

#include <stddef.h>

/* The candidate (NULL-terminated list) closest to s when it is reasonably close: about
 * one typo per four characters, counting a swap of neighbours as one and ignoring case;
 * else NULL. */
const char *nn_cfg_closest(const char *const *cands, const char *s);

/* The config keys called name (the last part of their path: "lr" -> "optimizer.lr"), or
 * whose dotted path is name, a layer's as "model.I.<key>"; each path once, at most cap of
 * them into paths (each of len bytes). Returns their count. */
size_t nn_cfg_keys_named(const char *name, char *paths, size_t len, size_t cap);

#endif
