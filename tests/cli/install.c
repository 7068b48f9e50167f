/* cli/install.c - what make install and the Debian package ship: the generated parts of
 * the man page nntrain-config(5) and of the bash completion are the ones the config's rows
 * print (make docs), the completion completes through bash-completion's machinery
 * (tests/sh/completion.sh), both man pages format without a warning, and
 * debian/changelog's version is VERSION's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/fixture.h"
#include "support/helpers.h"
#include "suites.h"

#define MAN5_PATH "man/nntrain-config.5"
#define COMPLETION_PATH "completions/nntrain"
#define BASH_COMPLETION "/usr/share/bash-completion/bash_completion"

/* path's generated part is what nn_config_write_reference writes in its format. */
static void check_generated(const char *path)
{
    ck_assert_msg(th_config_doc_check(path) == 0,
                  "%s's generated part differs from the config's rows: run `make docs`", path);
}

START_TEST(man_page_up_to_date)
{
    check_generated(MAN5_PATH);
}
END_TEST

START_TEST(completion_keys_up_to_date)
{
    check_generated(COMPLETION_PATH);
}
END_TEST

/* The whole of fmt's output for the rows (malloc'ed). */
static char *reference(nn_ref_format fmt)
{
    nn_error err = {0};
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(nn_config_write_reference(f, fmt, &err), NN_OK);
    ck_assert_int_eq(fclose(f), 0);
    return text;
}

/* Every key the completion offers has its entry (".B key") in the man page, and the
 * other way round: both walk the same rows. */
START_TEST(man_page_and_completion_agree)
{
    char *bash = reference(NN_REF_BASH), *roff = reference(NN_REF_ROFF);
    char *keys = strstr(bash, "_nntrain_keys=(\n"), *end = keys ? strstr(keys, "\n)") : NULL;
    ck_assert_msg(end, "no _nntrain_keys=( ... ) in the bash reference");
    *end = '\0';
    size_t n_keys = 0, n_entries = 0;
    for (char *line = strtok(keys + strlen("_nntrain_keys=(\n"), "\n"); line;
         line = strtok(NULL, "\n")) {
        char want[128];
        snprintf(want, sizeof want, "\n.B %s\n", line + strspn(line, " "));
        ck_assert_msg(strstr(roff, want), "the man page lacks the key %s", line);
        n_keys++;
    }
    const char *dense = strstr(roff, ".SS \"A dense layer\"");
    ck_assert_ptr_nonnull(dense);
    for (const char *p = roff; (p = strstr(p, "\n.B ")) && p < dense; p++)
        n_entries++;
    ck_assert_uint_eq(n_keys, n_entries);
    ck_assert_uint_gt(n_keys, 20);
    free(bash);
    free(roff);
}
END_TEST

START_TEST(completion_through_bash)
{
    int rc = th_run("bash tests/sh/completion.sh >/dev/null");
    ck_assert_msg(rc == 0, "tests/sh/completion.sh exited %d (its lines above say what failed)",
                  rc);
}
END_TEST

/* Both man pages format without a warning (groff -ww). */
START_TEST(man_pages_render)
{
    char out[512];
    FILE *p = popen("groff -man -Tutf8 -ww -z man/nntrain.1 man/nntrain-config.5 2>&1", "r");
    ck_assert_ptr_nonnull(p);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    ck_assert_int_eq(pclose(p), 0);
    ck_assert_msg(n == 0, "groff -ww warns about the man pages: %s", out);
}
END_TEST

/* Both man pages have a NAME line whatis can read (lexgrog, from man-db). */
START_TEST(man_pages_whatis)
{
    ck_assert_int_eq(th_run("lexgrog man/nntrain.1 man/nntrain-config.5 >/dev/null"), 0);
}
END_TEST

/* The first line of a command's output, without its newline ("" when none). */
static void first_line(const char *cmd, char *buf, size_t n)
{
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    if (!fgets(buf, (int)n, p))
        buf[0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    pclose(p);
}

/* debian/changelog's upstream version (no epoch, no Debian revision) is VERSION. */
START_TEST(changelog_version_is_version)
{
    char deb[128], version[128];
    first_line("dpkg-parsechangelog -l debian/changelog -S Version 2>&1", deb, sizeof deb);
    first_line("cat VERSION", version, sizeof version);
    ck_assert_msg(version[0], "VERSION is empty or missing");
    char *up = strchr(deb, ':') ? strchr(deb, ':') + 1 : deb;
    char *rev = strrchr(up, '-');
    if (rev)
        *rev = '\0';
    ck_assert_msg(strcmp(up, version) == 0,
                  "debian/changelog's version is %s, VERSION says %s: add a changelog entry "
                  "(dch -v %s)",
                  deb, version, version);
}
END_TEST

Suite *install_suite(th_skips *sk)
{
    Suite *s = suite_create("install");
    TCase *tc = tcase_create("install");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, man_page_up_to_date);
    tcase_add_test(tc, completion_keys_up_to_date);
    tcase_add_test(tc, man_page_and_completion_agree);
    if (th_run("command -v groff >/dev/null") == 0)
        tcase_add_test(tc, man_pages_render);
    else
        th_skip(sk, "install", "man_pages_render", 1,
                "groff not on PATH (apt-get install groff-base)");
    if (th_run("command -v lexgrog >/dev/null") == 0)
        tcase_add_test(tc, man_pages_whatis);
    else
        th_skip(sk, "install", "man_pages_whatis", 1,
                "lexgrog not on PATH (apt-get install man-db)");
    if (access(BASH_COMPLETION, R_OK) == 0 && th_run("command -v bash >/dev/null") == 0)
        tcase_add_test(tc, completion_through_bash);
    else
        th_skip(sk, "install", "completion_through_bash", 1,
                BASH_COMPLETION " not found (apt-get install bash-completion)");
    if (th_run("command -v dpkg-parsechangelog >/dev/null") == 0)
        tcase_add_test(tc, changelog_version_is_version);
    else
        th_skip(sk, "install", "changelog_version_is_version", 1,
                "dpkg-parsechangelog not on PATH (apt-get install dpkg-dev)");
    suite_add_tcase(s, tc);
    return s;
}
