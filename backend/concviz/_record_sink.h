/* Part of concviz._record (included once, by _record.c): the recorder's buffer, and the module's sink (configure, record_nowait). */

/* ---- Sink: the recorder's buffer -------------------------------------- */

/* One recorded event: a Python tuple (ns, ident, kind, obj, args), or a
 * compact event: a lock's (recorded by LockBase with no Python object at
 * all), a queue's put or get (its item's text kept), a source line (its
 * pre-encoded args kept). */
enum { PY_EVENT = 0, LOCK_ACQUIRE = 1, LOCK_RELEASE = 2, QUEUE_PUT = 3, QUEUE_GET = 4, LINE = 5 };
#define IS_QUEUE(kind) ((kind) == QUEUE_PUT || (kind) == QUEUE_GET)
#define HOLDS_OBJECT(kind) ((kind) == PY_EVENT || (kind) >= QUEUE_PUT)

/* A queue's put or get (``queue_event``): its item's id (-1: none), text and
 * the queue's size, as the Python event's args {"id", "item", "size"}. */
typedef struct {
    long long id, size;
    const char *utf8;  /* the text's UTF-8, kept by the text itself */
    Py_ssize_t utf8_len;
} QueueArgs;

typedef struct {
    long long t;
    unsigned long ident;
    long long obj;
    PyObject *event;  /* PY_EVENT: the tuple; QUEUE_*: the item's text (a str); LINE: the args (a msgspec.Raw) */
    int kind;
    QueueArgs q;      /* QUEUE_*; LINE: utf8 and utf8_len are the args' JSON, kept by the args */
} Entry;

struct Sink {
    PyObject_HEAD
    Entry *items;
    Py_ssize_t len, cap;
    Cal cal;            /* both clocks at the last take(): the events since are later */
    double ratio;       /* ns per counter tick, as measured since base */
    Cal base;           /* both clocks when the sink was made */
    int tsc;            /* the compact events since the last take() carry the counter */
    Entry *spare;       /* the array of a Batch the writer is done with, for the next one */
    Py_ssize_t spare_cap;
    Py_ssize_t high;    /* 0: unbounded */
    Py_ssize_t low;
    unsigned long long waits;  /* how many appends waited for the writer */
    unsigned long exempt;      /* the writer thread's ident: it never waits */
};

static PyTypeObject SinkType;
static PyTypeObject BatchType;
static PyObject *g_args;    /* the Python path's _NO_DEPTH, for compact events made into tuples */
static PyObject *s_acquire_kind, *s_release_kind;

static Entry *
sink_slot(Sink *self)
{
    if (self->len == self->cap && self->cap == 0 && self->spare != NULL) {
        /* The last batch's array: already mapped, so the next events cost no page faults. */
        self->items = self->spare;
        self->cap = self->spare_cap;
        self->spare = NULL;
        self->spare_cap = 0;
    }
    if (self->len == self->cap) {
        Py_ssize_t cap = self->cap ? self->cap * 2 : 4096;
        Entry *items = PyMem_Realloc(self->items, (size_t)cap * sizeof(Entry));
        if (items == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        self->items = items;
        self->cap = cap;
    }
    return &self->items[self->len++];
}

/* Back-pressure: above high, wait (GIL released) until the writer drained to low. */
static void
sink_wait(Sink *self)
{
    if (self->high > 0 && self->len > self->high && PyThread_get_thread_ident() != self->exempt) {
        self->waits++;
        while (self->high > 0 && self->len > self->low) {
            Py_BEGIN_ALLOW_THREADS
            struct timespec pause = {0, 200000};  /* 0.2 ms */
            nanosleep(&pause, NULL);
            Py_END_ALLOW_THREADS
        }
    }
}

static PyObject *
sink_append(Sink *self, PyObject *event)
{
    Entry *e = sink_slot(self);
    if (e == NULL) return NULL;
    e->kind = PY_EVENT;
    e->event = Py_NewRef(event);
    sink_wait(self);
    Py_RETURN_NONE;
}

/* append_nowait(event): the same, never waiting. For the watched-variable
 * subscripts, which must add no thread-switch point (a wait releases the GIL):
 * the thread's next recorded call waits instead (or this one, at four times
 * the bound: memory stays bounded even then). */
static void
sink_wait_hard(Sink *self)
{
    /* Far beyond the bound (a loop recording nothing else): wait after all. */
    if (self->high > 0 && self->len > 4 * self->high) sink_wait(self);
}

static PyObject *
sink_append_nowait(Sink *self, PyObject *event)
{
    Entry *e = sink_slot(self);
    if (e == NULL) return NULL;
    e->kind = PY_EVENT;
    e->event = Py_NewRef(event);
    sink_wait_hard(self);
    Py_RETURN_NONE;
}

static PyObject *s_queue_put_kind, *s_queue_get_kind, *s_line_kind;

static PyObject *
entry_tuple(Entry *e, int tsc, Cal from, double ratio)
{
    if (e->kind == PY_EVENT) return Py_NewRef(e->event);
    if (e->kind == LINE) {
        return Py_BuildValue("(LkOOO)", stamp_ns(e->t, tsc, from, ratio), e->ident, s_line_kind, Py_None, e->event);
    }
    if (IS_QUEUE(e->kind)) {
        PyObject *id = e->q.id < 0 ? Py_NewRef(Py_None) : PyLong_FromLongLong(e->q.id);
        if (id == NULL) return NULL;
        return Py_BuildValue("(LkOL{sNsOsL})", stamp_ns(e->t, tsc, from, ratio), e->ident,
                             e->kind == QUEUE_PUT ? s_queue_put_kind : s_queue_get_kind, e->obj,
                             "id", id, "item", e->event, "size", e->q.size);
    }
    return Py_BuildValue("(LkOLO)", stamp_ns(e->t, tsc, from, ratio), e->ident,
                         e->kind == LOCK_ACQUIRE ? s_acquire_kind : s_release_kind, e->obj, g_args ? g_args : Py_None);
}

static void
entries_free(Entry *items, Py_ssize_t len)
{
    for (Py_ssize_t i = 0; i < len; i++) {
        if (HOLDS_OBJECT(items[i].kind)) Py_DECREF(items[i].event);
    }
}

static PyObject *
sink_clear(Sink *self, PyObject *unused)
{
    Py_ssize_t len = self->len;
    self->len = 0;
    entries_free(self->items, len);
    Py_RETURN_NONE;
}

static PyObject *
sink_iter(Sink *self)
{
    PyObject *list = PyList_New(self->len);
    if (list == NULL) return NULL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); i++) {
        PyObject *t = entry_tuple(&self->items[i], self->tsc, self->cal, self->ratio);
        if (t == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, t);
    }
    PyObject *it = PyObject_GetIter(list);
    Py_DECREF(list);
    return it;
}

static Py_ssize_t
sink_length(Sink *self)
{
    return self->len;
}

typedef struct {
    PyObject_HEAD
    Entry *items;
    Py_ssize_t len, cap;
    Sink *sink;  /* where the array goes back when the batch is done */
    int tsc;     /* compact events carry the counter: from and ratio turn it into ns */
    Cal from;
    double ratio;
} Batch;

/* take(): everything recorded so far, as a Batch the writer encodes. */
static PyObject *
sink_take(Sink *self, PyObject *unused)
{
    Batch *batch = PyObject_New(Batch, &BatchType);
    if (batch == NULL) return NULL;
    batch->items = self->items;
    batch->len = self->len;
    batch->cap = self->cap;
    batch->sink = (Sink *)Py_NewRef(self);
    batch->tsc = self->tsc;
    batch->from = self->cal;
    batch->ratio = self->ratio;
    Cal now = cal_now();
    if (now.tsc > self->base.tsc && now.ns - self->base.ns >= 1000000) {
        /* Over the sink's whole life: the longer, the closer (the two clocks
         * run at a fixed rate to each other, but for the kernel's slewing of
         * a few parts per million). */
        self->ratio = (double)(now.ns - self->base.ns) / (double)(now.tsc - self->base.tsc);
    }
    self->cal = now;
    self->tsc = g_tsc;
    if (self == g_sink) g_sink_tsc = g_tsc;
    self->items = NULL;
    self->len = self->cap = 0;
    return (PyObject *)batch;
}

static PyObject *
sink_bound(Sink *self, PyObject *args)
{
    Py_ssize_t high, low;
    if (!PyArg_ParseTuple(args, "nn", &high, &low)) return NULL;
    if (high < 0 || low < 0 || (high && low >= high)) {
        PyErr_Format(PyExc_ValueError, "expected 0 <= low < high (or high 0: unbounded), got high=%zd low=%zd",
                     high, low);
        return NULL;
    }
    self->high = high;
    self->low = low;
    Py_RETURN_NONE;
}

static PyObject *
sink_exempt(Sink *self, PyObject *arg)
{
    unsigned long ident = PyLong_AsUnsignedLong(arg);
    if (ident == (unsigned long)-1 && PyErr_Occurred()) return NULL;
    self->exempt = ident;
    Py_RETURN_NONE;
}

static PyObject *
sink_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "", names)) return NULL;
    Sink *self = (Sink *)type->tp_alloc(type, 0);
    if (self != NULL) {
        self->ratio = first_ratio();
        self->base = self->cal = cal_now();
        self->tsc = g_tsc;
    }
    return (PyObject *)self;
}

static void
sink_dealloc(Sink *self)
{
    entries_free(self->items, self->len);
    PyMem_Free(self->items);
    PyMem_Free(self->spare);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef sink_methods[] = {
    {"append", (PyCFunction)sink_append, METH_O, "Append one event; wait for the writer when the buffer is full."},
    {"append_nowait", (PyCFunction)sink_append_nowait, METH_O, "Append one event; never wait."},
    {"bound", (PyCFunction)sink_bound, METH_VARARGS, "bound(high, low): wait above high until below low (0: off)."},
    {"exempt", (PyCFunction)sink_exempt, METH_O, "exempt(ident): this thread (the writer) never waits."},
    {"clear", (PyCFunction)sink_clear, METH_NOARGS, "Forget every event."},
    {"take", (PyCFunction)sink_take, METH_NOARGS, "Everything recorded so far, as a Batch; the sink is left empty."},
    {NULL},
};

static PyMemberDef sink_members[] = {
    {"high", T_PYSSIZET, offsetof(Sink, high), READONLY, NULL},
    {"low", T_PYSSIZET, offsetof(Sink, low), READONLY, NULL},
    {"waits", T_ULONGLONG, offsetof(Sink, waits), READONLY, NULL},
    {NULL},
};

static PySequenceMethods sink_sequence = {.sq_length = (lenfunc)sink_length};

static PyTypeObject SinkType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "concviz._record.Sink",
    .tp_doc = PyDoc_STR("The recorder's bounded event buffer (see the module)."),
    .tp_basicsize = sizeof(Sink),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = sink_new,
    .tp_dealloc = (destructor)sink_dealloc,
    .tp_methods = sink_methods,
    .tp_members = sink_members,
    .tp_as_sequence = &sink_sequence,
    .tp_iter = (getiterfunc)sink_iter,
};

/* ---- recording -------------------------------------------------------- */

static PyObject *s_acquire, *s_release, *s_locked, *s_slow, *s_release_slow;

/* Appends a compact event; the caller waits for the writer (sink_wait) once
 * the lock is in its new state (a wait releases the GIL). */
static int
record_nowait(int kind, long long obj)
{
    Entry *e = sink_slot(g_sink);
    if (e == NULL) return -1;
    e->t = stamp();
    e->ident = PyThread_get_thread_ident();
    e->obj = obj;
    e->event = NULL;
    e->kind = kind;
    return 0;
}

static PyObject *
configure(PyObject *module, PyObject *args)
{
    PyObject *sink, *no_depth;
    if (!PyArg_ParseTuple(args, "O!O", &SinkType, &sink, &no_depth)) return NULL;
    Py_XSETREF(g_sink, (Sink *)Py_NewRef(sink));
    g_sink_tsc = g_sink->tsc;
    Py_XSETREF(g_args, Py_NewRef(no_depth));
    Py_RETURN_NONE;
}
