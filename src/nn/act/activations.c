/* activations.c - the table of activation modules. */
#include <string.h>

#include "nn/act/activation.h"

/* One line per activation, in table order: X(name) refers to nn_act_<name>, which the
 * file src/nn/act/<name>.c defines. A new line goes above the closing comment. */
#define NN_ACTIVATION_LIST(X)                                                                      \
    X(relu)                                                                                        \
    X(leaky_relu)                                                                                  \
    X(prelu)                                                                                       \
    X(elu)                                                                                         \
    X(selu)                                                                                        \
    /* end of the list */

#define NN_ACT_DECLARE(name) extern const nn_act_def nn_act_##name;
#define NN_ACT_ENTRY(name) &nn_act_##name,

NN_ACTIVATION_LIST(NN_ACT_DECLARE)

const nn_act_def *const nn_activations[] = {NN_ACTIVATION_LIST(NN_ACT_ENTRY) NULL};

const nn_act_def *nn_act_find(const char *name)
{
    for (size_t i = 0; nn_activations[i]; i++)
        if (strcmp(nn_activations[i]->name, name) == 0)
            return nn_activations[i];
    return NULL;
}
