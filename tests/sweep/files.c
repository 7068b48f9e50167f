/* sweep/files.c - what makes a sweep's files trustworthy: CSV fields quoted as RFC 4180
 * says and read back the same way, a run complete only when its status, config and CSV
 * agree, an untrained combination's table only when it is the one the sweep writes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/csv_read.h"
#include "support/fixture.h"
#include "support/helpers.h"
#include "suites.h"
#include "sweep/files.h"
#include "sweep/fixture.h"

/* Grid values holding a comma, a double quote and a line end (a data path: a copy of the
 * training images under such a name) are quoted in summary.csv, epochs.csv, the results
 * tables and results.csv as RFC 4180 says, read back the same way (the plots' reader, the
 * collector: the sweep run again finds everything complete). */
START_TEST(test_sweep_csv_quoting)
{
    for (int epochs = 1; epochs >= 0; epochs--) {
        fixture f;
        fx_open(&f, epochs);
        char plain[600], odd[600], cmd[1400];
        fx_path(&f, "train-img", plain, sizeof plain);
        fx_path(&f, "tr,\n\"ain\"-img", odd, sizeof odd);
        snprintf(cmd, sizeof cmd, "cp '%s' '%s'", plain, odd);
        ck_assert_int_eq(th_run(cmd), 0);
        char axes[2048];
        snprintf(axes, sizeof axes,
                 "\"grid\": {\"data.train_images\": [\"%s\", \"%s/tr,\\n\\\"ain\\\"-img\"]}, "
                 "\"seeds\": [1, 2]",
                 plain, f.dir);
        fx_sweep(&f, axes);
        nn_sweep s;
        fx_load(&s, &f);
        ck_assert_uint_eq(fx_exec(&s, NULL, NN_OK), 4);
        nn_sweep_tally t;
        nn_error err;
        ck_assert_int_eq(nn_sweep_summarize(&s, NULL, NULL, &t, &err), NN_OK);
        ck_assert_uint_eq(t.complete, 4);
        const char *files[] = {"summary.csv", "epochs.csv", "results.csv"};
        for (size_t i = 0; i < 3; i++) {
            if ((i == 1 && epochs == 0) || (i == 2 && epochs == 1))
                continue;
            char path[700];
            snprintf(path, sizeof path, "%s/%s", f.out, files[i]);
            nn_csv_table tab;
            ck_assert_msg(nn_csv_table_read(&tab, path, &err) == NN_OK, "%s", err.msg);
            long col = nn_csv_col(&tab, "train_images");
            ck_assert_int_ge(col, 0);
            size_t odd_rows = 0;
            for (size_t r = 1; r < tab.rows; r++) {
                const char *v = nn_csv_cell(&tab, r, (size_t)col);
                ck_assert_msg(strcmp(v, plain) == 0 || strcmp(v, odd) == 0, "%s: %s", path, v);
                odd_rows += strcmp(v, odd) == 0;
            }
            ck_assert_uint_eq(odd_rows, i == 0 ? 1 : i == 1 ? 2 : 2); /* combos, epochs, seeds */
            nn_csv_table_free(&tab);
        }
        ck_assert_uint_eq(fx_exec(&s, NULL, NN_OK), 0); /* every table and run read back whole */
        nn_sweep_free(&s);
        fx_close(&f);
    }
}
END_TEST

/* RFC 4180 through the one reader: nn_csv_put_field quotes what needs it, and
 * nn_csv_table_read, nn_csv_split and nn_csv_record give the fields back. */
START_TEST(test_csv_quoted_fields)
{
    const char *values[] = {"plain", "a,b", "say \"hi\"", "two\nlines", "cr\r\nlf", "", "\"", ","};
    size_t n = sizeof values / sizeof values[0];
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    for (int row = 0; row < 2; row++) {
        for (size_t i = 0; i < n; i++) {
            if (i)
                putc(',', f);
            ck_assert_int_eq(nn_csv_put_field(f, row ? values[i] : "h"), 0);
        }
        fputs("\r\n", f);
    }
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, ",\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\","));
    char *dir = th_tmpdir(), path[600];
    snprintf(path, sizeof path, "%s/q.csv", dir);
    fx_write(path, text);
    nn_csv_table t;
    nn_error err;
    ck_assert_msg(nn_csv_table_read(&t, path, &err) == NN_OK, "%s", err.msg);
    ck_assert_uint_eq(t.rows, 2);
    ck_assert_uint_eq(t.cols, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(nn_csv_cell(&t, 1, i), values[i]);
    nn_csv_table_free(&t);
    int whole;
    size_t first = nn_csv_record(text, len, &whole);
    ck_assert(whole && text[first - 1] == '\n');
    size_t second = nn_csv_record(text + first, len - first, &whole);
    ck_assert(whole && first + second == len);
    ck_assert_uint_eq(nn_csv_record(text, len - 1, &whole) < len, 1);
    ck_assert_uint_eq(nn_csv_record("\"a\nb", 4, &whole), 4); /* a quote never closed */
    ck_assert_int_eq(whole, 0);
    char *cells[16];
    ck_assert_uint_eq(nn_csv_split(text + first, cells, 16), n);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(cells[i], values[i]);
    char odd[] = "\"a\"b,\"c", *c2[4]; /* text after a closing quote is kept; an open quote ends */
    ck_assert_uint_eq(nn_csv_fields(odd, c2, 4), 2);
    ck_assert_str_eq(c2[0], "ab");
    ck_assert_str_eq(c2[1], "c");
    free(text);
    th_rmdir(dir);
    free(dir);
}
END_TEST

/* The path of file name of run r, in a static buffer. */
static const char *run_path(const nn_sweep *s, size_t r, const char *suffix)
{
    static char buf[800];
    char *p = nn_sweep_run_file(s, r, suffix);
    snprintf(buf, sizeof buf, "%s", p);
    free(p);
    return buf;
}

/* A run counts as complete only when its files agree: a status "ok" over a CSV that lost
 * its last row, ends in a torn row, has another header, or more rows than the status
 * counts, is reported by --collect (partial, with why) and redone by the sweep, alone. */
START_TEST(test_sweep_files_agree)
{
    fixture f;
    fx_open(&f, 2);
    fx_sweep(&f, "\"activations\": [\"relu\", \"prelu\"], \"seeds\": [1, 2]");
    nn_sweep s;
    fx_load(&s, &f);
    ck_assert_uint_eq(fx_exec(&s, NULL, NN_OK), 4);
    char *good = th_slurp(run_path(&s, 3, ".csv")); /* prelu, seed 2 */
    char *status = th_slurp(run_path(&s, 3, ".status.json"));
    char *last = good + strlen(good) - 1;
    while (last[-1] != '\n')
        last--; /* the last row */
    char damaged[8192];
    const char *cases[] = {"lost row", "torn row", "other header", "extra row", "status lies"};
    for (size_t k = 0; k < 5; k++) {
        if (k == 0)
            snprintf(damaged, sizeof damaged, "%.*s", (int)(last - good), good);
        else if (k == 1)
            snprintf(damaged, sizeof damaged, "%s3,42,0.1", good);
        else if (k == 2)
            snprintf(damaged, sizeof damaged, "epoch,dead_frac,test_acc%s", strchr(good, '\n'));
        else
            snprintf(damaged, sizeof damaged, "%s%s", good, k == 3 ? last : "");
        fx_write(run_path(&s, 3, ".csv"), damaged);
        if (k == 4) { /* a whole CSV, and a status that says one epoch fewer */
            fx_write(run_path(&s, 3, ".csv"), good);
            char *lie = strdup(status), *at = strstr(lie, "\"epochs_done\":");
            ck_assert_ptr_nonnull(at);
            at = strchr(at, '2');
            *at = '1';
            fx_write(run_path(&s, 3, ".status.json"), lie);
            free(lie);
        }
        ck_assert_msg(!nn_sweep_run_complete(&s, 3), "%s: counted complete", cases[k]);
        ck_assert(nn_sweep_run_complete(&s, 2));
        nn_sweep_tally t;
        nn_error err;
        ck_assert_int_eq(nn_sweep_summarize(&s, NULL, NULL, &t, &err), NN_OK);
        ck_assert_msg(t.complete == 3 && t.partial == 1, "%s: %zu complete, %zu partial",
                      cases[k], t.complete, t.partial);
        ck_assert_uint_eq(fx_exec(&s, NULL, NN_OK), 1);
        char *again = th_slurp(run_path(&s, 3, ".csv"));
        th_strip_last_column(again);
        char *want = strdup(good);
        th_strip_last_column(want);
        ck_assert_str_eq(again, want);
        free(again);
        free(want);
    }
    free(good);
    free(status);
    nn_sweep_free(&s);
    fx_close(&f);
}
END_TEST

/* An untrained combination's table counts only when it is the one the sweep writes: a NUL
 * byte in a row, a 10 MB line, a row more or less are refused (not complete, redone). */
START_TEST(test_sweep_table_refused)
{
    fixture f;
    fx_open(&f, 0);
    fx_sweep(&f, "\"hidden\": {\"units\": [3], \"layers\": [2]}, \"seeds\": [1, 2, 3]");
    nn_sweep s;
    fx_load(&s, &f);
    ck_assert_uint_eq(fx_exec(&s, NULL, NN_OK), 3);
    char *path = nn_sweep_table_file(&s, 0, ".csv");
    size_t len;
    char *good = th_read_bytes(path, &len);
    size_t big = (size_t)10 << 20;
    char *bad = malloc(len + big + 2);
    ck_assert_ptr_nonnull(bad);
    for (int k = 0; k < 4; k++) {
        size_t n = len;
        memcpy(bad, good, len);
        if (k == 0) {
            bad[len - 5] = '\0'; /* inside the last row */
        } else if (k == 1) { /* a 10 MB line after the rows */
            memset(bad + len, 'x', big);
            bad[len + big] = '\n';
            n = len + big + 1;
        } else {
            const char *row1 = strchr(good, '\n') + 1, *row2 = strchr(row1, '\n') + 1;
            const char *row3 = strchr(row2, '\n') + 1;
            n = (size_t)(row3 - good); /* k == 2: the last row gone */
            if (k == 3) { /* rows of seeds 1 and 2 swapped */
                n = (size_t)(row1 - good);
                memcpy(bad + n, row2, (size_t)(row3 - row2));
                n += (size_t)(row3 - row2);
                memcpy(bad + n, row1, (size_t)(row2 - row1));
                n = len;
            }
        }
        ft_write_bytes(path, bad, n);
        ck_assert_msg(!nn_sweep_combo_complete(&s, 0), "case %d counted complete", k);
        nn_sweep_tally t;
        nn_error err;
        ck_assert_int_eq(nn_sweep_summarize(&s, NULL, NULL, &t, &err), NN_OK);
        ck_assert_msg(t.complete == 0 && t.partial == 3, "case %d: %zu complete", k, t.complete);
        char *all = fx_out_text(&f, "results.csv");
        ck_assert_uint_eq(th_count_lines(all), 1); /* the header only */
        free(all);
        ck_assert_uint_eq(fx_exec(&s, NULL, NN_OK), 3);
        char *again = th_slurp(path);
        ck_assert_str_eq(again, good);
        free(again);
    }
    free(bad);
    free(good);
    free(path);
    nn_sweep_free(&s);
    fx_close(&f);
}
END_TEST

Suite *sweep_files_suite(void)
{
    Suite *s = suite_create("sweep_files");
    TCase *tc = tcase_create("sweep_files");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_csv_quoted_fields);
    tcase_add_test(tc, test_sweep_csv_quoting);
    tcase_add_test(tc, test_sweep_files_agree);
    tcase_add_test(tc, test_sweep_table_refused);
    suite_add_tcase(s, tc);
    return s;
}
