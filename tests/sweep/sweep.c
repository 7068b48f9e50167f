/* sweep/sweep.c - nntrain sweep: the expansion of axes x seeds into named runs, validation of
 * every combination before anything runs, the summary's statistics on hand-made files,
 * complete runs skipped and partial ones redone, --print-jobs run by a shell then --collect,
 * missing and partial runs reported, a stop request, and the untrained (born-dead) table
 * equal to the epoch-0 rows of single runs. Data: small synthetic IDX files on disk. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nntrain.h"
#include "suites.h"
#include "support/fixture.h"
#include "support/helpers.h"
#include "sweep/files.h"
#include "sweep/fixture.h"
#include "sweep/sweep.h"

START_TEST(test_sweep_expansion)
{
    fixture f;
    fx_open(&f, 1);
    fx_sweep(&f, "\"activations\": [\"relu\", \"elu\"], \"grid\": {\"optimizer.lr\": [0.1, 0.5],"
                 " \"optimizer.momentum\": [0, 0.9]}, \"seeds\": [3, 7]");
    nn_sweep s;
    fx_load(&s, &f);
    ck_assert_uint_eq(s.n_axes, 3);
    ck_assert_str_eq(s.axes[1].label, "lr");
    ck_assert_str_eq(s.axes[2].label, "momentum");
    ck_assert_uint_eq(s.n_combos, 8);
    ck_assert_uint_eq(nn_sweep_runs(&s), 16);
    ck_assert_int_eq(s.table, 0);
    /* The activation varies fastest, then the last grid axis. */
    ck_assert_str_eq(s.combo_name[0], "relu_lr0.1_momentum0");
    ck_assert_str_eq(s.combo_name[1], "elu_lr0.1_momentum0");
    ck_assert_str_eq(s.combo_name[2], "relu_lr0.1_momentum0.9");
    ck_assert_str_eq(s.combo_name[7], "elu_lr0.5_momentum0.9");
    char *name = nn_sweep_run_name(&s, 15);
    ck_assert_str_eq(name, "elu_lr0.5_momentum0.9_s7");
    free(name);
    /* The resolved config: the activation swapped, the axis values and seed set. */
    ck_assert_ptr_eq(s.cfgs[7].modules[1].act, nn_act_find("elu"));
    ck_assert_ptr_eq(s.cfgs[7].modules[3].act, nn_act_find("elu"));
    ck_assert_double_eq(s.cfgs[7].optim.lr, 0.5);
    ck_assert_double_eq(nn_optim_hp(s.cfgs[7].optim.def, s.cfgs[7].optim.hp, "momentum"), 0.9);
    char *json = nn_sweep_run_json(&s, 15);
    nn_config cfg;
    nn_error err;
    ck_assert_msg(nn_config_parse(&cfg, json, "run", NULL, 0, &err) == NN_OK, "%s", err.msg);
    ck_assert_uint_eq(cfg.seed, 7);
    ck_assert_msg(strstr(cfg.csv, "/out/elu_lr0.5_momentum0.9_s7.csv") != NULL, "%s", cfg.csv);
    nn_config_free(&cfg);
    free(json);
    nn_sweep_free(&s);

    /* "hidden": depth x (dense, activation) + the base's output layer; seeds first/count. */
    fx_sweep(&f, "\"activations\": [\"selu\"], \"hidden\": {\"units\": [2, 4], \"layers\": [3]},"
                 " \"seeds\": {\"first\": 10, \"count\": 4}");
    fx_load(&s, &f);
    ck_assert_uint_eq(s.n_combos, 2);
    ck_assert_str_eq(s.combo_name[1], "selu_w4_d3");
    ck_assert_uint_eq(s.cfgs[1].n_modules, 7);
    ck_assert_uint_eq(nn_spec_get(&s.cfgs[1].modules[4], "units"), 4);
    ck_assert_uint_eq(nn_spec_get(&s.cfgs[1].modules[6], "units"), 5);
    ck_assert_uint_eq(s.seeds[3], 13);
    nn_sweep_free(&s);
    fx_close(&f);
}
END_TEST

/* Run names follow the config's name rule (letters, digits, '_', '.', '-', at most 64
 * characters) whatever the values: a '+' of an exponent is dropped (1e+10 -> 1e10), other
 * characters become '_', and a name too long for its seeds is cut and ends in a hash of the
 * whole name, so that names stay unique. Each run's resolved config loads as a config. */
START_TEST(test_sweep_names_made_valid)
{
    fixture f;
    fx_open(&f, 1);
    fx_sweep(&f, "\"grid\": {\"data.train_limit\": [1e10, 100]}, \"seeds\": [9007199254740992]");
    nn_sweep s;
    fx_load(&s, &f);
    ck_assert_str_eq(s.combo_name[0], "relu_train_limit1e10");
    ck_assert_str_eq(s.combo_name[1], "relu_train_limit100");
    nn_sweep_free(&s);
    fx_sweep(&f, "\"activations\": [\"leaky_relu\"], \"grid\": {\"optimizer.momentum\": "
                 "[0.123456789], \"optimizer.weight_decay\": [0.000123456789], "
                 "\"dead_units.samples\": [1234567], \"data.train_limit\": [1000000000, "
                 "1000000001]}, \"seeds\": [9007199254740992]");
    fx_load(&s, &f);
    ck_assert_uint_eq(s.n_combos, 2);
    ck_assert_str_ne(s.combo_name[0], s.combo_name[1]);
    for (size_t r = 0; r < 2; r++) {
        char *name = nn_sweep_run_name(&s, r), *json = nn_sweep_run_json(&s, r);
        ck_assert_msg(strlen(name) <= 64, "%s", name);
        ck_assert_msg(strncmp(name, "leaky_relu_momentum0.123456789_weight-", 38) == 0 &&
                          strlen(name) == 46 + strlen("_s9007199254740992"),
                      "%s", name);
        nn_config cfg;
        nn_error err;
        ck_assert_msg(nn_config_parse(&cfg, json, "run", NULL, 0, &err) == NN_OK, "%s", err.msg);
        ck_assert_str_eq(cfg.name, name);
        nn_config_free(&cfg);
        free(name);
        free(json);
    }
    nn_sweep_free(&s);
    fx_close(&f);
}
END_TEST

/* Loads f's sweep expecting NN_ECONFIG with every part of want in the message. */
static void refused(const fixture *f, const char *want1, const char *want2)
{
    nn_sweep s;
    nn_error err = {0};
    ck_assert_int_eq(nn_sweep_load(&s, f->sweep, NULL, 0, &err), NN_ECONFIG);
    ck_assert_msg(strstr(err.msg, want1) != NULL, "'%s' not in: %s", want1, err.msg);
    ck_assert_msg(!want2 || strstr(err.msg, want2) != NULL, "'%s' not in: %s", want2, err.msg);
    ck_assert_ptr_null(strchr(err.msg, '\n'));
}

/* A relative base is found next to the sweep file first, then from the current folder. */
START_TEST(test_sweep_base_beside_the_file)
{
    fixture f;
    fx_open(&f, 1);
    char sub[600], sweep[700], want[700];
    fx_path(&f, "sub", sub, sizeof sub);
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    snprintf(sweep, sizeof sweep, "%s/sweep.json", sub);
    fx_write(sweep, "{\"base\": \"../base.json\", \"seeds\": [1]}");
    nn_sweep s;
    nn_error err;
    ck_assert_msg(nn_sweep_load(&s, sweep, "out", 0, &err) == NN_OK, "%s", err.msg);
    snprintf(want, sizeof want, "%s/../base.json", sub);
    ck_assert_str_eq(s.base, want);
    nn_sweep_free(&s);
    /* not beside it: as written, from the current folder (the repository root) */
    fx_write(sweep, "{\"base\": \"configs/mnist_relu.json\", \"seeds\": [1]}");
    ck_assert_msg(nn_sweep_load(&s, sweep, "out", 0, &err) == NN_OK, "%s", err.msg);
    ck_assert_str_eq(s.base, "configs/mnist_relu.json");
    nn_sweep_free(&s);
    unlink(sweep);
    rmdir(sub);
    fx_close(&f);
}
END_TEST

START_TEST(test_sweep_validation)
{
    fixture f;
    fx_open(&f, 1);
    /* The last combination is bad: found before anything runs, named. */
    fx_sweep(&f, "\"activations\": [\"relu\", \"elu\"], \"grid\": {\"optimizer.lr\": [0.1, -1]}");
    refused(&f, "[relu, lr=-1]", "optimizer.lr");
    fx_sweep(&f, "\"activations\": [\"relu\", \"leaky_rlu\"]");
    refused(&f, "activations[1]", "did you mean \"leaky_relu\"");
    fx_sweep(&f, "\"grid\": {\"optimizer.lr\": []}");
    refused(&f, "grid.\"optimizer.lr\"", "non-empty array");
    fx_sweep(&f, "\"grid\": {\"seed\": [1, 2]}");
    refused(&f, "grid.\"seed\"", "seeds");
    fx_sweep(&f, "\"seeds\": [1, 1]");
    refused(&f, "seeds: 1", "twice");
    fx_sweep(&f, "\"jbos\": 2");
    refused(&f, "\"jbos\" is not a sweep key", "did you mean \"jobs\"");
    fx_sweep(&f, "\"hidden\": {\"units\": [0], \"layers\": [2]}");
    refused(&f, "hidden.units[0]", "integer");
    fx_sweep(&f, "\"set\": {\"train.epochs\": 0}, \"grid\": {\"train.epochs\": [0, 1]}");
    refused(&f, "train.epochs is 0 in some", NULL);
    fx_close(&f);
}
END_TEST

START_TEST(test_sweep_summary_statistics)
{
    fixture f;
    fx_open(&f, 1);
    fx_sweep(&f, "\"seeds\": [1, 2, 3, 4, 5]");
    nn_sweep s;
    fx_load(&s, &f);
    ck_assert_int_eq(mkdir(f.out, 0777), 0);
    fx_fake_run(&s, 0, "ok", 0.0, 0.10, 0.9, 1);
    fx_fake_run(&s, 1, "ok", 0.0, 0.20, 0.8, 2);
    fx_fake_run(&s, 2, "ok", 0.1, 0.30, 0.7, 3);
    fx_fake_run(&s, 3, "diverged", 0.5, 0.9, 0.1, 0); /* not in the means */
    /* run 4: missing */
    nn_sweep_tally t;
    nn_error err;
    ck_assert_msg(nn_sweep_summarize(&s, NULL, NULL, &t, &err) == NN_OK, "%s", err.msg);
    ck_assert_uint_eq(t.runs, 5);
    ck_assert_uint_eq(t.complete, 4);
    ck_assert_uint_eq(t.ok, 3);
    ck_assert_uint_eq(t.diverged, 1);
    ck_assert_uint_eq(t.missing, 1);
    char *sum = fx_out_text(&f, "summary.csv");
    ck_assert_ptr_nonnull(sum);
    /* mean 0.8, sample std 0.1 of accuracy; dead 0.2 +- 0.1; init 0.0333 +- 0.0577;
     * max = final here; revived 2 +- 1. */
    ck_assert_msg(strstr(sum, "\nrelu,4,3,1,0,0,0.800000,0.100000,0.200000,0.100000,0.033333,"
                              "0.057735,0.200000,0.100000,2.000,1.000\n") != NULL,
                  "%s", sum);
    free(sum);
    char *ep = fx_out_text(&f, "epochs.csv");
    ck_assert_msg(strstr(ep, "relu,1,3,0.200000,0.100000,0.800000,0.100000\n") != NULL, "%s", ep);
    free(ep);
    /* A run whose resolved config is another sweep's (the file changed) is not counted. */
    char *json = nn_sweep_run_file(&s, 2, ".json");
    fx_write(json, "{\"seed\": 99}");
    free(json);
    ck_assert_int_eq(nn_sweep_summarize(&s, NULL, NULL, &t, &err), NN_OK);
    ck_assert_uint_eq(t.ok, 2);
    ck_assert_uint_eq(t.partial, 1);
    nn_sweep_free(&s);
    fx_close(&f);
}
END_TEST

START_TEST(test_sweep_resume)
{
    fixture f;
    fx_open(&f, 2);
    fx_sweep(&f, "\"activations\": [\"relu\", \"leaky_relu\"], \"seeds\": [1, 2], \"jobs\": 2");
    nn_sweep s;
    fx_load(&s, &f);
    /* Stopped before the first run: nothing done, NN_EINTR. */
    volatile sig_atomic_t stop = 1;
    ck_assert_uint_eq(fx_exec(&s, &stop, NN_EINTR), 0);
    stop = 0;
    ck_assert_uint_eq(fx_exec(&s, &stop, NN_OK), 4);
    char *first = fx_out_text(&f, "leaky_relu_s2.csv");
    ck_assert_ptr_nonnull(first);
    /* Everything complete: nothing runs. */
    ck_assert_uint_eq(fx_exec(&s, NULL, NN_OK), 0);
    /* A partial run (its status says running, its CSV is cut) is redone, and only it. */
    char path[700];
    snprintf(path, sizeof path, "%s/leaky_relu_s2.status.json", f.out);
    fx_write(path, "{\"status\": \"running\"}");
    snprintf(path, sizeof path, "%s/leaky_relu_s2.csv", f.out);
    fx_write(path, "epoch,step\n0,0\n");
    ck_assert_uint_eq(fx_exec(&s, NULL, NN_OK), 1);
    char *again = fx_out_text(&f, "leaky_relu_s2.csv");
    th_strip_last_column(first);
    th_strip_last_column(again);
    ck_assert_str_eq(first, again);
    free(first);
    free(again);
    /* A changed sweep file (another lr) makes every run stale. */
    nn_sweep_free(&s);
    fx_sweep(&f, "\"activations\": [\"relu\", \"leaky_relu\"], \"seeds\": [1, 2],"
                 " \"set\": {\"optimizer.lr\": 0.05}");
    fx_load(&s, &f);
    /* --print-jobs after the change lists every run and leaves no stale status behind. */
    char jobs[600];
    snprintf(jobs, sizeof jobs, "%s/jobs.sh", f.dir);
    FILE *fp = fopen(jobs, "w");
    size_t printed, held;
    nn_error err;
    ck_assert_int_eq(nn_sweep_print_jobs(&s, th_nntrain(), fp, &printed, &held, &err), NN_OK);
    fclose(fp);
    ck_assert_uint_eq(printed, 4);
    snprintf(path, sizeof path, "%s/relu_s1.status.json", f.out);
    ck_assert_int_ne(access(path, F_OK), 0);
    ck_assert_uint_eq(fx_exec(&s, NULL, NN_OK), 4);
    nn_sweep_free(&s);
    fx_close(&f);
}
END_TEST

/* A base with a per-unit history gives each run its own, beside its CSV. */
START_TEST(test_sweep_units_per_run)
{
    fixture f;
    fx_open(&f, 1);
    char units[600];
    fx_path(&f, "one.units.csv", units, sizeof units);
    fx_base_output(&f, "units", units);
    fx_sweep(&f, "\"seeds\": [1, 2], \"jobs\": 2");
    nn_sweep s;
    fx_load(&s, &f);
    ck_assert_uint_eq(fx_exec(&s, NULL, NN_OK), 2);
    char *u1 = fx_out_text(&f, "relu_s1.units.csv"), *u2 = fx_out_text(&f, "relu_s2.units.csv");
    ck_assert_ptr_nonnull(u1);
    ck_assert_ptr_nonnull(u2);
    ck_assert_str_ne(u1, u2);
    free(u1);
    free(u2);
    nn_sweep_free(&s);
    fx_close(&f);
}
END_TEST

/* A checkpoint in the base becomes each run's own (never one file for all), holding that
 * run's config: the run's own file resumes it, another run's is refused by name. */
START_TEST(test_sweep_checkpoint_per_run)
{
    fixture f;
    fx_open(&f, 1);
    char shared[600];
    fx_path(&f, "shared.safetensors", shared, sizeof shared);
    fx_base_output(&f, "checkpoint", shared);
    fx_sweep(&f, "\"seeds\": [1, 2], \"jobs\": 2");
    nn_sweep s;
    fx_load(&s, &f);
    ck_assert_uint_eq(fx_exec(&s, NULL, NN_OK), 2);
    nn_sweep_free(&s);
    ck_assert_int_ne(access(shared, F_OK), 0);
    char run_json[700], own[700], other[700], *overrides[] = {"train.epochs=2"};
    snprintf(run_json, sizeof run_json, "%s/relu_s2.json", f.out);
    snprintf(own, sizeof own, "%s/relu_s2.safetensors", f.out);
    snprintf(other, sizeof other, "%s/relu_s1.safetensors", f.out);
    ck_assert_int_eq(access(own, F_OK), 0);
    ck_assert_int_eq(access(other, F_OK), 0);
    for (int k = 0; k < 2; k++) {
        nn_config cfg;
        nn_error err;
        ck_assert_msg(nn_config_load(&cfg, run_json, (const char *const *)overrides, 1, &err) ==
                          NN_OK,
                      "%s", err.msg);
        ck_assert_int_eq(nn_config_set_resume(&cfg, k ? own : other, NULL), NN_OK);
        nn_status st = nn_train(&cfg, NULL, &err);
        if (k == 0) {
            ck_assert_int_eq(st, NN_ECONFIG);
            ck_assert_msg(strstr(err.msg, "seed is 1 in the checkpoint, 2 now"), "%s", err.msg);
        } else {
            ck_assert_msg(st == NN_OK, "%s", err.msg);
        }
        nn_config_free(&cfg);
    }
    char *csv = fx_out_text(&f, "relu_s2.csv");
    ck_assert_ptr_nonnull(csv);
    ck_assert_ptr_nonnull(strstr(csv, "\n2,"));
    free(csv);
    fx_close(&f);
}
END_TEST

/* --collect on an untrained table edited by hand (a column gone, a row cut) does not
 * crash: the combination is reported partial. */
START_TEST(test_sweep_collect_edited_table)
{
    fixture f;
    fx_open(&f, 0);
    fx_sweep(&f, "\"hidden\": {\"units\": [3], \"layers\": [2]}, \"seeds\": [1, 2, 3]");
    nn_sweep s;
    fx_load(&s, &f);
    ck_assert_uint_eq(fx_exec(&s, NULL, NN_OK), 3);
    char *path = nn_sweep_table_file(&s, 0, ".csv");
    fx_write(path, "run,activation,seed,status\nx,relu,1,ok\nx,relu,2,ok\nx,relu,3,ok\n");
    nn_sweep_tally t;
    nn_error err;
    ck_assert_int_eq(nn_sweep_summarize(&s, NULL, NULL, &t, &err), NN_OK);
    ck_assert_uint_eq(t.ok, 0);
    fx_write(path, "run,activation\nx,relu\n");
    ck_assert_int_eq(nn_sweep_summarize(&s, NULL, NULL, &t, &err), NN_OK);
    ck_assert_uint_eq(t.partial, 3);
    free(path);
    nn_sweep_free(&s);
    fx_close(&f);
}
END_TEST

/* --print-jobs run by a shell, then --collect: the summary of an in-process sweep. */
START_TEST(test_sweep_print_jobs_collect)
{
    fixture f;
    fx_open(&f, 2);
    fx_sweep(&f, "\"activations\": [\"relu\", \"elu\"], \"grid\": {\"optimizer.lr\": [0.05, 5]},"
                 " \"seeds\": [1, 2]");
    nn_sweep s;
    fx_load(&s, &f);
    ck_assert_uint_eq(fx_exec(&s, NULL, NN_OK), 8);
    nn_sweep_tally t;
    nn_error err;
    ck_assert_int_eq(nn_sweep_summarize(&s, NULL, NULL, &t, &err), NN_OK);
    char *inproc = fx_out_text(&f, "summary.csv");
    nn_sweep_free(&s);

    char out2[600], jobs[600], cmd[2048];
    snprintf(out2, sizeof out2, "%s/out2", f.dir);
    ck_assert_int_eq(nn_sweep_load(&s, f.sweep, out2, 0, &err), NN_OK);
    snprintf(jobs, sizeof jobs, "%s/jobs.sh", f.dir);
    FILE *fp = fopen(jobs, "w");
    size_t printed, held;
    ck_assert_int_eq(nn_sweep_print_jobs(&s, th_nntrain(), fp, &printed, &held, &err), NN_OK);
    fclose(fp);
    ck_assert_uint_eq(printed, 8);
    char *list = th_slurp(jobs);
    ck_assert_msg(strstr(list, "/out2/elu_lr5_s2.json' --quiet\n") != NULL, "%s", list);
    free(list);
    /* Runs that diverge exit 1: the shell goes on (as GNU parallel does). */
    snprintf(cmd, sizeof cmd, "while read -r line; do sh -c \"$line\" 2>/dev/null || :; done < '%s'",
             jobs);
    ck_assert_int_eq(th_run(cmd), 0);
    /* Missing and partial runs are reported; then the complete set gives the same summary. */
    char path[700], *save;
    snprintf(path, sizeof path, "%s/relu_lr0.05_s1.status.json", out2);
    save = th_slurp(path);
    fx_write(path, "{\"status\": \"running\"}");
    snprintf(path, sizeof path, "%s/elu_lr0.05_s2.status.json", out2);
    ck_assert_int_eq(remove(path), 0);
    snprintf(path, sizeof path, "%s/elu_lr0.05_s2.csv", out2);
    char *save_csv = th_slurp(path);
    ck_assert_int_eq(remove(path), 0);
    ck_assert_int_eq(nn_sweep_summarize(&s, NULL, NULL, &t, &err), NN_OK);
    ck_assert_uint_eq(t.partial, 1);
    ck_assert_uint_eq(t.missing, 1);
    ck_assert_uint_eq(t.complete, 6);
    fx_write(path, save_csv);
    snprintf(path, sizeof path, "%s/elu_lr0.05_s2.status.json", out2);
    char *st1 = fx_out_text(&f, "elu_lr0.05_s2.status.json");
    fx_write(path, st1);
    snprintf(path, sizeof path, "%s/relu_lr0.05_s1.status.json", out2);
    fx_write(path, save);
    ck_assert_int_eq(nn_sweep_summarize(&s, NULL, NULL, &t, &err), NN_OK);
    ck_assert_uint_eq(t.complete, 8);
    snprintf(path, sizeof path, "%s/summary.csv", out2);
    char *collected = th_slurp(path);
    ck_assert_str_eq(inproc, collected);
    ck_assert_msg(strstr(collected, "relu,5,2,0,") != NULL || strstr(collected, "elu,5,2,0,"),
                  "lr 5 should fail: %s", collected);
    free(save);
    free(save_csv);
    free(st1);
    free(inproc);
    free(collected);
    nn_sweep_free(&s);
    fx_close(&f);
}
END_TEST

/* The untrained table's row of a network equals epoch 0 of the same single run. */
START_TEST(test_sweep_untrained_matches_run)
{
    fixture f;
    fx_open(&f, 0);
    fx_sweep(&f, "\"activations\": [\"relu\", \"selu\"], \"hidden\": {\"units\": [3],"
                 " \"layers\": [4]}, \"set\": {\"dead_units.samples\": 40},"
                 " \"seeds\": {\"first\": 1, \"count\": 20}, \"jobs\": 2");
    nn_sweep s;
    fx_load(&s, &f);
    ck_assert_int_eq(s.table, 1);
    ck_assert_uint_eq(fx_exec(&s, NULL, NN_OK), 40);
    ck_assert_uint_eq(fx_exec(&s, NULL, NN_OK), 0); /* complete */
    nn_sweep_tally t;
    nn_error err;
    ck_assert_int_eq(nn_sweep_summarize(&s, NULL, NULL, &t, &err), NN_OK);
    ck_assert_uint_eq(t.complete, 40);
    char *table = fx_out_text(&f, "results.csv");
    ck_assert_ptr_nonnull(table);
    nn_dataset train, test;
    ck_assert_int_eq(th_synthetic(&train, 200, 8, 5, 1), 0);
    ck_assert_int_eq(th_synthetic(&test, 60, 8, 5, 2), 0);
    for (size_t r = 0; r < nn_sweep_runs(&s); r += 7) {
        char csv[700];
        snprintf(csv, sizeof csv, "%s/single.csv", f.dir);
        nn_config cfg = s.cfgs[r / s.n_seeds];
        cfg.seed = s.seeds[r % s.n_seeds];
        cfg.csv = csv;
        ck_assert_int_eq(nn_train_on(&cfg, &train, &test, NULL, &err), NN_OK);
        char *single = th_slurp(csv), *row = strchr(single, '\n') + 1;
        /* epoch,step,lr,test_loss,test_acc,dead,dead_frac,... */
        char *c[8]; /* strtok skips the empty train_loss,train_acc of epoch 0 */
        c[0] = strtok(row, ",");
        for (int i = 1; i < 8; i++)
            c[i] = strtok(NULL, ",");
        char *name = nn_sweep_run_name(&s, r), want[512];
        snprintf(want, sizeof want, "%s,%s,%s,%s,%llu,ok,%s,%s,", name,
                 s.axes[0].text[s.pick[(r / s.n_seeds) * s.n_axes]], "3", "4",
                 (unsigned long long)cfg.seed, c[3], c[4]);
        ck_assert_msg(strstr(table, want) != NULL, "%s not in the table", want);
        char dead[64];
        snprintf(dead, sizeof dead, ",%s,%s,4,", c[5], c[6]);
        ck_assert_msg(strstr(strstr(table, want), dead) != NULL, "%s: %s", name, dead);
        free(name);
        free(single);
        remove(csv);
    }
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    free(table);
    nn_sweep_free(&s);
    fx_close(&f);
}
END_TEST

Suite *sweep_suite(void)
{
    Suite *s = suite_create("sweep");
    TCase *tc = tcase_create("sweep");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_sweep_expansion);
    tcase_add_test(tc, test_sweep_validation);
    tcase_add_test(tc, test_sweep_base_beside_the_file);
    tcase_add_test(tc, test_sweep_names_made_valid);
    tcase_add_test(tc, test_sweep_summary_statistics);
    tcase_add_test(tc, test_sweep_resume);
    tcase_add_test(tc, test_sweep_print_jobs_collect);
    tcase_add_test(tc, test_sweep_untrained_matches_run);
    tcase_add_test(tc, test_sweep_units_per_run);
    tcase_add_test(tc, test_sweep_checkpoint_per_run);
    tcase_add_test(tc, test_sweep_collect_edited_table);
    suite_add_tcase(s, tc);
    return s;
}

