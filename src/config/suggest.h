/* suggest.h - "did you mean": the closest of a list of names to a mistyped one. */
#ifndef NN_CONFIG_SUGGEST_H
#define NN_CONFIG_SUGGEST_H

/* The candidate (NULL-terminated list) closest to s when it is reasonably close: about
 * one typo per four characters, counting a swap of neighbours as one and ignoring case;
 * else NULL. */
const char *nn_cfg_closest(const char *const *cands, const char *s);

#endif
