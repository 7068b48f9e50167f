/* data.c - the data a config names, found and loaded by data/ (data.h). */
#include "config/data.h"

#include "data/load.h"

nn_status nn_config_locate_data(nn_config *cfg, const nn_data_env *env, nn_error *err)
{
    return nn_data_locate_spec(&cfg->data, cfg->source, env, err);
}

nn_status nn_config_load_data(const nn_config *cfg, const nn_hooks *hooks, nn_dataset *train,
                              nn_dataset *test, nn_error *err)
{
    return nn_data_load(&cfg->data, cfg->source, cfg->train.threads, hooks, train, test, err);
}
