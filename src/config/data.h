/* data.h - the data a config names, as data/ finds and loads it: data/ takes the config's
 * data section (cfg->data, a nn_data_spec) with the config file named in messages and the
 * run's thread count, and knows nothing else of the config. */
#ifndef NN_CONFIG_DATA_H
#define NN_CONFIG_DATA_H

#include "config/config.h"
#include "data/dataset.h"
#include "data/locate.h"
#include "sys/error.h"
#include "sys/log.h"

/* nn_data_locate_spec on cfg->data: each data path replaced with where it is found. */
nn_status nn_config_locate_data(nn_config *cfg, const nn_data_env *env, nn_error *err);

/* nn_data_load on cfg->data: both sets, loaded on two threads unless train.threads is 1. */
nn_status nn_config_load_data(const nn_config *cfg, const nn_hooks *hooks, nn_dataset *train,
                              nn_dataset *test, nn_error *err);

#endif
