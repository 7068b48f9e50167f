/* support/fixture.h - the folder fixture the suites share: temporary folders, files written
 * and read there, the binary under test run inside one, lines counted, and the tiny run
 * (a small IDX data set and a config training on it) the end-to-end suites start from. */
#ifndef NN_TEST_FIXTURE_H
#define NN_TEST_FIXTURE_H

#include <stddef.h>
#include <sys/types.h>

/* A fresh directory under /tmp, which must be made (caller frees the string, removes it
 * with th_rmdir). */
char *th_tmpdir(void);
void th_rmdir(const char *dir);

/* Checked (or unchecked) fixture: a fresh temporary directory for each test (ft_dir()),
 * removed afterwards. */
void ft_setup(void);
void ft_teardown(void);
const char *ft_dir(void);
/* ft_dir()/<fmt...> in a static buffer; the last two results stay valid. */
const char *ft_at(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Checked writes: the folders of path (mkdir -p), len bytes, a NUL-terminated text. */
void ft_mkdirs(const char *path);
void ft_write_bytes(const char *path, const void *data, size_t len);
void ft_write_text(const char *path, const char *text);

/* A whole file, malloc'ed with a NUL after its bytes; *len (when len is not NULL) gets
 * their count. NULL when it cannot be read. */
char *th_read_bytes(const char *path, size_t *len);
/* The same as a string. */
char *th_slurp(const char *path);
/* dir/name as a string, which must be readable. */
char *th_read_in(const char *dir, const char *name);
/* The number of '\n' in s. */
size_t th_count_lines(const char *s);

/* Runs a shell command line; returns its exit status (-1 when it did not exit). */
int th_run(const char *cmdline);
/* Path of the nntrain binary under test ($NNTRAIN, default build/nntrain). */
const char *th_nntrain(void);
/* Runs the shell commands fmt... inside dir, with "$B" the binary under test (a relative
 * $NNTRAIN taken from the folder the tests run in), their stdout in dir/out.txt and their
 * stderr in dir/err.txt; the exit status, as th_run. */
int th_sh_in(const char *dir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Runs the binary under test with args (shell words) in the test's folder, as th_sh_in. */
int ft_nntrain(const char *args);
/* The same started without waiting (put "exec" before the binary to make the pid its own). */
pid_t th_sh_start(const char *dir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The tiny run in dir: train-images.gz, train-labels.gz (64 synthetic 8x8 images in 4
 * classes), test-images, test-labels (32, raw) and test-images.gz, test-labels.gz (the
 * same), and tiny.json, one epoch of dense 8, relu, dense 4 on them with its CSV in
 * out/tiny.csv; train_extra is added to its "train" section (", \"threads\": 1" or ""). */
void th_tiny_run(const char *dir, const char *train_extra);

#endif
