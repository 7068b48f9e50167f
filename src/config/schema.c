/* schema.c - every config key as one row: the tables the walker reads (schema.h). */
#include "config/schema.h"

#include <assert.h>
#include <math.h>
#include <stddef.h>

#define AT(field) offsetof(nn_config, field)
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Enum keys store an int; these fields are enums of that size. */
_Static_assert(sizeof(nn_normalize) == sizeof(int), "enum field size");
_Static_assert(sizeof(nn_schedule_kind) == sizeof(int), "enum field size");
_Static_assert(sizeof(nn_probe_set) == sizeof(int), "enum field size");
_Static_assert(sizeof(nn_data_format) == sizeof(int), "enum field size");

/* Choices in the order of their enum's values (stored value = base + index). */
static const char *const formats[] = {"idx", "image_folder", NULL}; /* nn_data_format */
static const char *const norms[] = {"unit", "standard", NULL};      /* nn_normalize */
static const char *const on_bad[] = {"error", "skip", NULL};        /* skip_bad_files 0/1 */
static const char *const schedules[] = {"none", "step", "cosine", NULL}; /* nn_schedule_kind */
static const char *const probes[] = {"test", "train", "val", NULL};      /* nn_probe_set */

enum { IDX = 1u << 0, FOLDER = 1u << 1 }; /* variants of data (by "format") */
enum { STEP = 1u << 1 };                  /* variant of optimizer.schedule (by "type") */

static const nn_cfg_key data_keys[] = {
    {.name = "format",
     .type = NN_CFG_ENUM,
     .flags = NN_CFG_REQUIRED,
     .offset = AT(data.kind),
     .choices = formats,
     .doc = "where the samples come from: IDX files or folders of images"},
    {.name = "train_images",
     .type = NN_CFG_STRING,
     .flags = NN_CFG_REQUIRED,
     .variants = IDX,
     .offset = AT(data.train_images),
     .doc = "path of an IDX image file, gzipped or not (detected from the content)"},
    {.name = "train_labels",
     .type = NN_CFG_STRING,
     .flags = NN_CFG_REQUIRED,
     .variants = IDX,
     .offset = AT(data.train_labels),
     .doc = "path of the IDX label file of train_images"},
    {.name = "test_images",
     .type = NN_CFG_STRING,
     .flags = NN_CFG_REQUIRED,
     .variants = IDX,
     .offset = AT(data.test_images),
     .doc = "path of the IDX test images"},
    {.name = "test_labels",
     .type = NN_CFG_STRING,
     .flags = NN_CFG_REQUIRED,
     .variants = IDX,
     .offset = AT(data.test_labels),
     .doc = "path of the IDX test labels"},
    {.name = "train_dir",
     .type = NN_CFG_STRING,
     .flags = NN_CFG_REQUIRED,
     .variants = FOLDER,
     .offset = AT(data.train_dir),
     .doc = "a folder laid out as `ROOT/<class name>/<image file>`"},
    {.name = "test_dir",
     .type = NN_CFG_STRING,
     .flags = NN_CFG_REQUIRED,
     .variants = FOLDER,
     .offset = AT(data.test_dir),
     .doc = "the test folder, with the same class folder names"},
    {.name = "channels",
     .type = NN_CFG_SIZE,
     .variants = FOLDER,
     .offset = AT(data.channels),
     .lo = 1,
     .hi = 3,
     .def = 1,
     .doc = "1 (grayscale) or 3 (RGB); the input width is height x width x channels"},
    {.name = "on_bad_file",
     .type = NN_CFG_ENUM,
     .variants = FOLDER,
     .offset = AT(data.skip_bad_files),
     .choices = on_bad,
     .doc = "\"error\" stops at the first bad image (exit code 3); \"skip\" leaves bad images "
            "out, counts them and names the first five"},
    {.name = "normalize",
     .type = NN_CFG_ENUM,
     .offset = AT(data.normalize),
     .choices = norms,
     .doc = "\"unit\": pixel/255; \"standard\": (pixel/255 - mean) / std over all training "
            "pixels"},
    {.name = "train_limit",
     .type = NN_CFG_SIZE,
     .offset = AT(data.train_limit),
     .lo = 0,
     .hi = NN_CFG_MAX_EXACT,
     .doc = "use only N training samples (0 = all): IDX the first N, a folder N files taken "
            "in turn from each class (a bad file among them that on_bad_file skips is not "
            "replaced)"},
    {.name = "test_limit",
     .type = NN_CFG_SIZE,
     .offset = AT(data.test_limit),
     .lo = 0,
     .hi = NN_CFG_MAX_EXACT,
     .doc = "the same for the test set"},
    {.name = "validation",
     .type = NN_CFG_SIZE,
     .offset = AT(data.validation),
     .lo = 0,
     .hi = NN_CFG_MAX_EXACT,
     .doc = "training samples held out as a validation set (0 = none); must leave some to "
            "train on"},
};

static const nn_cfg_section data_section = {.path = "data",
                                            .keys = data_keys,
                                            .n_keys = COUNT(data_keys),
                                            .selector = 0,
                                            .noun = "data",
                                            .what = "for \"%s\" data"};

static const nn_cfg_key schedule_keys[] = {
    {.name = "type",
     .type = NN_CFG_ENUM,
     .offset = AT(optim.schedule.kind),
     .choices = schedules,
     .doc = "\"step\": lr x gamma^floor(epoch / step_size); \"cosine\": CosineAnnealingLR "
            "with T_max = epochs, to 0 over the run"},
    {.name = "step_size",
     .type = NN_CFG_SIZE,
     .flags = NN_CFG_REQUIRED,
     .variants = STEP,
     .offset = AT(optim.schedule.step_size),
     .lo = 1,
     .hi = NN_CFG_MAX_EXACT,
     .doc = "epochs between two multiplications by gamma"},
    {.name = "gamma",
     .type = NN_CFG_NUMBER,
     .flags = NN_CFG_LO_OPEN,
     .variants = STEP,
     .offset = AT(optim.schedule.gamma),
     .lo = 0,
     .hi = 10,
     .def = 0.1,
     .doc = "the factor applied every step_size epochs"},
};

static const nn_cfg_section schedule_section = {
    .path = "optimizer.schedule",
    .keys = schedule_keys,
    .n_keys = COUNT(schedule_keys),
    .selector = 0,
    .noun = "schedule",
    .what = "for a \"%s\" schedule",
    .expect = "an object such as {\"type\": \"step\", \"step_size\": 10, \"gamma\": 0.1}"};

/* optimizer: type, lr and schedule, which every optimizer has, then each optimizer's own
 * rows, allowed only with its type (built from the optimizer table). */
static void optimizer_types(const char **out, size_t cap)
{
    nn_optim_types(out, cap);
}

static void build_optim(nn_cfg_key *keys, nn_cfg_section *sec)
{
    size_t n = 0;
    keys[n++] = (nn_cfg_key){.name = "type",
                             .type = NN_CFG_ENUM,
                             .offset = AT(optim.type),
                             .list = optimizer_types,
                             .doc = "the optimizer (torch.optim's class of the same name); "
                                    "each has its own keys below"};
    keys[n++] = (nn_cfg_key){.name = "lr",
                             .type = NN_CFG_NUMBER,
                             .flags = NN_CFG_LO_OPEN,
                             .offset = AT(optim.lr),
                             .lo = 0,
                             .hi = 1e3,
                             .def = 0.01,
                             .doc = "learning rate (before the schedule)"};
    for (size_t i = 0; nn_optim_at(i); i++) {
        const nn_optim_def *d = nn_optim_at(i);
        assert(i < 32 && n + (size_t)d->n_keys + 1 < NN_CFG_MAX_BUILT); /* variant bits, rows */
        for (int k = 0; k < d->n_keys; k++) {
            keys[n] = nn_cfg_row(&d->keys[k], AT(optim.hp) + (size_t)k * sizeof(double));
            keys[n].flags |= NN_CFG_OWN_VARIANT;
            keys[n++].variants = 1u << i;
        }
    }
    keys[n++] = (nn_cfg_key){.name = "schedule",
                             .type = NN_CFG_SECTION,
                             .sub = &schedule_section,
                             .def_doc = "`{\"type\": \"none\"}`",
                             .doc = "how lr changes from epoch to epoch (for every optimizer)"};
    *sec = (nn_cfg_section){.path = "optimizer",
                            .keys = keys,
                            .n_keys = n,
                            .selector = 0,
                            .noun = "optimizer",
                            .what = "for the \"%s\" optimizer"};
}

static const nn_cfg_key train_keys[] = {
    {.name = "epochs",
     .type = NN_CFG_SIZE,
     .offset = AT(train.epochs),
     .lo = 0,
     .hi = 1000000,
     .def = 10,
     .doc = "0 only initializes, probes and writes the epoch-0 row"},
    {.name = "batch_size",
     .type = NN_CFG_SIZE,
     .offset = AT(train.batch_size),
     .lo = 1,
     .hi = 65536,
     .def = 64,
     .doc = "the last batch of an epoch may be smaller (no samples dropped)"},
    {.name = "shuffle",
     .type = NN_CFG_BOOL,
     .offset = AT(train.shuffle),
     .def = 1,
     .doc = "a fresh seeded permutation every epoch"},
    {.name = "threads",
     .type = NN_CFG_INT,
     .offset = AT(train.threads),
     .lo = 0,
     .hi = 64,
     .doc = "threads for the matrix products and the SGD step (0 = the available cores); "
            "never changes a result"},
    {.name = "flush_denormals",
     .type = NN_CFG_BOOL,
     .offset = AT(train.flush_denormals),
     .def = 1,
     .doc = "while training, subnormal floats (below 2^-126) become 0, as TensorFlow does by "
            "default; false keeps strict IEEE behaviour"},
};

static const nn_cfg_section train_section = {
    .path = "train", .keys = train_keys, .n_keys = COUNT(train_keys), .selector = -1};

static const nn_cfg_key dead_keys[] = {
    {.name = "probe",
     .type = NN_CFG_ENUM,
     .offset = AT(dead.probe),
     .choices = probes,
     .doc = "the set the dead-unit probe runs over: the test set, the samples trained on, or "
            "the held-out ones (needs data.validation > 0)"},
    {.name = "samples",
     .type = NN_CFG_SIZE,
     .offset = AT(dead.samples),
     .lo = 0,
     .hi = NN_CFG_MAX_EXACT,
     .doc = "the first N samples of the probe set (0 = all)"},
    {.name = "every_steps",
     .type = NN_CFG_SIZE,
     .offset = AT(dead.every_steps),
     .lo = 0,
     .hi = NN_CFG_MAX_EXACT,
     .doc = "also probe the same set after every N optimizer steps (step % N = 0), one row each "
            "in `<csv>.steps.csv`; 0 = never; needs a CSV file (not stdout); changes no "
            "result. Each probe costs a forward pass over the probe set: N = 50 makes one epoch "
            "of mnist_relu about twice as long ([study.md](study.md#probing-every-n-steps))"},
};

static const nn_cfg_section dead_section = {
    .path = "dead_units", .keys = dead_keys, .n_keys = COUNT(dead_keys), .selector = -1};

static const nn_cfg_key output_keys[] = {
    {.name = "csv",
     .type = NN_CFG_STRING,
     .offset = AT(csv),
     .def_doc = "`\"runs/<name>.csv\"`",
     .doc = "where the per-epoch CSV goes; missing directories are created; \"-\" = stdout"},
    {.name = "units",
     .type = NN_CFG_STRING,
     .offset = AT(units),
     .def_doc = "none",
     .doc = "a CSV `epoch,module,unit,active_frac` (active_frac: the fraction of the probe "
            "samples on which the unit's pre-activation is > 0), one row per unit of every "
            "activation module per epoch, epoch 0 included; for mnist_relu 512 rows, about "
            "8.5 KB and 0.1 ms an epoch ([study.md](study.md#per-unit-history))"},
    {.name = "checkpoint",
     .type = NN_CFG_STRING,
     .offset = AT(checkpoint),
     .def_doc = "none",
     .doc = "a safetensors file with the weights (PyTorch's state_dict names), the optimizer "
            "state, the position and the config, written atomically every checkpoint_every "
            "epochs and at the end ([checkpoints.md](checkpoints.md))"},
    {.name = "checkpoint_every",
     .type = NN_CFG_SIZE,
     .offset = AT(checkpoint_every),
     .lo = 1,
     .hi = 1000000000,
     .def = 1,
     .doc = "epochs between two checkpoints"},
};

static const nn_cfg_key init_keys[] = {
    {.name = "from",
     .type = NN_CFG_STRING,
     .offset = AT(init_from),
     .def_doc = "none: the seed's init",
     .doc = "a safetensors file (an nntrain checkpoint, or PyTorch weights with the same "
            "names) whose weights replace the init; every tensor of the model must be there "
            "with its shape"},
};

static const nn_cfg_section init_section = {
    .path = "init", .keys = init_keys, .n_keys = COUNT(init_keys), .selector = -1};

static const nn_cfg_section output_section = {
    .path = "output", .keys = output_keys, .n_keys = COUNT(output_keys), .selector = -1};

static const nn_cfg_key top_keys[] = {
    {.name = "name",
     .type = NN_CFG_NAME,
     .offset = AT(name),
     .def_doc = "the config file's name without `.json` (`run` when that is not a valid name)",
     .doc = "names the run (and the default CSV path)"},
    {.name = "seed",
     .type = NN_CFG_U64,
     .offset = AT(seed),
     .lo = 0,
     .hi = NN_CFG_MAX_EXACT,
     .doc = "seeds weight init, batch shuffling and the validation split (one stream each)"},
    {.name = "data",
     .type = NN_CFG_SECTION,
     .flags = NN_CFG_REQUIRED,
     .sub = &data_section,
     .doc = "the training and test sets"},
    {.name = "model",
     .type = NN_CFG_MODEL,
     .flags = NN_CFG_REQUIRED,
     .doc = "the layers in order, like torch.nn.Sequential; must end with a dense layer of one "
            "unit per class"},
    {.name = "optimizer",
     .type = NN_CFG_SECTION,
     .build = build_optim,
     .doc = "the optimizer and its learning-rate schedule"},
    {.name = "train", .type = NN_CFG_SECTION, .sub = &train_section, .doc = "the training loop"},
    {.name = "dead_units",
     .type = NN_CFG_SECTION,
     .sub = &dead_section,
     .doc = "the dead-unit probe after every epoch"},
    {.name = "init", .type = NN_CFG_SECTION, .sub = &init_section, .doc = "where the weights start"},
    {.name = "output", .type = NN_CFG_SECTION, .sub = &output_section, .doc = "what is written"},
};

const nn_cfg_section nn_cfg_top = {.path = "",
                                   .keys = top_keys,
                                   .n_keys = COUNT(top_keys),
                                   .selector = -1,
                                   .what = "at the top level"};

void nn_cfg_layer_types(const char **out, size_t cap)
{
    nn_layer_types(out, cap);
}

#define SPEC(field) offsetof(nn_module_spec, field)

nn_cfg_key nn_cfg_row(const nn_hparam_spec *h, size_t offset)
{
    static const nn_cfg_type types[] = {[NN_HP_NUMBER] = NN_CFG_NUMBER,
                                        [NN_HP_SIZE] = NN_CFG_SIZE,
                                        [NN_HP_BOOL] = NN_CFG_BOOL,
                                        [NN_HP_ENUM] = NN_CFG_ENUM};
    unsigned flags = NN_CFG_DOUBLE | (h->integer ? NN_CFG_WHOLE : 0u) |
                     ((h->flags & NN_HP_REQUIRED) ? NN_CFG_REQUIRED : 0u) |
                     ((h->flags & NN_HP_LO_OPEN) ? NN_CFG_LO_OPEN : 0u) |
                     ((h->flags & NN_HP_HI_OPEN) ? NN_CFG_HI_OPEN : 0u);
    return (nn_cfg_key){.name = h->name,
                        .type = types[h->kind],
                        .flags = flags,
                        .offset = offset,
                        .lo = h->min,
                        .hi = h->max,
                        .choices = h->choices,
                        .list = h->list,
                        .base = h->base,
                        .def = h->def,
                        .def_doc = h->def_doc,
                        .doc = h->doc};
}

void nn_cfg_layer_section(const nn_layer_def *def, const nn_act_def *act, nn_cfg_key *keys,
                          nn_cfg_section *sec)
{
    int n;
    const nn_hparam_spec *rows = nn_layer_keys(def, act, &n);
    keys[0] = (nn_cfg_key){.name = "type",
                           .type = NN_CFG_LAYER,
                           .flags = NN_CFG_REQUIRED,
                           .list = nn_cfg_layer_types,
                           .doc = "\"dense\" here; an activation's name for an activation layer"};
    for (int k = 0; k < n; k++) {
        keys[k + 1] = nn_cfg_row(&rows[k], SPEC(hp) + (size_t)k * sizeof(double));
        keys[k + 1].flags |= NN_CFG_GIVEN;
        keys[k + 1].given = SPEC(given) + (size_t)k * sizeof(int);
    }
    *sec = (nn_cfg_section){.path = "model[i]",
                            .keys = keys,
                            .n_keys = (size_t)n + 1,
                            .selector = -1,
                            .what = act ? "for a \"%s\" layer" : "for a %s layer"};
}

const nn_cfg_section *nn_cfg_sub(const nn_cfg_key *k, nn_cfg_key *keys, nn_cfg_section *built)
{
    if (!k->build)
        return k->sub;
    k->build(keys, built);
    return built;
}
