/* test_image_folder.c - image folders: generated PNG/JPEG/BMP/PGM/PPM/TGA/GIF files load
 * into exactly the expected pixels and labels (grayscale and RGB), every bad case under
 * both on_bad_file settings, decoding is independent of the thread count, limits keep
 * classes balanced, and export -> load gives back the same samples. */
#include <check.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stb_image.h>
#include <stb_image_write.h>

#include "helpers.h"
#include "data/image_folder.h"
#include "suites.h"

static char *dir; /* the test's temporary directory */

static void setup(void)
{
    dir = th_tmpdir();
    ck_assert_ptr_nonnull(dir);
}

static void teardown(void)
{
    th_rmdir(dir);
    free(dir);
    dir = NULL;
}

/* dir/<fmt...> into a static buffer (one path at a time is enough for these helpers). */
static const char *at(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *at(const char *fmt, ...)
{
    static char buf[2][512];
    static int k;
    char rel[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rel, sizeof rel, fmt, ap);
    va_end(ap);
    k ^= 1;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, rel);
    return buf[k];
}

static void mkdirs(const char *path)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", path);
    ck_assert_int_eq(th_run(cmd), 0);
}

static void write_bytes(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

static void truncate_to(const char *path, double fraction)
{
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(truncate(path, (off_t)((double)st.st_size * fraction)), 0);
}

/* Deterministic test pixels: w x h x comp bytes from a seed. */
static uint8_t *pattern(int w, int h, int comp, unsigned seed)
{
    uint8_t *p = malloc((size_t)(w * h * comp));
    ck_assert_ptr_nonnull(p);
    uint32_t x = seed * 2654435761u + 1;
    for (int i = 0; i < w * h * comp; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)(x >> 24);
    }
    return p;
}

static void put_png(const char *path, int w, int h, int comp, unsigned seed)
{
    uint8_t *p = pattern(w, h, comp, seed);
    ck_assert_msg(stbi_write_png(path, w, h, comp, p, w * comp), "stbi_write_png %s", path);
    free(p);
}

/* Binary PGM (comp 1) or PPM (comp 3), written by hand, with a comment in the header. */
static void put_pnm(const char *path, int w, int h, int comp, unsigned seed)
{
    uint8_t *p = pattern(w, h, comp, seed);
    char head[64];
    int n = snprintf(head, sizeof head, "P%c\n# made by a test\n%d %d\n255\n",
                     comp == 1 ? '5' : '6', w, h);
    size_t len = (size_t)n + (size_t)(w * h * comp);
    uint8_t *buf = malloc(len);
    ck_assert_ptr_nonnull(buf);
    memcpy(buf, head, (size_t)n);
    memcpy(buf + n, p, (size_t)(w * h * comp));
    write_bytes(path, buf, len);
    free(buf);
    free(p);
}

/* stb_image's own conversion (the one documented): gray = (77 R + 150 G + 29 B) >> 8. */
static uint8_t luma(const uint8_t *rgb)
{
    return (uint8_t)((rgb[0] * 77 + rgb[1] * 150 + rgb[2] * 29) >> 8);
}

/* The expected pixels of pattern(w, h, comp, seed) loaded with `channels` channels. */
static void expect_pixels(const uint8_t *got, int w, int h, int comp, unsigned seed,
                          size_t channels, const char *what)
{
    uint8_t *p = pattern(w, h, comp, seed);
    for (int i = 0; i < w * h; i++) {
        for (size_t c = 0; c < channels; c++) {
            uint8_t want = comp == 1 ? p[i] : channels == 3 ? p[i * 3 + (int)c] : luma(p + i * 3);
            ck_assert_msg(got[(size_t)i * channels + c] == want,
                          "%s: pixel %d channel %zu is %u, expected %u", what, i, c,
                          got[(size_t)i * channels + c], want);
        }
    }
    free(p);
}

/* A 1x1 GIF (no extensions) whose one pixel is palette entry 0, white. */
static const uint8_t GIF_1x1[] = {'G',  'I',  'F',  '8',  '9',  'a',  1,    0,    1,    0,
                                  0x80, 0,    0,    0xff, 0xff, 0xff, 0,    0,    0,    0x2c,
                                  0,    0,    0,    0,    1,    0,    1,    0,    0,    2,
                                  2,    0x44, 0x01, 0,    0x3b};

static nn_folder_options opts(size_t channels, nn_bad_file on_bad, size_t threads)
{
    nn_folder_options o = {.channels = channels, .on_bad = on_bad, .threads = threads};
    return o;
}

/* Scans and decodes root; expects success. */
static void load_ok(const char *root, nn_folder_options o, nn_dataset *ds, nn_folder *f,
                    nn_folder_report *rep)
{
    nn_error err = {0};
    nn_status st = nn_folder_scan(f, root, &err);
    ck_assert_msg(st == NN_OK, "scan: %s", err.msg);
    st = nn_folder_decode(f, &o, ds, rep, &err);
    ck_assert_msg(st == NN_OK, "decode: %s", err.msg);
}

/* Scans and decodes root; expects NN_EDATA with one line containing every needle. */
static void load_fails(const char *root, nn_folder_options o, const char *needle1,
                       const char *needle2)
{
    nn_folder f;
    nn_dataset ds;
    nn_folder_report rep;
    nn_error err = {0};
    nn_status st = nn_folder_scan(&f, root, &err);
    if (st == NN_OK) {
        memset(&ds, 0x5a, sizeof ds);
        st = nn_folder_decode(&f, &o, &ds, &rep, &err);
        ck_assert_ptr_null(ds.pixels);
        ck_assert_uint_eq(ds.n, 0);
        ck_assert_uint_eq(rep.skipped, 0);
    }
    ck_assert_msg(st == NN_EDATA, "status %d: %s", (int)st, err.msg);
    ck_assert_msg(strchr(err.msg, '\n') == NULL, "not one line: %s", err.msg);
    ck_assert_msg(strstr(err.msg, needle1), "'%s' not in: %s", needle1, err.msg);
    if (needle2)
        ck_assert_msg(strstr(err.msg, needle2), "'%s' not in: %s", needle2, err.msg);
    nn_folder_free(&f);
}

/* ---------------------------------------------------------------- valid folders */

/* Classes "Zeta" < "alpha" < "beta" bytewise (uppercase first); files sorted by name. */
static void make_gray_folder(void)
{
    mkdirs(at("g/alpha/sub"));
    mkdirs(at("g/beta"));
    mkdirs(at("g/Zeta"));
    mkdirs(at("g/.cache"));
    put_png(at("g/alpha/b.png"), 6, 5, 1, 1);   /* alpha #1 */
    put_png(at("g/alpha/a.PNG"), 6, 5, 3, 2);   /* alpha #0: RGB, converted to gray */
    put_pnm(at("g/alpha/c.pgm"), 6, 5, 1, 3);   /* alpha #2 */
    put_pnm(at("g/beta/p.ppm"), 6, 5, 3, 4);    /* beta #1: RGB */
    uint8_t *bmp = pattern(6, 5, 1, 5);
    ck_assert(stbi_write_bmp(at("g/beta/m.bmp"), 6, 5, 1, bmp)); /* beta #0 */
    free(bmp);
    uint8_t *tga = pattern(6, 5, 1, 6);
    ck_assert(stbi_write_tga(at("g/Zeta/t.tga"), 6, 5, 1, tga)); /* Zeta #1, run-length */
    free(tga);
    uint8_t *jpg = pattern(6, 5, 3, 7);
    ck_assert(stbi_write_jpg(at("g/Zeta/j.jpg"), 6, 5, 3, jpg, 95)); /* Zeta #0 */
    free(jpg);
    put_png(at("g/.hidden.png"), 6, 5, 1, 8);        /* hidden, in ROOT */
    put_png(at("g/alpha/.also-hidden.png"), 6, 5, 1, 9);
    write_bytes(at("g/alpha/notes.txt"), "hi", 2);    /* not an image extension */
    write_bytes(at("g/beta/data.xyz"), "hi", 2);
    write_bytes(at("g/README"), "hi", 2);             /* a file in ROOT */
    put_png(at("g/alpha/sub/inner.png"), 6, 5, 1, 10); /* a folder inside a class */
}

START_TEST(load_grayscale_formats)
{
    make_gray_folder();
    nn_folder f;
    nn_dataset ds;
    nn_folder_report rep;
    load_ok(at("g"), opts(1, NN_BAD_FILE_ERROR, 0), &ds, &f, &rep);
    ck_assert_uint_eq(f.n_classes, 3);
    ck_assert_str_eq(f.classes[0], "Zeta");
    ck_assert_str_eq(f.classes[1], "alpha");
    ck_assert_str_eq(f.classes[2], "beta");
    ck_assert_uint_eq(f.n_hidden, 3); /* .cache, .hidden.png, .also-hidden.png */
    ck_assert_uint_eq(f.n_other_ext, 2);
    ck_assert_uint_eq(f.n_root_files, 1);
    ck_assert_uint_eq(f.n_subdirs, 1);
    ck_assert_uint_eq(rep.skipped, 0);

    ck_assert_uint_eq(ds.n, 7);
    ck_assert_uint_eq(ds.rows, 5);
    ck_assert_uint_eq(ds.cols, 6);
    ck_assert_uint_eq(ds.channels, 1);
    ck_assert_uint_eq(ds.dim, 30);
    ck_assert_uint_eq(ds.n_classes, 3);
    ck_assert_str_eq(ds.class_names[0], "Zeta");
    ck_assert_str_eq(ds.class_names[2], "beta");
    const int32_t labels[7] = {0, 0, 1, 1, 1, 2, 2};
    for (int i = 0; i < 7; i++)
        ck_assert_int_eq(ds.labels[i], labels[i]);

    /* Zeta/j.jpg: JPEG is lossy, so the reference is stb_image's own decode of the file. */
    int w, h, c;
    uint8_t *ref = stbi_load(at("g/Zeta/j.jpg"), &w, &h, &c, 1);
    ck_assert_ptr_nonnull(ref);
    ck_assert_mem_eq(ds.pixels, ref, 30);
    stbi_image_free(ref);
    /* ... and close to the pixels that were written (gray of the RGB pattern). */
    uint8_t *src = pattern(6, 5, 3, 7);
    double err = 0;
    for (int i = 0; i < 30; i++)
        err += abs((int)ds.pixels[i] - (int)luma(src + 3 * i));
    free(src);
    ck_assert_msg(err / 30 < 40, "JPEG mean abs error %g", err / 30);
    expect_pixels(ds.pixels + 1 * 30, 6, 5, 1, 6, 1, "Zeta/t.tga");
    expect_pixels(ds.pixels + 2 * 30, 6, 5, 3, 2, 1, "alpha/a.PNG");
    expect_pixels(ds.pixels + 3 * 30, 6, 5, 1, 1, 1, "alpha/b.png");
    expect_pixels(ds.pixels + 4 * 30, 6, 5, 1, 3, 1, "alpha/c.pgm");
    expect_pixels(ds.pixels + 5 * 30, 6, 5, 1, 5, 1, "beta/m.bmp");
    expect_pixels(ds.pixels + 6 * 30, 6, 5, 3, 4, 1, "beta/p.ppm");
    nn_dataset_free(&ds);
    nn_folder_report_free(&rep);
    nn_folder_free(&f);
}
END_TEST

START_TEST(load_rgb)
{
    mkdirs(at("c/a"));
    mkdirs(at("c/b"));
    put_png(at("c/a/1.png"), 4, 3, 3, 11);
    put_png(at("c/a/2.png"), 4, 3, 1, 12); /* gray: copied into R, G and B */
    put_pnm(at("c/b/3.ppm"), 4, 3, 3, 13);
    uint8_t *bmp = pattern(4, 3, 3, 14);
    ck_assert(stbi_write_bmp(at("c/b/4.bmp"), 4, 3, 3, bmp));
    free(bmp);
    uint8_t *jpg = pattern(4, 3, 3, 15);
    ck_assert(stbi_write_jpg(at("c/b/5.jpeg"), 4, 3, 3, jpg, 90));
    free(jpg);
    nn_folder f;
    nn_dataset ds;
    load_ok(at("c"), opts(3, NN_BAD_FILE_ERROR, 2), &ds, &f, NULL);
    ck_assert_uint_eq(ds.n, 5);
    ck_assert_uint_eq(ds.channels, 3);
    ck_assert_uint_eq(ds.dim, 36);
    expect_pixels(ds.pixels, 4, 3, 3, 11, 3, "a/1.png");
    uint8_t *g = pattern(4, 3, 1, 12);
    for (int i = 0; i < 12; i++)
        for (int k = 0; k < 3; k++)
            ck_assert_uint_eq(ds.pixels[36 + 3 * i + k], g[i]);
    free(g);
    expect_pixels(ds.pixels + 72, 4, 3, 3, 13, 3, "b/3.ppm");
    expect_pixels(ds.pixels + 108, 4, 3, 3, 14, 3, "b/4.bmp");
    int w, h, c;
    uint8_t *ref = stbi_load(at("c/b/5.jpeg"), &w, &h, &c, 3);
    ck_assert_ptr_nonnull(ref);
    ck_assert_mem_eq(ds.pixels + 144, ref, 36);
    stbi_image_free(ref);
    ck_assert_int_eq(ds.labels[4], 1);
    nn_dataset_free(&ds);
    nn_folder_free(&f);
}
END_TEST

START_TEST(load_gif_and_plain_tga)
{
    mkdirs(at("s/x"));
    write_bytes(at("s/x/one.gif"), GIF_1x1, sizeof GIF_1x1);
    uint8_t px = 77;
    stbi_write_tga_with_rle = 0;
    int ok = stbi_write_tga(at("s/x/two.tga"), 1, 1, 1, &px);
    stbi_write_tga_with_rle = 1;
    ck_assert(ok);
    nn_folder f;
    nn_dataset ds;
    load_ok(at("s"), opts(1, NN_BAD_FILE_ERROR, 1), &ds, &f, NULL);
    ck_assert_uint_eq(ds.n, 2);
    ck_assert_uint_eq(ds.pixels[0], 255); /* white */
    ck_assert_uint_eq(ds.pixels[1], 77);
    nn_dataset_free(&ds);
    nn_folder_free(&f);
}
END_TEST

/* ---------------------------------------------------------------- bad cases */

/* A 4x4 folder: class a has 0..3.png, class b has 0..2.png, plus one bad file in a. */
static void make_base(const char *root)
{
    mkdirs(at("%s/a", root));
    mkdirs(at("%s/b", root));
    for (int i = 0; i < 4; i++)
        put_png(at("%s/a/%d.png", root, i), 4, 4, 1, 100 + (unsigned)i);
    for (int i = 0; i < 3; i++)
        put_png(at("%s/b/%d.png", root, i), 4, 4, 1, 200 + (unsigned)i);
}

/* With "skip": loads, skips exactly one file whose path contains name, keeps the rest. */
static void skip_one(const char *root, const char *name, const char *reason)
{
    nn_folder f;
    nn_dataset ds;
    nn_folder_report rep;
    load_ok(at("%s", root), opts(1, NN_BAD_FILE_SKIP, 0), &ds, &f, &rep);
    ck_assert_uint_eq(rep.skipped, 1);
    ck_assert_msg(strstr(rep.skipped_names[0], name), "%s", rep.skipped_names[0]);
    ck_assert_msg(strstr(rep.skipped_reasons[0], reason), "'%s' not in: %s", reason,
                  rep.skipped_reasons[0]);
    ck_assert_uint_eq(ds.n, 7);
    ck_assert_uint_eq(ds.dim, 16);
    for (int i = 0; i < 4; i++) {
        expect_pixels(ds.pixels + 16 * i, 4, 4, 1, 100 + (unsigned)i, 1, "a");
        ck_assert_int_eq(ds.labels[i], 0);
    }
    for (int i = 0; i < 3; i++) {
        expect_pixels(ds.pixels + 16 * (4 + i), 4, 4, 1, 200 + (unsigned)i, 1, "b");
        ck_assert_int_eq(ds.labels[4 + i], 1);
    }
    nn_dataset_free(&ds);
    nn_folder_report_free(&rep);
    nn_folder_free(&f);
}

static void both_modes(const char *root, const char *file, const char *reason)
{
    load_fails(at("%s", root), opts(1, NN_BAD_FILE_ERROR, 0), at("%s/%s", root, file), reason);
    skip_one(root, file, reason);
}

START_TEST(bad_corrupt_file)
{
    make_base("r");
    write_bytes(at("r/a/1x.png"), "this is not an image at all, just text", 38);
    both_modes("r", "a/1x.png", "stb_image says");
}
END_TEST

START_TEST(bad_truncated_png)
{
    make_base("r");
    put_png(at("r/b/0x.png"), 4, 4, 1, 7);
    truncate_to(at("r/b/0x.png"), 0.6);
    both_modes("r", "b/0x.png", "PNG");
}
END_TEST

START_TEST(bad_truncated_uncompressed)
{
    /* stb_image would decode these with zeros where the data is missing. */
    const char *names[] = {"a/1x.bmp", "a/1x.pgm", "a/1x.tga", "a/1x.gif"};
    for (int k = 0; k < 4; k++) {
        char root[16];
        snprintf(root, sizeof root, "t%d", k);
        make_base(root);
        const char *path = at("%s/%s", root, names[k]);
        uint8_t *p = pattern(4, 4, 1, 9);
        if (k == 0)
            ck_assert(stbi_write_bmp(path, 4, 4, 1, p));
        else if (k == 1)
            put_pnm(path, 4, 4, 1, 9);
        else if (k == 2)
            ck_assert(stbi_write_tga(path, 4, 4, 1, p));
        free(p);
        if (k == 3) { /* a 4x4 GIF cut inside its first frame's data */
            uint8_t gif[sizeof GIF_1x1];
            memcpy(gif, GIF_1x1, sizeof gif);
            gif[6] = gif[24] = 4;
            gif[8] = gif[26] = 4;
            write_bytes(path, gif, 32);
        } else {
            truncate_to(path, 0.8);
        }
        both_modes(root, names[k], "truncated");
    }
}
END_TEST

START_TEST(bad_size_mismatch)
{
    make_base("r");
    put_png(at("r/b/1x.png"), 5, 4, 1, 7);
    both_modes("r", "b/1x.png", "5x4 (width x height) but the first image");
    load_fails(at("r"), opts(1, NN_BAD_FILE_ERROR, 0), "a/0.png, is 4x4", NULL);
}
END_TEST

START_TEST(bad_first_image_skipped)
{
    /* The first file is bad: with skip, the first good one sets the size. */
    make_base("r");
    write_bytes(at("r/a/0 first.png"), "junk", 4);
    both_modes("r", "a/0 first.png", "stb_image says");
}
END_TEST

START_TEST(bad_empty_file_and_broken_link)
{
    make_base("r");
    write_bytes(at("r/a/2x.png"), "", 0);
    both_modes("r", "a/2x.png", "empty file");
    make_base("l");
    ck_assert_int_eq(symlink("/nonexistent/nowhere.png", at("l/b/0x.png")), 0);
    both_modes("l", "b/0x.png", "No such file");
}
END_TEST

START_TEST(bad_unknown_extension_is_ignored)
{
    /* Not an image extension: counted and ignored in both modes, never decoded. */
    make_base("r");
    put_png(at("r/a/real-png.webp"), 9, 9, 1, 3);
    write_bytes(at("r/b/x.xyz"), "junk", 4);
    for (int mode = 0; mode < 2; mode++) {
        nn_folder f;
        nn_dataset ds;
        nn_folder_report rep;
        load_ok(at("r"), opts(1, (nn_bad_file)mode, 0), &ds, &f, &rep);
        ck_assert_uint_eq(f.n_other_ext, 2);
        ck_assert_uint_eq(ds.n, 7);
        ck_assert_uint_eq(rep.skipped, 0);
        nn_dataset_free(&ds);
        nn_folder_report_free(&rep);
        nn_folder_free(&f);
    }
}
END_TEST

START_TEST(bad_empty_class_folder)
{
    /* An error in both modes: dropping the class would shift every later label. */
    make_base("r");
    mkdirs(at("r/c_empty"));
    write_bytes(at("r/c_empty/notes.txt"), "x", 1);
    for (int mode = 0; mode < 2; mode++)
        load_fails(at("r"), opts(1, (nn_bad_file)mode, 0), at("r/c_empty"), "no image files");
    /* A class whose only image is bad is the same error with skip. */
    make_base("s");
    mkdirs(at("s/c"));
    write_bytes(at("s/c/x.png"), "junk", 4);
    load_fails(at("s"), opts(1, NN_BAD_FILE_SKIP, 0), at("s/c"), "at least one good image");
    load_fails(at("s"), opts(1, NN_BAD_FILE_ERROR, 0), at("s/c/x.png"), "stb_image says");
}
END_TEST

START_TEST(bad_folder_layout)
{
    nn_folder f;
    nn_error err = {0};
    ck_assert_int_eq(nn_folder_scan(&f, at("missing"), &err), NN_EDATA);
    ck_assert_msg(strstr(err.msg, "missing") && strstr(err.msg, "No such file"), "%s", err.msg);
    mkdirs(at("flat"));
    put_png(at("flat/x.png"), 2, 2, 1, 1);
    ck_assert_int_eq(nn_folder_scan(&f, at("flat"), &err), NN_EDATA);
    ck_assert_msg(strstr(err.msg, "no class folders") && strstr(err.msg, "directly in ROOT"), "%s",
                  err.msg);
    ck_assert_int_eq(nn_folder_scan(&f, at("flat/x.png"), &err), NN_EDATA);
    ck_assert_msg(strstr(err.msg, "not a folder"), "%s", err.msg);
    ck_assert_ptr_null(f.files);
}
END_TEST

START_TEST(bad_class_names_differ)
{
    make_base("train");
    make_base("test");
    mkdirs(at("test/c"));
    put_png(at("test/c/0.png"), 4, 4, 1, 1);
    nn_folder a, b;
    nn_error err = {0};
    ck_assert_int_eq(nn_folder_scan(&a, at("train"), &err), NN_OK);
    ck_assert_int_eq(nn_folder_scan(&b, at("test"), &err), NN_OK);
    ck_assert_int_eq(nn_folder_same_classes(&a, &a, &err), NN_OK);
    ck_assert_int_eq(nn_folder_same_classes(&a, &b, &err), NN_EDATA);
    ck_assert_msg(strstr(err.msg, "\"c\" is a class folder of") && strstr(err.msg, "test") &&
                      strstr(err.msg, "(2 vs 3 classes)"),
                  "%s", err.msg);
    ck_assert_int_eq(nn_folder_same_classes(&b, &a, &err), NN_EDATA);
    ck_assert_msg(strstr(err.msg, "\"c\""), "%s", err.msg);
    nn_folder_free(&a);
    nn_folder_free(&b);
}
END_TEST

/* ---------------------------------------------------------------- threads, limits */

START_TEST(threads_do_not_change_results)
{
    /* 3 classes x 70 images with bad files sprinkled in: the same data set (and the same
     * first error) with 1, 2 and 7 threads. */
    for (int c = 0; c < 3; c++) {
        mkdirs(at("m/c%d", c));
        for (int i = 0; i < 70; i++) {
            const char *p = at("m/c%d/%03d.png", c, i);
            if ((c * 70 + i) % 29 == 11)
                write_bytes(p, "bad", 3);
            else
                put_png(p, 5, 5, 1, (unsigned)(c * 1000 + i));
        }
    }
    nn_dataset ref = {0};
    for (size_t t = 1; t <= 7; t += t == 1 ? 1 : 5) {
        nn_folder f;
        nn_dataset ds;
        nn_folder_report rep;
        load_ok(at("m"), opts(1, NN_BAD_FILE_SKIP, t), &ds, &f, &rep);
        ck_assert_uint_eq(rep.skipped, 7);
        ck_assert_str_eq(rep.skipped_names[0], at("m/c0/011.png"));
        if (t == 1) {
            ref = ds;
        } else {
            ck_assert_uint_eq(ds.n, ref.n);
            ck_assert_mem_eq(ds.pixels, ref.pixels, ds.n * ds.dim);
            ck_assert_mem_eq(ds.labels, ref.labels, ds.n * sizeof *ds.labels);
            nn_dataset_free(&ds);
        }
        nn_folder_report_free(&rep);
        nn_folder_free(&f);
        load_fails(at("m"), opts(1, NN_BAD_FILE_ERROR, t), at("m/c0/011.png"), NULL);
    }
    ck_assert_uint_eq(ref.n, 210 - 7);
    nn_dataset_free(&ref);
}
END_TEST

START_TEST(limit_round_robin)
{
    /* Classes of 3, 1 and 2 files; 4 kept: a round takes one of each (3), then a's next. */
    mkdirs(at("q/a"));
    mkdirs(at("q/b"));
    mkdirs(at("q/c"));
    const char *files[] = {"q/a/1.png", "q/a/2.png", "q/a/3.png", "q/b/1.png", "q/c/1.png",
                           "q/c/2.png"};
    for (int i = 0; i < 6; i++)
        put_png(at("%s", files[i]), 2, 2, 1, (unsigned)i);
    nn_folder f;
    nn_error err = {0};
    ck_assert_int_eq(nn_folder_scan(&f, at("q"), &err), NN_OK);
    nn_folder_limit(&f, 4);
    ck_assert_uint_eq(f.n_files, 4);
    ck_assert_str_eq(f.files[0], at("q/a/1.png"));
    ck_assert_str_eq(f.files[1], at("q/a/2.png"));
    ck_assert_str_eq(f.files[2], at("q/b/1.png"));
    ck_assert_str_eq(f.files[3], at("q/c/1.png"));
    ck_assert_uint_eq(f.class_start[1], 2);
    ck_assert_uint_eq(f.class_start[2], 3);
    ck_assert_uint_eq(f.class_start[3], 4);
    nn_folder_limit(&f, 0); /* 0: all (of what is left) */
    ck_assert_uint_eq(f.n_files, 4);
    nn_folder_free(&f);
    ck_assert_int_eq(nn_folder_scan(&f, at("q"), &err), NN_OK);
    nn_folder_limit(&f, 5); /* a, b, c, a, c */
    ck_assert_uint_eq(f.class_start[1], 2);
    ck_assert_uint_eq(f.class_start[3], 5);
    nn_folder_free(&f);
}
END_TEST

/* ---------------------------------------------------------------- export round trip */

/* Sample order of ds sorted by (label, index): a stable counting sort. */
static size_t *by_label(const nn_dataset *ds)
{
    size_t *order = malloc(ds->n * sizeof *order), k = 0;
    ck_assert_ptr_nonnull(order);
    for (int32_t c = 0; c < (int32_t)ds->n_classes; c++)
        for (size_t i = 0; i < ds->n; i++)
            if (ds->labels[i] == c)
                order[k++] = i;
    ck_assert_uint_eq(k, ds->n);
    return order;
}

/* loaded (from a folder) equals src sample for sample after sorting src by (label, index). */
static void assert_same_samples(const nn_dataset *src, const nn_dataset *loaded)
{
    ck_assert_uint_eq(loaded->n, src->n);
    ck_assert_uint_eq(loaded->dim, src->dim);
    ck_assert_uint_eq(loaded->rows, src->rows);
    ck_assert_uint_eq(loaded->n_classes, src->n_classes);
    size_t *order = by_label(src);
    for (size_t k = 0; k < src->n; k++) {
        size_t i = order[k];
        ck_assert_msg(loaded->labels[k] == src->labels[i], "sample %zu: label %d, expected %d", k,
                      loaded->labels[k], src->labels[i]);
        ck_assert_msg(memcmp(loaded->pixels + k * src->dim, src->pixels + i * src->dim,
                             src->dim) == 0,
                      "sample %zu (index %zu): pixels differ", k, i);
    }
    free(order);
}

START_TEST(export_then_load)
{
    nn_dataset src;
    ck_assert_int_eq(th_synthetic(&src, 60, 8, 4, 5), 0);
    for (size_t i = 0; i < src.n; i++) /* labels out of order, like a real IDX file */
        src.labels[i] = (int32_t)((i * 7) % 4);
    nn_error err = {0};
    ck_assert_msg(nn_export_png(&src, at("out/deep/x"), 3, NULL, NULL, &err) == NN_OK, "%s",
                  err.msg);
    struct stat st;
    ck_assert_int_eq(stat(at("out/deep/x/1/00059.png"), &st), 0);
    nn_folder f;
    nn_dataset back;
    load_ok(at("out/deep/x"), opts(1, NN_BAD_FILE_ERROR, 0), &back, &f, NULL);
    ck_assert_str_eq(back.class_names[0], "0");
    assert_same_samples(&src, &back);
    nn_dataset_free(&back);
    nn_folder_free(&f);

    /* A non-empty folder is refused; nothing is overwritten. */
    ck_assert_int_eq(nn_export_png(&src, at("out/deep/x"), 0, NULL, NULL, &err), NN_ECONFIG);
    ck_assert_msg(strstr(err.msg, "not empty"), "%s", err.msg);
    /* An existing empty folder is fine. */
    mkdirs(at("empty"));
    ck_assert_int_eq(nn_export_png(&src, at("empty"), 1, NULL, NULL, &err), NN_OK);
    nn_dataset_free(&src);
}
END_TEST

START_TEST(export_many_classes)
{
    /* 12 classes: folders "00".."11", so bytewise order is label order. */
    nn_dataset src;
    ck_assert_int_eq(th_synthetic(&src, 36, 6, 12, 9), 0);
    nn_error err = {0};
    ck_assert_int_eq(nn_export_png(&src, at("e"), 0, NULL, NULL, &err), NN_OK);
    struct stat st;
    ck_assert_int_eq(stat(at("e/02/00002.png"), &st), 0);
    ck_assert_int_eq(stat(at("e/11/00035.png"), &st), 0);
    nn_folder f;
    nn_dataset back;
    load_ok(at("e"), opts(1, NN_BAD_FILE_ERROR, 0), &back, &f, NULL);
    ck_assert_str_eq(back.class_names[10], "10");
    assert_same_samples(&src, &back);
    nn_dataset_free(&back);
    nn_folder_free(&f);
    nn_dataset_free(&src);
}
END_TEST

START_TEST(export_cli_round_trip)
{
    /* The binary: nntrain export-images IDX_IMAGES IDX_LABELS OUT_DIR. */
    nn_dataset src;
    ck_assert_int_eq(th_synthetic(&src, 40, 7, 3, 4), 0);
    ck_assert_int_eq(th_write_idx(&src, at("img.gz"), at("lbl.gz"), 1), 0);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' export-images '%s/img.gz' '%s/lbl.gz' '%s/png' 2>'%s/err'",
             th_nntrain(), dir, dir, dir, dir);
    ck_assert_int_eq(th_run(cmd), 0);
    nn_folder f;
    nn_dataset back;
    load_ok(at("png"), opts(1, NN_BAD_FILE_ERROR, 0), &back, &f, NULL);
    assert_same_samples(&src, &back);
    nn_dataset_free(&back);
    nn_folder_free(&f);
    /* Again into the same folder: refused (exit 2), one line naming it. */
    ck_assert_int_eq(th_run(cmd), 2);
    char *err = th_slurp(at("err"));
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strstr(err, "png: the folder is not empty") && strchr(err, '\n') == strrchr(err, '\n'),
                  "%s", err);
    free(err);
    snprintf(cmd, sizeof cmd, "'%s' export-images '%s/img.gz' 2>/dev/null", th_nntrain(), dir);
    ck_assert_int_eq(th_run(cmd), 2);
    nn_dataset_free(&src);
}
END_TEST


/* ---------------------------------------------------------------- the binary on folders */

/* train/ and test/ folders of 8x8 synthetic images in classes ant, bee, cat, dog, and a
 * config run.json training on them (CSV in out/run.csv). */
static void make_run(void)
{
    nn_dataset train, test;
    ck_assert_int_eq(th_synthetic(&train, 240, 8, 4, 1), 0);
    ck_assert_int_eq(th_synthetic(&test, 80, 8, 4, 2), 0);
    nn_error err = {0};
    ck_assert_int_eq(nn_export_png(&train, at("train"), 0, NULL, NULL, &err), NN_OK);
    ck_assert_int_eq(nn_export_png(&test, at("test"), 0, NULL, NULL, &err), NN_OK);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && for s in train test; do mv $s/0 $s/ant && mv $s/1 $s/bee && "
             "mv $s/2 $s/cat && mv $s/3 $s/dog; done",
             dir);
    ck_assert_int_eq(th_run(cmd), 0);
    FILE *f = fopen(at("run.json"), "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "{\"name\": \"run\", \"seed\": 1,\n"
               " \"data\": {\"format\": \"image_folder\", \"train_dir\": \"train\",\n"
               "          \"test_dir\": \"test/\"},\n"
               " \"model\": [{\"type\": \"dense\", \"units\": 16}, {\"type\": \"relu\"},\n"
               "           {\"type\": \"dense\", \"units\": 4}],\n"
               " \"optimizer\": {\"lr\": 0.05, \"momentum\": 0.9},\n"
               " \"train\": {\"epochs\": 3, \"batch_size\": 16},\n"
               " \"output\": {\"csv\": \"out/run.csv\"}}\n");
    ck_assert_int_eq(fclose(f), 0);
}

/* Runs the binary in dir with args; stderr to dir/err.txt. */
static int run_in_dir(const char *args)
{
    char cmd[2048];
    const char *bin = th_nntrain();
    snprintf(cmd, sizeof cmd, "B='%s%s'; cd '%s' && \"$B\" %s > out.txt 2> err.txt",
             bin[0] == '/' ? "" : "'\"$(pwd)\"'/", bin, dir, args);
    return th_run(cmd);
}

static char *slurp_in_dir(const char *name)
{
    char *s = th_slurp(at("%s", name));
    ck_assert_msg(s != NULL, "cannot read %s", name);
    return s;
}

/* The last line of stderr is the only "nntrain: " line and holds the needles. */
static void assert_error_line(const char *needle1, const char *needle2)
{
    char *err = slurp_in_dir("err.txt");
    char *first = strstr(err, "nntrain: ");
    ck_assert_msg(first && strstr(first + 1, "nntrain: ") == NULL &&
                      strchr(first, '\n') == err + strlen(err) - 1,
                  "expected one final error line:\n%s", err);
    ck_assert_msg(strstr(first, needle1), "'%s' not in: %s", needle1, first);
    if (needle2)
        ck_assert_msg(strstr(first, needle2), "'%s' not in: %s", needle2, first);
    free(err);
}

START_TEST(run_on_folder)
{
    make_run();
    ck_assert_int_eq(run_in_dir("run.json"), 0);
    char *classes = slurp_in_dir("out/run.classes.txt");
    ck_assert_str_eq(classes, "ant\nbee\ncat\ndog\n");
    free(classes);
    char *err = slurp_in_dir("err.txt");
    ck_assert_msg(strstr(err, "classes: 4, in label order (0 first): ant, bee, cat, dog") &&
                      strstr(err, "train: 240 images in 4 classes from train, 8x8x1") &&
                      strstr(err, "test: 80 images in 4 classes from test"),
                  "%s", err);
    free(err);
    char *csv = slurp_in_dir("out/run.csv");
    const char *last = csv + strlen(csv) - 1;
    while (last > csv && last[-1] != '\n')
        last--;
    double acc = 0;
    ck_assert_int_eq(sscanf(last, "3,%*d,%*g,%*g,%*g,%*g,%lf", &acc), 1);
    ck_assert_msg(acc > 0.9, "test accuracy %g", acc);
    free(csv);
    /* CSV on stdout: no class file, the list is still printed. */
    ck_assert_int_eq(run_in_dir("run.json --epochs 0 --csv - --set name=other"), 0);
    ck_assert_int_ne(access(at("out/other.classes.txt"), F_OK), 0);
}
END_TEST

START_TEST(run_bad_file_both_modes)
{
    make_run();
    write_bytes(at("train/bee/00007x.png"), "\x89PNG\r\n\x1a\n garbage", 17);
    ck_assert_int_eq(run_in_dir("run.json"), 3);
    assert_error_line("train/bee/00007x.png: cannot decode the PNG image", "stb_image says");
    ck_assert_int_eq(run_in_dir("run.json --epochs 1 --set data.on_bad_file=skip"), 0);
    char *err = slurp_in_dir("err.txt");
    ck_assert_msg(strstr(err, "train: skipped 1 bad file") &&
                      strstr(err, "train/bee/00007x.png: cannot decode"),
                  "%s", err);
    free(err);
}
END_TEST

START_TEST(run_class_mismatch_and_limits)
{
    make_run();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mv '%s/test/dog' '%s/test/dogs'", dir, dir);
    ck_assert_int_eq(th_run(cmd), 0);
    ck_assert_int_eq(run_in_dir("run.json"), 3);
    assert_error_line("train and test have different classes", "\"dog\" is a class folder of train");
    snprintf(cmd, sizeof cmd, "mv '%s/test/dogs' '%s/test/dog'", dir, dir);
    ck_assert_int_eq(th_run(cmd), 0);
    ck_assert_int_eq(run_in_dir("run.json --set data.train_limit=3"), 2);
    assert_error_line("data.train_limit: 3 keeps fewer images than train has classes (4)", NULL);
    ck_assert_int_eq(run_in_dir("run.json --epochs 1 --set data.train_limit=10"), 0);
    char *err = slurp_in_dir("err.txt");
    ck_assert_msg(strstr(err, "train: 10 images in 4 classes"), "%s", err);
    free(err);
    ck_assert_int_eq(run_in_dir("run.json --set data.channels=3 --epochs 0"), 0);
    ck_assert_int_eq(run_in_dir("run.json --set data.channels=3 --set model.0.units=7 --epochs 0"),
                     0);
    ck_assert_int_eq(run_in_dir("run.json --set model.2.units=5"), 2);
    assert_error_line("model[2].units: the last dense layer has 5 units but train has 4 class "
                      "folders",
                      NULL);
}
END_TEST

START_TEST(check_data_command)
{
    make_run();
    ck_assert_int_eq(run_in_dir("check-data run.json --set data.validation=40"), 0);
    char *err = slurp_in_dir("err.txt");
    ck_assert_msg(strstr(err, "data ok: 240 training (40 held out for validation) and 80 test"),
                  "%s", err);
    free(err);
    ck_assert_int_ne(access(at("out/run.csv"), F_OK), 0); /* nothing trained or written */
    ck_assert_int_eq(run_in_dir("check-data run.json --set data.validation=240"), 2);
    assert_error_line("data.validation: holding out 240 samples leaves none to train on", NULL);
}
END_TEST

/* ---------------------------------------------------------------- real MNIST */

START_TEST(real_mnist_export_load)
{
    /* The 10,000 MNIST test images through PNG files and back: the very same pixels. */
    const char *md = th_mnist_dir(NULL, 0);
    char im[256], lb[256];
    snprintf(im, sizeof im, "%s/t10k-images-idx3-ubyte.gz", md);
    snprintf(lb, sizeof lb, "%s/t10k-labels-idx1-ubyte.gz", md);
    nn_dataset src;
    nn_error err = {0};
    ck_assert_msg(nn_idx_load(&src, im, lb, 0, &err) == NN_OK, "%s", err.msg);
    ck_assert_msg(nn_export_png(&src, at("mnist"), 0, NULL, NULL, &err) == NN_OK, "%s", err.msg);
    nn_folder f;
    nn_dataset back;
    load_ok(at("mnist"), opts(1, NN_BAD_FILE_ERROR, 0), &back, &f, NULL);
    ck_assert_uint_eq(back.n, 10000);
    assert_same_samples(&src, &back);
    nn_dataset_free(&back);
    nn_folder_free(&f);
    nn_dataset_free(&src);
}
END_TEST

Suite *image_folder_suite(th_skips *sk)
{
    Suite *s = suite_create("image_folder");
    TCase *load = tcase_create("load");
    tcase_add_checked_fixture(load, setup, teardown);
    tcase_set_timeout(load, 20);
    tcase_add_test(load, load_grayscale_formats);
    tcase_add_test(load, load_rgb);
    tcase_add_test(load, load_gif_and_plain_tga);
    tcase_add_test(load, threads_do_not_change_results);
    tcase_add_test(load, limit_round_robin);
    suite_add_tcase(s, load);

    TCase *bad = tcase_create("bad");
    tcase_add_checked_fixture(bad, setup, teardown);
    tcase_set_timeout(bad, 20);
    tcase_add_test(bad, bad_corrupt_file);
    tcase_add_test(bad, bad_truncated_png);
    tcase_add_test(bad, bad_truncated_uncompressed);
    tcase_add_test(bad, bad_size_mismatch);
    tcase_add_test(bad, bad_first_image_skipped);
    tcase_add_test(bad, bad_empty_file_and_broken_link);
    tcase_add_test(bad, bad_unknown_extension_is_ignored);
    tcase_add_test(bad, bad_empty_class_folder);
    tcase_add_test(bad, bad_folder_layout);
    tcase_add_test(bad, bad_class_names_differ);
    suite_add_tcase(s, bad);

    TCase *exp = tcase_create("export");
    tcase_add_checked_fixture(exp, setup, teardown);
    tcase_set_timeout(exp, 20);
    tcase_add_test(exp, export_then_load);
    tcase_add_test(exp, export_many_classes);
    tcase_add_test(exp, export_cli_round_trip);
    suite_add_tcase(s, exp);

    TCase *run = tcase_create("run");
    tcase_add_checked_fixture(run, setup, teardown);
    tcase_set_timeout(run, 30);
    tcase_add_test(run, run_on_folder);
    tcase_add_test(run, run_bad_file_both_modes);
    tcase_add_test(run, run_class_mismatch_and_limits);
    tcase_add_test(run, check_data_command);
    suite_add_tcase(s, run);

    char why[256];
    if (th_mnist_dir(why, sizeof why)) {
        TCase *real = tcase_create("mnist");
        tcase_add_checked_fixture(real, setup, teardown);
        tcase_set_timeout(real, 120);
        tcase_add_test(real, real_mnist_export_load);
        suite_add_tcase(s, real);
    } else {
        th_skip(sk, "image_folder", "real_mnist_export_load", 1, why);
    }
    return s;
}
