/* nntrain.h - the public face of the library: what the command line and the tests use
 * (and the sweep, which runs many configs as the command line runs one).
 *
 * A run: nn_config_load reads and validates a JSON config, nn_train loads the data it
 * names, makes every check, trains and writes one CSV row per epoch; nn_check_data loads
 * and checks the same way and trains nothing. The library never prints and never exits:
 * it reports through nn_hooks, and a failure is an nn_status with one line in nn_error.
 *
 * Everything here is declared once, in the header beside its source, and this file only
 * gathers those headers; no header under src/ includes it back:
 *   nn_status, nn_error            sys/error.h
 *   nn_hooks                       sys/log.h (below data/, which reports through them too)
 *   nn_config, its data section    config/config.h, data/spec.h
 *   finding and loading that data  config/data.h, data/locate.h (nn_data_env)
 *   nn_dataset                     data/dataset.h
 *   the model, the dead units      nn/model.h, run/dead.h
 *   nn_epoch_report                run/report.h
 *   nn_train, nn_train_on          run/train.h
 *   nn_check_run, nn_check_outputs, nn_check_data   run/check.h */
#ifndef NNTRAIN_H
#define NNTRAIN_H

#include "config/config.h"
#include "config/data.h"
#include "data/dataset.h"
#include "data/locate.h"
#include "data/spec.h"
#include "nn/layer/model.h"
#include "run/check.h"
#include "run/dead.h"
#include "run/report.h"
#include "run/train.h"
#include "sys/error.h"
#include "sys/log.h"

#endif
