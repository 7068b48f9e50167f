/* loss.h - softmax cross-entropy over logits, numerically stable (max subtracted,
 * log-sum-exp in double). */
#ifndef NN_LOSS_H
#define NN_LOSS_H

#include <stddef.h>
#include <stdint.h>

/* For rows samples of c logits each: returns the SUM over samples of
 *   -log softmax(z)[y] = logsumexp(z) - z[y],
 * adds the number of samples whose arg-max (first maximum) equals the label to
 * *correct, and, when dlogits is not NULL, writes the gradient of the MEAN loss over
 * grad_rows samples: (softmax(z) - onehot(y)) / grad_rows. A non-finite logit makes
 * the returned sum non-finite. */
double nn_softmax_xent(const float *logits, const int32_t *labels, size_t rows, size_t c,
                       float *dlogits, size_t grad_rows, size_t *correct);

#endif
