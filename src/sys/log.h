/* log.h - informational lines handed to a caller's hook (libraries never print). */
#ifndef NN_LOG_H
#define NN_LOG_H

typedef void (*nn_log_fn)(void *ctx, const char *line);

/* Formats one line and passes it to log (nothing when log is NULL). */
void nn_logf(nn_log_fn log, void *ctx, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
