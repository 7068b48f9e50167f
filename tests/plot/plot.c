/* plot/plot.c - `nntrain plot OUT_DIR` on hand-made sweep folders: the data files and
 * gnuplot scripts it writes (blocks per activation and panel, values in percent, the
 * marked diverged combinations, the born-dead key, the heat map's matrix shape, quotes in
 * titles), its exit codes and one-line messages, and, when gnuplot is installed, the
 * PNG and SVG images themselves. Without gnuplot on PATH the scripts are still written
 * (exit code 4): every test but the rendering one hides gnuplot that way. Two tests call
 * the library directly: the file and CSV readers under the plots, and nn_plot_write as a
 * sweep calls it. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plot/plot.h"
#include "run/csv_read.h"
#include "support/fixture.h"
#include "support/helpers.h"
#include "suites.h"
#include "sys/fs.h"

static int exists(const char *name)
{
    struct stat sb;
    return stat(ft_at("%s", name), &sb) == 0;
}

/* nntrain plot sweep ARGS in the test's folder, stdout to out.txt, stderr to err.txt;
 * with_gnuplot 0 runs it with a PATH where no gnuplot is. */
static int plot(const char *args, int with_gnuplot)
{
    return th_sh_in(ft_dir(), "%s \"$B\" plot sweep %s", with_gnuplot ? "" : "PATH=/nonexistent",
                    args);
}

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* The rows of numbers in block k (0-based) of a .dat file: the lines after its comment. */
static size_t block_rows(const char *dat, size_t k)
{
    const char *p = dat;
    for (size_t i = 0; i <= k; i++) {
        p = strstr(p, "\n\n\n#");
        ck_assert_msg(p != NULL, "no block %zu in:\n%s", k, dat);
        p += 3;
    }
    size_t rows = 0;
    for (; *p && *p != '\n'; p = strchr(p, '\n') + 1) /* until the blank line */
        rows += *p != '#';
    return rows;
}

/* stderr is exactly one line holding needle. */
static void assert_err_line(const char *needle)
{
    char *err = th_read_in(ft_dir(), "err.txt");
    ck_assert_msg(strstr(err, needle) && count(err, "\n") == 1, "expected one line with '%s':\n%s",
                  needle, err);
    free(err);
}

/* Two activations x lr 0.01, 0.1, 1 (a 100x span: log x), 3 seeds: relu at lr 1 lost two
 * seeds (one diverged, one exploded), elu at lr 1 lost all three. */
static const char summary[] =
    "activation,lr,seeds,ok,diverged,exploded,failed,test_acc_mean,test_acc_std,"
    "dead_frac_mean,dead_frac_std,init_dead_frac_mean,init_dead_frac_std,max_dead_frac_mean,"
    "max_dead_frac_std,revived_mean,revived_std\n"
    "relu,0.01,3,3,0,0,0,0.97,0.01,0.05,0.01,0,0,0.05,0.01,0,0\n"
    "relu,0.1,3,3,0,0,0,0.95,0.01,0.25,0.05,0,0,0.3,0.05,1,1\n"
    "relu,1,3,1,1,1,0,0.6,0,0.5,0,0,0,0.5,0,0,0\n"
    "elu,0.01,3,3,0,0,0,0.97,0.01,0,0,0,0,0,0,0,0\n"
    "elu,0.1,3,3,0,0,0,0.96,0.01,0.01,0.01,0,0,0.01,0.01,0,0\n"
    "elu,1,3,0,2,1,0,,,,,,,,,,\n";

/* Epochs 0..2 of the same combinations (elu at lr 1: no seed, empty means). */
static void put_training(void)
{
    ft_write_text(ft_at("sweep/summary.csv"), summary);
    FILE *f = fopen(ft_at("sweep/epochs.csv"), "w");
    ck_assert_ptr_nonnull(f);
    fputs("activation,lr,epoch,runs,dead_frac_mean,dead_frac_std,test_acc_mean,test_acc_std\n", f);
    const char *acts[] = {"relu", "elu"}, *lrs[] = {"0.01", "0.1", "1"};
    for (int a = 0; a < 2; a++)
        for (int l = 0; l < 3; l++)
            for (int e = 0; e <= 2; e++)
                if (a == 1 && l == 2)
                    fprintf(f, "elu,1,%d,0,,,,\n", e);
                else
                    fprintf(f, "%s,%s,%d,3,%g,0.1,%g,0.01\n", acts[a], lrs[l], e, 0.25 * e,
                            0.1 + 0.4 * e);
    fclose(f);
}

START_TEST(training_sweep)
{
    ck_assert_int_eq(mkdir(ft_at("sweep"), 0777), 0);
    put_training();
    ck_assert_int_eq(plot("", 0), 4);
    assert_err_line("gnuplot not found; install gnuplot-nox (apt-get install gnuplot-nox) to "
                    "plot; the data and scripts are in sweep/plots/");
    char *out = th_read_in(ft_dir(), "out.txt");
    ck_assert_msg(strstr(out, "sweep/plots/dead.gp\nsweep/plots/dead.dat\n") &&
                      strstr(out, "sweep/plots/dead_vs_lr.gp") && !strstr(out, ".png"),
                  "%s", out);
    free(out);

    /* dead: one panel per lr, a block per activation with data (elu at lr 1 has none:
     * a key entry only), rows = epochs, values in percent with the band clipped at 0. */
    char *dat = th_read_in(ft_dir(), "sweep/plots/dead.dat"),
         *gp = th_read_in(ft_dir(), "sweep/plots/dead.gp");
    ck_assert_uint_eq(count(dat, "\n\n\n#"), 5);
    for (size_t k = 0; k < 5; k++)
        ck_assert_uint_eq(block_rows(dat, k), 3);
    ck_assert_msg(strstr(dat, "# relu, lr = 0.01\n# epoch mean mean-std mean+std\n0 0 0 10\n"
                              "1 25 15 35\n2 50 40 60\n"),
                  "%s", dat);
    ck_assert_msg(strstr(gp, "set multiplot layout 1,3") && strstr(gp, "set title 'lr = 1'") &&
                      strstr(gp, "title 'relu (1/3 seeds ok)'") &&
                      strstr(gp, "NaN with lines lw 2 lc rgb '#ff7f0e' title 'elu (0/3 seeds "
                                 "ok)'") &&
                      strstr(gp, "with filledcurves") && strstr(gp, "set output 'dead.'.format"),
                  "%s", gp);
    free(dat);
    free(gp);
    /* accuracy: the same shape. */
    dat = th_read_in(ft_dir(), "sweep/plots/accuracy.dat");
    ck_assert_uint_eq(count(dat, "\n\n\n#"), 5);
    ck_assert_msg(strstr(dat, "2 90 89 91\n"), "%s", dat);
    free(dat);

    /* dead_vs_lr: log x, a line per activation, relu at lr 1 ringed, elu at lr 1 crossed in
     * the strip above the values. */
    dat = th_read_in(ft_dir(), "sweep/plots/dead_vs_lr.dat");
    gp = th_read_in(ft_dir(), "sweep/plots/dead_vs_lr.gp");
    ck_assert_uint_eq(count(dat, "\n\n\n#"), 4);
    ck_assert_uint_eq(block_rows(dat, 0), 3); /* relu */
    ck_assert_uint_eq(block_rows(dat, 1), 2); /* elu: lr 1 has no value */
    ck_assert_uint_eq(block_rows(dat, 2), 1); /* ringed: relu at lr 1 */
    ck_assert_uint_eq(block_rows(dat, 3), 1); /* crossed: elu at lr 1 */
    ck_assert_msg(strstr(dat, "# some seeds diverged/exploded\n# x x_drawn mean\n1 ") &&
                      strstr(dat, "# no seed ok\n# x x_drawn y colour\n1 "),
                  "%s", dat);
    ck_assert_msg(strstr(gp, "set logscale x") &&
                      strstr(gp, "title 'some seeds diverged/exploded'") &&
                      strstr(gp, "all diverged/exploded") && strstr(gp, "set yrange [0:"),
                  "%s", gp);
    free(dat);
    free(gp);
}
END_TEST

START_TEST(born_dead_sweep)
{
    ck_assert_int_eq(mkdir(ft_at("sweep"), 0777), 0);
    FILE *f = fopen(ft_at("sweep/summary.csv"), "w");
    ck_assert_ptr_nonnull(f);
    fputs("activation,width,depth,seeds,ok,diverged,exploded,failed,born_dead_frac,"
          "constant_output_frac,dead_frac_mean,dead_frac_std\n",
          f);
    const char *acts[] = {"relu", "selu"};
    const int widths[] = {4, 2}, depths[] = {2, 5, 10, 20, 50}; /* widths out of order */
    for (int a = 0; a < 2; a++)
        for (int w = 0; w < 2; w++)
            for (int d = 0; d < 5; d++)
                fprintf(f, "%s,%d,%d,20,20,0,0,0,%g,0,0.1,0.01\n", acts[a], widths[w], depths[d],
                        0.1 * d / widths[w]);
    fclose(f);
    ck_assert_int_eq(plot("", 0), 4);
    ck_assert(!exists("sweep/plots/dead.gp") && !exists("sweep/plots/dead_vs_width.gp"));
    char *dat = th_read_in(ft_dir(), "sweep/plots/born_dead.dat"),
         *gp = th_read_in(ft_dir(), "sweep/plots/born_dead.gp");
    /* A block per activation and width, rows = depths, sorted by width, in percent. */
    ck_assert_uint_eq(count(dat, "\n\n\n#"), 4);
    for (size_t k = 0; k < 4; k++)
        ck_assert_uint_eq(block_rows(dat, k), 5);
    ck_assert_msg(strstr(dat, "# width 2, relu\n# depth born_dead(%)\n2 0\n5 5\n10 10\n20 15\n"
                              "50 20\n"),
                  "%s", dat);
    /* Two panels and the key in a third slot of its own; depth spans 25x: log x. */
    ck_assert_msg(strstr(gp, "set multiplot layout 1,3") && strstr(gp, "set title 'selu'") &&
                      strstr(gp, "set logscale x") && strstr(gp, "title 'width 2'") &&
                      strstr(gp, "title 'width 4'") && strstr(gp, "(20 networks per point)"),
                  "%s", gp);
    ck_assert_uint_eq(count(gp, "title 'width"), 2); /* the data panels have no key */
    free(dat);
    free(gp);
}
END_TEST

/* A units file: module 1 of 3 units, module 3 of 5 units, epochs 0, 5, 10. */
static void put_units(const char *name)
{
    FILE *f = fopen(ft_at("%s", name), "w");
    ck_assert_ptr_nonnull(f);
    fputs("epoch,module,unit,active_frac\n", f);
    for (int e = 0; e <= 10; e += 5) {
        for (int u = 0; u < 3; u++)
            fprintf(f, "%d,1,%d,%g\n", e, u, u == 0 && e > 0 ? 0.0 : 0.5);
        for (int u = 0; u < 5; u++)
            fprintf(f, "%d,3,%d,0.25\n", e, u);
    }
    fclose(f);
}

/* The matrix of a heat map's .dat: rows x columns of numbers. */
static void assert_matrix(const char *name, size_t rows, size_t cols)
{
    char *dat = th_read_in(ft_dir(), name);
    size_t r = 0, c = 0;
    for (char *line = strtok(dat, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        size_t fields = 1 + count(line, " ");
        ck_assert_msg(r == 0 || fields == c, "%s: row %zu has %zu fields", name, r, fields);
        c = fields;
        r++;
    }
    ck_assert_msg(r == rows && c == cols, "%s: %zu x %zu, expected %zu x %zu", name, r, c, rows,
                  cols);
    free(dat);
}

START_TEST(units_heat_map)
{
    ck_assert_int_eq(mkdir(ft_at("sweep"), 0777), 0);
    ck_assert_int_eq(mkdir(ft_at("sweep/it's"), 0777), 0);
    put_units("sweep/it's/run1.units.csv");
    ck_assert_int_eq(plot("", 0), 4);
    /* The first module by default: 3 units x 3 epochs, epochs evenly spaced (x = 0 + 5 i). */
    assert_matrix("sweep/plots/units_run1_m1.dat", 3, 3);
    char *gp = th_read_in(ft_dir(), "sweep/plots/units_run1_m1.gp");
    ck_assert_msg(strstr(gp, "set title 'sweep/it''s/run1.units.csv, module 1: 1 of 3 units "
                             "dead at epoch 10'") &&
                      strstr(gp, "matrix using (0+$1*5):(0+$2*1):3 with image pixels") &&
                      strstr(gp, "set cbrange [0:1]"),
                  "%s", gp);
    free(gp);
    /* --module 3: 5 units x 3 epochs. */
    ck_assert_int_eq(plot("--module 3", 0), 4);
    assert_matrix("sweep/plots/units_run1_m3.dat", 5, 3);
    /* --units FILE (relative to OUT_DIR) with a module it lacks: exit 3, one line. */
    ck_assert_int_eq(plot("--units \"it's/run1.units.csv\" --module 7", 0), 3);
    assert_err_line("run1.units.csv: no module 7 (its modules: 1, 3)");
}
END_TEST

START_TEST(exit_codes)
{
    ck_assert_int_eq(plot("", 0), 3); /* no folder */
    assert_err_line("sweep: not a folder");
    ck_assert_int_eq(mkdir(ft_at("sweep"), 0777), 0);
    ck_assert_int_eq(plot("", 0), 3);
    assert_err_line("sweep: nothing to plot: no summary.csv, epochs.csv or *.units.csv");
    ck_assert(!exists("sweep/plots")); /* not left behind */
    ft_write_text(ft_at("sweep/summary.csv"), "activation,lr,seeds,ok\nrelu,0.1,3\n");
    ck_assert_int_eq(plot("", 0), 3);
    assert_err_line("sweep/summary.csv:2: 3 fields, expected 4 (as in the header)");
    ft_write_text(ft_at("sweep/summary.csv"), "activation,lr,seeds,ok\nrelu,0.1,3,3\n");
    ck_assert_int_eq(plot("", 0), 3);
    assert_err_line("neither test_acc_mean nor born_dead_frac");
    ft_write_text(ft_at("sweep/summary.csv"), "lr,seeds\n0.1,3\n");
    ck_assert_int_eq(plot("", 0), 3);
    assert_err_line("expected the header 'activation,<other axes>,seeds,...'");
    ck_assert_int_eq(plot("--module x", 0), 2);
    assert_err_line("'x' is not a module index");
    ck_assert_int_eq(plot("other", 0), 2);
    assert_err_line("'other' is a second OUT_DIR");
}
END_TEST

/* file is a PNG (its signature) or an SVG of more than a few bytes. */
static void assert_image(const char *file)
{
    static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    FILE *f = fopen(file, "rb");
    ck_assert_msg(f != NULL, "%s: not written", file);
    unsigned char head[512] = {0};
    size_t n = fread(head, 1, sizeof head - 1, f);
    fclose(f);
    if (strstr(file, ".png"))
        ck_assert_msg(n > 8 && memcmp(head, png, 8) == 0, "%s: not a PNG", file);
    else
        ck_assert_msg(n > 100 && strstr((const char *)head, "<svg"), "%s: not an SVG", file);
}

START_TEST(render_with_gnuplot)
{
    ck_assert_int_eq(mkdir(ft_at("sweep"), 0777), 0);
    put_training();
    put_units("sweep/run1.units.csv");
    ck_assert_int_eq(plot("", 1), 0);
    char *out = th_read_in(ft_dir(), "out.txt");
    const char *want[] = {"dead", "accuracy", "dead_vs_lr", "units_run1_m1"};
    for (size_t i = 0; i < 4; i++)
        for (int svg = 0; svg < 2; svg++) {
            char line[256];
            snprintf(line, sizeof line, "sweep/plots/%s.%s\n", want[i], svg ? "svg" : "png");
            ck_assert_msg(strstr(out, line), "%s not listed:\n%s", line, out);
            *strchr(line, '\n') = '\0';
            assert_image(ft_at("%s", line));
        }
    ck_assert_uint_eq(count(out, "\n"), 8);
    free(out);
}
END_TEST

/* The readers under the plots: nn_read_file up to exactly max bytes (its buffer grown past
 * 64 KiB, a NUL inside counted), nn_csv_table_read (CRLF, blank lines, a short row) and
 * nn_csv_split (a line cut at its '\r'). */
START_TEST(file_and_csv_readers)
{
    size_t big = 70000, len;
    char *text = malloc(big + 1);
    ck_assert_ptr_nonnull(text);
    memset(text, 'x', big);
    text[big] = '\0';
    text[10] = '\0'; /* stays, and counts */
    FILE *f = fopen(ft_at("big"), "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, big, f), big);
    fclose(f);
    nn_read_fail why;
    char *got = nn_read_file(ft_at("big"), big, &len, &why);
    ck_assert_msg(got && why == NN_READ_OK && len == big && memcmp(got, text, big) == 0 &&
                      got[big] == '\0',
                  "read %zu of %zu bytes", len, big);
    free(got);
    ck_assert_ptr_null(nn_read_file(ft_at("big"), big - 1, &len, &why));
    ck_assert_int_eq(why, NN_READ_BIG);
    ck_assert_ptr_null(nn_read_file(ft_at("none"), big, &len, &why));
    ck_assert_int_eq(why, NN_READ_OPEN);
    free(text);

    nn_csv_table t;
    nn_error err = {0};
    ft_write_text(ft_at("t.csv"), "a,b,c\r\n\r\n1,,3\r\n\n4,5,6");
    ck_assert_int_eq(nn_csv_table_read(&t, ft_at("t.csv"), &err), NN_OK);
    ck_assert_uint_eq(t.rows, 3);
    ck_assert_uint_eq(t.cols, 3);
    ck_assert_int_eq(nn_csv_col(&t, "c"), 2);
    ck_assert_str_eq(nn_csv_cell(&t, 1, 1), "");
    ck_assert(nn_csv_num(&t, 1, 2) == 3 && nn_csv_num(&t, 2, 0) == 4);
    nn_csv_table_free(&t);
    ft_write_text(ft_at("t.csv"), "a,b\n1,2\n\n3\n");
    ck_assert_int_eq(nn_csv_table_read(&t, ft_at("t.csv"), &err), NN_EDATA);
    ck_assert_msg(strstr(err.msg, "t.csv:4: 1 fields, expected 2"), "%s", err.msg);

    char line[] = "x,y\r,z\n", *cells[4];
    ck_assert_uint_eq(nn_csv_split(line, cells, 4), 2);
    ck_assert_int_eq(nn_csv_column(cells, 2, "y"), 1);
}
END_TEST

/* The library's own call (the one a sweep makes, no argv): the plots of a folder, listed. */
START_TEST(library_call)
{
    ck_assert_int_eq(mkdir(ft_at("sweep"), 0777), 0);
    put_training();
    nn_plot_set p;
    nn_error err = {0};
    ck_assert_int_eq(nn_plot_write(&p, ft_at("sweep/"), NULL, -1, &err), NN_OK);
    ck_assert_str_eq(p.out_dir, ft_at("sweep"));
    ck_assert_uint_eq(p.n_names, 3);
    ck_assert_str_eq(p.names[2], "dead_vs_lr");
    ck_assert(exists("sweep/plots/dead_vs_lr.gp") && exists("sweep/plots/dead_vs_lr.dat"));
    nn_plot_set_free(&p);
    ck_assert_int_eq(nn_plot_write(&p, ft_at("none"), NULL, -1, &err), NN_EDATA);
    nn_plot_set_free(&p);
}
END_TEST

/* gnuplot in a folder of $PATH. */
static int have_gnuplot(void)
{
    return th_run("command -v gnuplot > /dev/null 2>&1") == 0;
}

Suite *plot_suite(th_skips *sk)
{
    Suite *s = suite_create("plot");
    TCase *tc = tcase_create("plot");
    tcase_add_checked_fixture(tc, ft_setup, ft_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, training_sweep);
    tcase_add_test(tc, born_dead_sweep);
    tcase_add_test(tc, units_heat_map);
    tcase_add_test(tc, exit_codes);
    tcase_add_test(tc, file_and_csv_readers);
    tcase_add_test(tc, library_call);
    if (have_gnuplot())
        tcase_add_test(tc, render_with_gnuplot);
    else
        th_skip(sk, "plot", "render_with_gnuplot", 1,
                "gnuplot not on PATH (apt-get install gnuplot-nox)");
    suite_add_tcase(s, tc);
    return s;
}
