/* hostile/data.c - hostile data: IDX files raw and gzipped (as the test set, "bad" and
 * "badlab", or the training set) and image folders (png/train, exported from the IDX set,
 * then damaged). Exit 3 with one line naming the file and what is wrong; nothing written. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "hostile.h"

#define IMG(fn, n, rows, cols, payload, gz)                                                        \
    static void fn(void)                                                                           \
    {                                                                                              \
        hx_idx("bad", 0, n, rows, cols, payload, gz);                                              \
    }
#define LAB(fn, n, payload, gz)                                                                    \
    static void fn(void)                                                                           \
    {                                                                                              \
        hx_idx("badlab", 1, n, 0, 0, payload, gz);                                                 \
    }

IMG(truncated, 32, 8, 8, 100, 0)
IMG(trailing, 32, 8, 8, 32 * 64 + 7, 0)
IMG(dims_overflow, 32, 0xFFFFFFFFu, 0xFFFFFFFFu, 64, 0)
IMG(all_overflow, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 64, 0)
IMG(zero_rows, 32, 0, 8, 0, 0)
IMG(zero_count, 0, 8, 8, 0, 0)
IMG(wrong_size, 32, 10, 10, 32 * 100, 0)
IMG(gz_truncated_data, 32, 8, 8, 100, 1)
IMG(gz_trailing_data, 32, 8, 8, 32 * 64 + 1, 1)
LAB(lab_short, 31, 31, 0)
LAB(lab_truncated, 32, 10, 0)
LAB(lab_gz_extra, 32, 33, 1)

static void header_only(void)
{
    ft_write_bytes("bad", "\0\0\x08\x03\0\0", 6);
}
static void empty(void)
{
    ft_write_bytes("bad", "", 0);
}
static void dtype(void)
{
    ft_write_bytes("bad", "\0\0\x0d\x03\0\0\0\x01\0\0\0\x01\0\0\0\x01\x05", 17);
}
static void big_label(void)
{
    hx_sh("cp test-labels badlab && printf '\\310' | dd of=badlab bs=1 seek=8 conv=notrunc "
          "status=none");
}
static void big_train_label(void)
{
    hx_sh("gzip -dc train-labels.gz > badlab && printf '\\011' | dd of=badlab bs=1 seek=8 "
          "conv=notrunc status=none");
}

/* A gzip member of the test images, then the bytes tail. */
static void gz_then(const char *tail, size_t n)
{
    hx_sh("gzip -c test-images > bad");
    FILE *f = fopen("bad", "ab");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(tail, 1, n, f), n);
    fclose(f);
}
static void gz_garbage(void)
{
    gz_then("garbage!", 8);
}
static void gz_nul(void)
{
    static const char nul[512];
    gz_then(nul, sizeof nul);
}
static void gz_multi(void)
{
    hx_sh("head -c 1000 test-images | gzip -c > bad && tail -c +1001 test-images | gzip -c >> "
          "bad && printf '' | gzip -c >> bad");
}
static void gz_cut(void)
{
    hx_sh("gzip -c test-images | head -c 200 > bad");
}
static void gz_crc(void)
{
    hx_sh("gzip -c test-images > g && head -c -8 g > bad && printf 'XXXX' >> bad && tail -c 4 g "
          ">> bad && rm g");
}
static void gz_head(void)
{
    hx_sh("gzip -c test-images | head -c 10 > bad");
}
/* The IDX header of 32 images of 8x8, then 64 MB of zeros, gzipped (about 64 KB). */
static void gz_bomb(void)
{
    gzFile g = gzopen("bad", "wb9");
    ck_assert_ptr_nonnull(g);
    static const unsigned char head[16] = {0, 0, 8, 3, 0, 0, 0, 32, 0, 0, 0, 8, 0, 0, 0, 8};
    ck_assert_int_eq(gzwrite(g, head, 16), 16);
    unsigned char *zeros = calloc(1, 1 << 20);
    ck_assert_ptr_nonnull(zeros);
    for (int i = 0; i < 64; i++)
        ck_assert_int_eq(gzwrite(g, zeros, 1 << 20), 1 << 20);
    free(zeros);
    ck_assert_int_eq(gzclose(g), Z_OK);
}
/* The IDX header of 32 images of 8x8, then 64 gzip members of 1 MB of zeros each (about
 * 64 KB in all): the multi-member bomb, bounded by the header as the single member is. */
static void gz_multi_bomb(void)
{
    gzFile g = gzopen("bad", "wb9");
    ck_assert_ptr_nonnull(g);
    static const unsigned char head[16] = {0, 0, 8, 3, 0, 0, 0, 32, 0, 0, 0, 8, 0, 0, 0, 8};
    ck_assert_int_eq(gzwrite(g, head, 16), 16);
    ck_assert_int_eq(gzclose(g), Z_OK);
    hx_sh("head -c 1048576 /dev/zero | gzip -9 > member && for i in $(seq 64); do cat member; "
          "done >> bad && rm member");
}
static void specials(void)
{
    hx_sh("mkdir adir && ln -s nowhere dangling && ln -s loop1 loop2 && ln -s loop2 loop1 && "
          "mkfifo fifo && ln -s train-images.gz link");
}

#define TI "--set", "data.test_images=bad"
#define D(name, setup, needle, ...)                                                                \
    {                                                                                              \
        name, {"tiny.json", "--quiet", __VA_ARGS__}, 3, needle, 0, setup, NULL, NULL               \
    }

static const hx_case idx_cases[] = {
    D("truncated data", truncated, "bad: truncated: expected 2048 bytes", TI),
    D("truncated header", header_only, "truncated header", TI),
    D("empty file", empty, "bad: empty file (0 bytes)", TI),
    D("wrong magic (a label file)", NULL, "are the image and label paths swapped", "--set",
      "data.test_images=test-labels"),
    D("wrong magic (an image file as labels)", NULL, "bad magic 0x00000803", "--set",
      "data.test_labels=test-images"),
    D("unsupported dtype 0x0d", dtype, "bad magic 0x00000D03", TI),
    D("dims 0xFFFFFFFF x 0xFFFFFFFF", dims_overflow, "absurd size in header", TI),
    D("every dim 0xFFFFFFFF", all_overflow, "4294967295", TI),
    D("zero rows", zero_rows, "the header's rows (at byte 8) is 0", TI),
    D("zero images", zero_count, "the header's image count (at byte 4) is 0", TI),
    D("trailing bytes", trailing, "7 trailing bytes", TI),
    D("test images of another size", wrong_size, "100 features", TI),
    D("label > 9 (200) in the test set", big_label, "test labels go up to 200", "--set",
      "data.test_labels=badlab"),
    D("label count mismatch", lab_short, "count mismatch", "--set", "data.test_labels=badlab"),
    D("labels truncated", lab_truncated, "truncated", "--set", "data.test_labels=badlab"),
    D("labels gzipped, one extra", lab_gz_extra, "trailing", "--set", "data.test_labels=badlab"),
    D("gz: data truncated inside", gz_truncated_data, "truncated", TI),
    D("gz: one byte too many inside", gz_trailing_data, "trailing", TI),
    D("gz: garbage after the member", gz_garbage, "8 trailing bytes after the last gzip member",
      TI),
    D("gz: NUL padding after the member", gz_nul, "512 trailing bytes after the last gzip member",
      TI),
    D("gz: cut short", gz_cut, "truncated gzip stream", TI),
    D("gz: bad CRC", gz_crc, "incorrect data check", TI),
    D("gz: header only", gz_head, "truncated gzip stream", TI),
    D("gz: bomb (64 MB of zeros)", gz_bomb, "decompresses to more than", TI),
    D("gz: multi-member bomb (64 x 1 MB of zeros)", gz_multi_bomb, "decompresses to more than", TI),
    D("a folder", specials, "adir", "--set", "data.test_images=adir"),
    D("a FIFO without writer", specials, "fifo: empty file", "--set", "data.test_images=fifo"),
    D("a symlink loop", specials, "Too many levels of symbolic links", "--set",
      "data.test_images=loop1"),
    D("a dangling symlink", specials, "dangling: cannot open", "--set",
      "data.test_images=dangling"),
    D("/dev/zero", NULL, "/dev/zero: bad magic", "--set", "data.test_images=/dev/zero"),
    D("missing training labels", NULL, "nope.gz", "--set", "data.train_labels=nope.gz"),
    {"empty path",
     {"tiny.json", "--quiet", "--set", "data.train_images="},
     2,
     "data.train_images: expected a non-empty string",
     0,
     NULL,
     NULL,
     NULL},
    {"label 9 in the training set, 4 outputs",
     {"tiny.json", "--quiet", "--set", "data.train_labels=badlab"},
     2,
     "model[2].units",
     0,
     big_train_label,
     NULL,
     NULL},
    {"multi-member gzip is fine",
     {"check-data", "tiny.json", "--quiet", TI},
     0,
     NULL,
     HX_SILENT,
     gz_multi,
     NULL,
     NULL},
    {"a symlink to the training images is fine",
     {"check-data", "tiny.json", "--quiet", "--set", "data.train_images=link"},
     0,
     NULL,
     HX_SILENT,
     specials,
     NULL,
     NULL},
};

const hx_table hx_idx_table = {"idx", idx_cases, sizeof idx_cases / sizeof idx_cases[0]};

static void png_wrong_size(void)
{
    hx_png("png/train/1/x.png", 10, 10, 8, 0);
}
static void png_16bit(void)
{
    hx_png("png/train/1/x.png", 8, 8, 16, 0);
}
static void png_cut(void)
{
    hx_png("png/train/1/x.png", 8, 8, 8, 0);
    hx_sh("head -c 40 png/train/1/x.png > t && mv t png/train/1/x.png");
}
static void png_huge(void)
{
    hx_sh("printf '\\211PNG\\r\\n\\032\\n\\0\\0\\0\\rIHDR\\0\\0\\076\\200\\0\\0\\076\\200\\010"
          "\\0\\0\\0\\0\\0\\0\\0\\0' > png/train/1/x.png");
}
static void png_huge_100k(void) /* over stb_image's own 2^30 bytes: it says "too large" */
{
    hx_sh("printf '\\211PNG\\r\\n\\032\\n\\0\\0\\0\\rIHDR\\0\\001\\206\\240\\0\\001\\206\\240\\010"
          "\\0\\0\\0\\0\\0\\0\\0\\0' > png/train/1/x.png");
}
static void
png_sparse(void) /* 100 MB, sparse: refused from its size, unread (the limit is 64 MiB) */
{
    hx_sh("truncate -s 100M png/train/1/big.png");
}
static void png_text(void)
{
    ft_write_text("png/train/1/x.png", "this is not an image\n");
}
static void png_empty(void)
{
    ft_write_bytes("png/train/1/x.png", "", 0);
}
static void png_fifo(void)
{
    hx_sh("mkfifo png/train/1/x.png");
}
static void png_loop(void)
{
    hx_sh("ln -s y.png png/train/1/x.png && ln -s x.png png/train/1/y.png");
}
static void png_dangling(void)
{
    hx_sh("ln -s nowhere.png png/train/1/x.png");
}
static void png_dir(void)
{
    hx_sh("mkdir png/train/1/x.png");
}
static void class_loop(void)
{
    hx_sh("ln -s 9 png/train/9");
}
static void one_class(void)
{
    hx_sh("rm -r png/train/1 png/train/2 png/train/3");
}
static void no_classes(void)
{
    hx_sh("rm -r png/train/* && mkdir png/train/empty");
}
static void extra_test_class(void)
{
    hx_sh("mkdir png/test/zz && cp png/test/0/00000.png png/test/zz/");
}

#define F(name, setup, needle, ...)                                                                \
    {                                                                                              \
        name, {"folder.json", "--quiet", __VA_ARGS__}, 3, needle, HX_FOLDERS, setup, NULL, NULL    \
    }

#define OK(name, setup)                                                                            \
    {                                                                                              \
        name, {"check-data", "folder.json", "--quiet"}, 0, NULL, HX_FOLDERS | HX_SILENT, setup,    \
            NULL, NULL                                                                             \
    }

static const hx_case folder_cases[] = {
    F("PNG of the wrong size", png_wrong_size, "x.png", NULL),
    F("truncated PNG", png_cut, "x.png", NULL),
    F("PNG header claiming 16000 x 16000", png_huge, "the image is 16000x16000", NULL),
    F("PNG header claiming 100000 x 100000", png_huge_100k,
      "x.png: a 100000 x 100000 image: over the limit of 16384 pixels a side", NULL),
    F("100 MB sparse file named .png", png_sparse, "big.png: the file is larger than 64 MiB", NULL),
    F("text named .png", png_text, "x.png", NULL),
    F("empty .png", png_empty, "x.png", NULL),
    F("symlink loop named .png", png_loop, "x.png", NULL),
    F("dangling symlink named .png", png_dangling, "x.png", NULL),
    F("a single class", one_class, "class", NULL),
    F("no images", no_classes, "png/train", NULL),
    F("a test class unknown to training", extra_test_class, "zz", NULL),
    OK("16-bit PNG (converted to 8 bits)", png_16bit),
    OK("FIFO named .png (not a regular file: left out)", png_fifo),
    OK("folder named .png (left out)", png_dir),
    OK("class folder a symlink loop (left out)", class_loop),
    F("train_dir missing", NULL, "nope", "--set", "data.train_dir=nope"),
    F("train_dir a file", NULL, "tiny.json", "--set", "data.train_dir=tiny.json"),
};

const hx_table hx_folder_table = {"folder", folder_cases,
                                  sizeof folder_cases / sizeof folder_cases[0]};
