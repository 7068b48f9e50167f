/* activations.c - the table of activation modules. A new activation: one file defining
 * its nn_act_def, one extern line and one table line here. */
#include <string.h>

#include "nn/act/activation.h"

extern const nn_act_def nn_act_relu, nn_act_leaky_relu, nn_act_prelu, nn_act_elu, nn_act_selu;

const nn_act_def *const nn_activations[] = {
    &nn_act_relu, &nn_act_leaky_relu, &nn_act_prelu, &nn_act_elu, &nn_act_selu, NULL,
};

const nn_act_def *nn_act_find(const char *name)
{
    for (size_t i = 0; nn_activations[i]; i++)
        if (strcmp(nn_activations[i]->name, name) == 0)
            return nn_activations[i];
    return NULL;
}
