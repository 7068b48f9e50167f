/* data/folder_decode.c - image folders decode into exactly the expected pixels and labels:
 * generated PNG/JPEG/BMP/PGM/PPM/TGA/GIF files, grayscale and RGB; every bad file under
 * both on_bad_file settings; the result does not depend on the thread count. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stb_image.h>
#include <stb_image_write.h>

#include "support/images.h"
#include "suites.h"

/* ---------------------------------------------------------------- valid folders */

/* Classes "Zeta" < "alpha" < "beta" bytewise (uppercase first); files sorted by name. */
static void make_gray_folder(void)
{
    ft_mkdirs(ft_at("g/alpha/sub"));
    ft_mkdirs(ft_at("g/beta"));
    ft_mkdirs(ft_at("g/Zeta"));
    ft_mkdirs(ft_at("g/.cache"));
    ft_put_png(ft_at("g/alpha/b.png"), 6, 5, 1, 1);   /* alpha #1 */
    ft_put_png(ft_at("g/alpha/a.PNG"), 6, 5, 3, 2);   /* alpha #0: RGB, converted to gray */
    ft_put_pnm(ft_at("g/alpha/c.pgm"), 6, 5, 1, 3);   /* alpha #2 */
    ft_put_pnm(ft_at("g/beta/p.ppm"), 6, 5, 3, 4);    /* beta #1: RGB */
    uint8_t *bmp = ft_pattern(6, 5, 1, 5);
    ck_assert(stbi_write_bmp(ft_at("g/beta/m.bmp"), 6, 5, 1, bmp)); /* beta #0 */
    free(bmp);
    uint8_t *tga = ft_pattern(6, 5, 1, 6);
    ck_assert(stbi_write_tga(ft_at("g/Zeta/t.tga"), 6, 5, 1, tga)); /* Zeta #1, run-length */
    free(tga);
    uint8_t *jpg = ft_pattern(6, 5, 3, 7);
    ck_assert(stbi_write_jpg(ft_at("g/Zeta/j.jpg"), 6, 5, 3, jpg, 95)); /* Zeta #0 */
    free(jpg);
    ft_put_png(ft_at("g/.hidden.png"), 6, 5, 1, 8);        /* hidden, in ROOT */
    ft_put_png(ft_at("g/alpha/.also-hidden.png"), 6, 5, 1, 9);
    ft_write_bytes(ft_at("g/alpha/notes.txt"), "hi", 2);    /* not an image extension */
    ft_write_bytes(ft_at("g/beta/data.xyz"), "hi", 2);
    ft_write_bytes(ft_at("g/README"), "hi", 2);             /* a file in ROOT */
    ft_put_png(ft_at("g/alpha/sub/inner.png"), 6, 5, 1, 10); /* a folder inside a class */
}

START_TEST(load_grayscale_formats)
{
    make_gray_folder();
    nn_folder f;
    nn_dataset ds;
    nn_folder_report rep;
    ft_load_ok(ft_at("g"), ft_opts(1, NN_BAD_FILE_ERROR, 0), &ds, &f, &rep);
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
    uint8_t *ref = stbi_load(ft_at("g/Zeta/j.jpg"), &w, &h, &c, 1);
    ck_assert_ptr_nonnull(ref);
    ck_assert_mem_eq(ds.pixels, ref, 30);
    stbi_image_free(ref);
    /* ... and close to the pixels that were written (gray of the RGB pattern). */
    uint8_t *src = ft_pattern(6, 5, 3, 7);
    double err = 0;
    for (int i = 0; i < 30; i++)
        err += abs((int)ds.pixels[i] - (int)ft_luma(src + 3 * i));
    free(src);
    ck_assert_msg(err / 30 < 40, "JPEG mean abs error %g", err / 30);
    ft_expect_pixels(ds.pixels + 1 * 30, 6, 5, 1, 6, 1, "Zeta/t.tga");
    ft_expect_pixels(ds.pixels + 2 * 30, 6, 5, 3, 2, 1, "alpha/a.PNG");
    ft_expect_pixels(ds.pixels + 3 * 30, 6, 5, 1, 1, 1, "alpha/b.png");
    ft_expect_pixels(ds.pixels + 4 * 30, 6, 5, 1, 3, 1, "alpha/c.pgm");
    ft_expect_pixels(ds.pixels + 5 * 30, 6, 5, 1, 5, 1, "beta/m.bmp");
    ft_expect_pixels(ds.pixels + 6 * 30, 6, 5, 3, 4, 1, "beta/p.ppm");
    nn_dataset_free(&ds);
    nn_folder_report_free(&rep);
    nn_folder_free(&f);
}
END_TEST

START_TEST(load_rgb)
{
    ft_mkdirs(ft_at("c/a"));
    ft_mkdirs(ft_at("c/b"));
    ft_put_png(ft_at("c/a/1.png"), 4, 3, 3, 11);
    ft_put_png(ft_at("c/a/2.png"), 4, 3, 1, 12); /* gray: copied into R, G and B */
    ft_put_pnm(ft_at("c/b/3.ppm"), 4, 3, 3, 13);
    uint8_t *bmp = ft_pattern(4, 3, 3, 14);
    ck_assert(stbi_write_bmp(ft_at("c/b/4.bmp"), 4, 3, 3, bmp));
    free(bmp);
    uint8_t *jpg = ft_pattern(4, 3, 3, 15);
    ck_assert(stbi_write_jpg(ft_at("c/b/5.jpeg"), 4, 3, 3, jpg, 90));
    free(jpg);
    nn_folder f;
    nn_dataset ds;
    ft_load_ok(ft_at("c"), ft_opts(3, NN_BAD_FILE_ERROR, 2), &ds, &f, NULL);
    ck_assert_uint_eq(ds.n, 5);
    ck_assert_uint_eq(ds.channels, 3);
    ck_assert_uint_eq(ds.dim, 36);
    ft_expect_pixels(ds.pixels, 4, 3, 3, 11, 3, "a/1.png");
    uint8_t *g = ft_pattern(4, 3, 1, 12);
    for (int i = 0; i < 12; i++)
        for (int k = 0; k < 3; k++)
            ck_assert_uint_eq(ds.pixels[36 + 3 * i + k], g[i]);
    free(g);
    ft_expect_pixels(ds.pixels + 72, 4, 3, 3, 13, 3, "b/3.ppm");
    ft_expect_pixels(ds.pixels + 108, 4, 3, 3, 14, 3, "b/4.bmp");
    int w, h, c;
    uint8_t *ref = stbi_load(ft_at("c/b/5.jpeg"), &w, &h, &c, 3);
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
    ft_mkdirs(ft_at("s/x"));
    ft_write_bytes(ft_at("s/x/one.gif"), FT_GIF_1x1, sizeof FT_GIF_1x1);
    uint8_t px = 77;
    stbi_write_tga_with_rle = 0;
    int ok = stbi_write_tga(ft_at("s/x/two.tga"), 1, 1, 1, &px);
    stbi_write_tga_with_rle = 1;
    ck_assert(ok);
    nn_folder f;
    nn_dataset ds;
    ft_load_ok(ft_at("s"), ft_opts(1, NN_BAD_FILE_ERROR, 1), &ds, &f, NULL);
    ck_assert_uint_eq(ds.n, 2);
    ck_assert_uint_eq(ds.pixels[0], 255); /* white */
    ck_assert_uint_eq(ds.pixels[1], 77);
    nn_dataset_free(&ds);
    nn_folder_free(&f);
}
END_TEST

/* ---------------------------------------------------------------- bad cases */

/* With "skip": loads, skips exactly one file whose path contains name, keeps the rest. */
static void skip_one(const char *root, const char *name, const char *reason)
{
    nn_folder f;
    nn_dataset ds;
    nn_folder_report rep;
    ft_load_ok(ft_at("%s", root), ft_opts(1, NN_BAD_FILE_SKIP, 0), &ds, &f, &rep);
    ck_assert_uint_eq(rep.skipped, 1);
    ck_assert_msg(strstr(rep.skipped_names[0], name), "%s", rep.skipped_names[0]);
    ck_assert_msg(strstr(rep.skipped_reasons[0], reason), "'%s' not in: %s", reason,
                  rep.skipped_reasons[0]);
    ck_assert_uint_eq(ds.n, 7);
    ck_assert_uint_eq(ds.dim, 16);
    for (int i = 0; i < 4; i++) {
        ft_expect_pixels(ds.pixels + 16 * i, 4, 4, 1, 100 + (unsigned)i, 1, "a");
        ck_assert_int_eq(ds.labels[i], 0);
    }
    for (int i = 0; i < 3; i++) {
        ft_expect_pixels(ds.pixels + 16 * (4 + i), 4, 4, 1, 200 + (unsigned)i, 1, "b");
        ck_assert_int_eq(ds.labels[4 + i], 1);
    }
    nn_dataset_free(&ds);
    nn_folder_report_free(&rep);
    nn_folder_free(&f);
}

static void both_modes(const char *root, const char *file, const char *reason)
{
    ft_load_fails(ft_at("%s", root), ft_opts(1, NN_BAD_FILE_ERROR, 0), ft_at("%s/%s", root, file),
                  reason);
    skip_one(root, file, reason);
}

/* A file of these bytes added to the base folder is bad for the reason given. */
static const struct {
    const char *file, *bytes;
    size_t len;
    const char *reason;
} BAD_BYTES[] = {
    {"a/1x.png", "this is not an image at all, just text", 38, "stb_image says"},
    /* The first file is bad: with skip, the first good one sets the size. */
    {"a/0 first.png", "junk", 4, "stb_image says"},
    {"a/2x.png", "", 0, "empty file"},
};

START_TEST(bad_bytes)
{
    ft_make_base("r");
    ft_write_bytes(ft_at("r/%s", BAD_BYTES[_i].file), BAD_BYTES[_i].bytes, BAD_BYTES[_i].len);
    both_modes("r", BAD_BYTES[_i].file, BAD_BYTES[_i].reason);
}
END_TEST

START_TEST(bad_truncated_png)
{
    ft_make_base("r");
    ft_put_png(ft_at("r/b/0x.png"), 4, 4, 1, 7);
    ft_truncate_to(ft_at("r/b/0x.png"), 0.6);
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
        ft_make_base(root);
        const char *path = ft_at("%s/%s", root, names[k]);
        uint8_t *p = ft_pattern(4, 4, 1, 9);
        if (k == 0)
            ck_assert(stbi_write_bmp(path, 4, 4, 1, p));
        else if (k == 1)
            ft_put_pnm(path, 4, 4, 1, 9);
        else if (k == 2)
            ck_assert(stbi_write_tga(path, 4, 4, 1, p));
        free(p);
        if (k == 3) { /* a 4x4 GIF cut inside its first frame's data */
            uint8_t gif[sizeof FT_GIF_1x1];
            memcpy(gif, FT_GIF_1x1, sizeof gif);
            gif[6] = gif[24] = 4;
            gif[8] = gif[26] = 4;
            ft_write_bytes(path, gif, 32);
        } else {
            ft_truncate_to(path, 0.8);
        }
        both_modes(root, names[k], "truncated");
    }
}
END_TEST

START_TEST(bad_size_mismatch)
{
    ft_make_base("r");
    ft_put_png(ft_at("r/b/1x.png"), 5, 4, 1, 7);
    both_modes("r", "b/1x.png", "5x4 (width x height) but the first image");
    ft_load_fails(ft_at("r"), ft_opts(1, NN_BAD_FILE_ERROR, 0), "a/0.png, is 4x4", NULL);
}
END_TEST

START_TEST(bad_broken_link)
{
    ft_make_base("l");
    ck_assert_int_eq(symlink("/nonexistent/nowhere.png", ft_at("l/b/0x.png")), 0);
    both_modes("l", "b/0x.png", "No such file");
}
END_TEST

/* ---------------------------------------------------------------- threads */

START_TEST(threads_do_not_change_results)
{
    /* 3 classes x 70 images with bad files sprinkled in: the same data set (and the same
     * first error) with 1, 2 and 7 threads. */
    for (int c = 0; c < 3; c++) {
        ft_mkdirs(ft_at("m/c%d", c));
        for (int i = 0; i < 70; i++) {
            const char *p = ft_at("m/c%d/%03d.png", c, i);
            if ((c * 70 + i) % 29 == 11)
                ft_write_bytes(p, "bad", 3);
            else
                ft_put_png(p, 5, 5, 1, (unsigned)(c * 1000 + i));
        }
    }
    nn_dataset ref = {0};
    for (size_t t = 1; t <= 7; t += t == 1 ? 1 : 5) {
        nn_folder f;
        nn_dataset ds;
        nn_folder_report rep;
        ft_load_ok(ft_at("m"), ft_opts(1, NN_BAD_FILE_SKIP, t), &ds, &f, &rep);
        ck_assert_uint_eq(rep.skipped, 7);
        ck_assert_str_eq(rep.skipped_names[0], ft_at("m/c0/011.png"));
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
        ft_load_fails(ft_at("m"), ft_opts(1, NN_BAD_FILE_ERROR, t), ft_at("m/c0/011.png"), NULL);
    }
    ck_assert_uint_eq(ref.n, 210 - 7);
    nn_dataset_free(&ref);
}
END_TEST

Suite *folder_decode_suite(void)
{
    Suite *s = suite_create("folder_decode");
    TCase *load = tcase_create("load");
    tcase_add_checked_fixture(load, ft_setup, ft_teardown);
    tcase_set_timeout(load, 20);
    tcase_add_test(load, load_grayscale_formats);
    tcase_add_test(load, load_rgb);
    tcase_add_test(load, load_gif_and_plain_tga);
    tcase_add_test(load, threads_do_not_change_results);
    suite_add_tcase(s, load);

    TCase *bad = tcase_create("bad");
    tcase_add_checked_fixture(bad, ft_setup, ft_teardown);
    tcase_set_timeout(bad, 20);
    tcase_add_loop_test(bad, bad_bytes, 0, (int)(sizeof BAD_BYTES / sizeof BAD_BYTES[0]));
    tcase_add_test(bad, bad_truncated_png);
    tcase_add_test(bad, bad_truncated_uncompressed);
    tcase_add_test(bad, bad_size_mismatch);
    tcase_add_test(bad, bad_broken_link);
    suite_add_tcase(s, bad);
    return s;
}
