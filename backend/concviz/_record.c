/* The recorder's native hot path: a bounded append and the recorded Lock's
 * acquire/release.
 *
 * Sink is the recorder's buffer, one array in recording order (every append
 * holds the GIL). ``append(event)`` stores a Python event tuple; the native
 * Lock stores compact entries (time, ident, kind, object id) with no Python
 * object at all. When a writer is running and the buffer holds more than
 * ``high`` events, the recording thread waits (GIL released) until the
 * writer has taken them, below ``low`` (``append_nowait`` never waits): a program that records faster than
 * the parent reads is slowed, never loses events, never grows the buffer
 * without bound. The writer takes everything at once (``take()``, a Batch)
 * and encodes it to the wire's JSON lines in C (``Batch.encode``), the
 * compact runs with the GIL released.
 *
 * LockBase is the base of the recorded Lock's native variant
 * (``concviz.instrument.locks.NativeLock``): acquire()/__enter__ with no
 * arguments and release()/__exit__ run here, calling the real lock's own
 * methods (whatever factory made it) and recording the same tuples as the
 * Python path; anything else (arguments, a lock already held) goes to the
 * Python method ``_acquire_slow``.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "structmember.h"
#include "pythread.h"
#include "frameobject.h"
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define HAVE_TSC 1
#else
#define HAVE_TSC 0
#endif
#include <errno.h>
#include <unistd.h>

/* ---- the clock of compact events ---------------------------------------- */

/* A compact event's time is read where it happens, on the hot path. The
 * clock of every other event (time.perf_counter_ns: CLOCK_MONOTONIC) costs a
 * vDSO call, over 20 ns on a virtual machine; where the kernel itself keeps
 * that clock with the CPU's time-stamp counter (its clocksource is "tsc"),
 * compact events read the counter instead (``use_tsc``), and the writer
 * turns it into CLOCK_MONOTONIC nanoseconds from a reading of both clocks
 * together at the start of the batch (every take() makes one) and the
 * counter's rate measured since the sink was made: within a microsecond of what
 * the clock would have said, and the same whether the writer or a test reads
 * the sink. */
typedef struct {
    long long tsc, ns;
} Cal;

static int g_tsc;  /* compact events carry the time-stamp counter (from the sink's next take()) */
static int g_sink_tsc;  /* the events in the sink now do (the sink's own flag, for stamp()) */
typedef struct Sink Sink;
static Sink *g_sink;    /* the recorder's sink, set by configure() */

static inline long long
monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);  /* time.perf_counter_ns's clock on Linux */
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline long long
stamp(void)
{
#if HAVE_TSC
    if (g_sink_tsc) return (long long)__rdtsc();
#endif
    return monotonic_ns();
}

/* Both clocks at (nearly) one moment. */
static Cal
cal_now(void)
{
    Cal c = {0, 0};
#if HAVE_TSC
    unsigned long long before = __rdtsc();
    c.ns = monotonic_ns();
    unsigned long long after = __rdtsc();
    c.tsc = (long long)(before + (after - before) / 2);
#else
    c.ns = monotonic_ns();
#endif
    return c;
}

/* A stamp read after `from`, in CLOCK_MONOTONIC nanoseconds; ratio: ns per tick. */
static inline long long
stamp_ns(long long t, int tsc, Cal from, double ratio)
{
    return tsc ? from.ns + (long long)((double)(t - from.tsc) * ratio) : t;
}

/* The counter's ns per tick, measured over a short busy wait (a first
 * estimate; each take() measures it again over the sink's life). */
static double
first_ratio(void)
{
#if HAVE_TSC
    Cal a = cal_now(), b;
    do {
        b = cal_now();
    } while (b.ns - a.ns < 200000);  /* 0.2 ms */
    return b.tsc > a.tsc ? (double)(b.ns - a.ns) / (double)(b.tsc - a.tsc) : 0.0;
#else
    return 0.0;
#endif
}

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

/* ---- Batch: what the writer encodes ------------------------------------ */

typedef struct {
    char *data;
    size_t len, cap;
} Out;

static int
out_reserve(Out *out, size_t more)
{
    if (out->len + more <= out->cap) return 0;
    size_t cap = out->cap ? out->cap : 65536;
    while (cap < out->len + more) cap *= 2;
    char *data = realloc(out->data, cap);
    if (data == NULL) return -1;
    out->data = data;
    out->cap = cap;
    return 0;
}

static void
out_put(Out *out, const char *s, size_t n)
{
    memcpy(out->data + out->len, s, n);
    out->len += n;
}

static const char DIGITS2[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* u in decimal, written so that it ends just before end; returns where it begins. */
static inline char *
decimal_before(char *end, unsigned long long u)
{
    while (u >= 100) {
        unsigned d = (unsigned)(u % 100) * 2;
        u /= 100;
        *--end = DIGITS2[d + 1];
        *--end = DIGITS2[d];
    }
    if (u >= 10) {
        *--end = DIGITS2[u * 2 + 1];
        *--end = DIGITS2[u * 2];
    } else {
        *--end = (char)('0' + u);
    }
    return end;
}

static inline void
out_uint(Out *out, unsigned long long u)
{
    char tmp[24];
    char *start = decimal_before(tmp + sizeof(tmp), u);
    size_t n = (size_t)(tmp + sizeof(tmp) - start);
    memcpy(out->data + out->len, start, n);
    out->len += n;
}

static inline void
out_int(Out *out, long long v)
{
    if (v < 0) {
        out->data[out->len++] = '-';
        out_uint(out, 0ULL - (unsigned long long)v);
    } else {
        out_uint(out, (unsigned long long)v);
    }
}

#define ACQUIRE_JSON ",\"lock.acquire\","
#define RELEASE_JSON ",\"lock.release\","
#define ARGS_JSON ",{\"depth\":null}]"

static inline char *
put_decimal(char *w, long long v)
{
    char tmp[24];
    if (v < 0) *w++ = '-';
    char *start = decimal_before(tmp + sizeof(tmp), v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v);
    memcpy(w, start, (size_t)(tmp + sizeof(tmp) - start));
    return w + (tmp + sizeof(tmp) - start);
}

/* UTF-8 text as a JSON string, escaped exactly as msgspec escapes it. */
static char *
put_json_string(char *w, const char *s, Py_ssize_t n)
{
    static const char hex[] = "0123456789abcdef";
    *w++ = '"';
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            *w++ = (char)c;
            continue;
        }
        *w++ = '\\';
        switch (c) {
        case '"': *w++ = '"'; break;
        case '\\': *w++ = '\\'; break;
        case '\b': *w++ = 'b'; break;
        case '\t': *w++ = 't'; break;
        case '\n': *w++ = 'n'; break;
        case '\f': *w++ = 'f'; break;
        case '\r': *w++ = 'r'; break;
        default:
            memcpy(w, "u00", 3);
            w += 3;
            *w++ = hex[c >> 4];
            *w++ = hex[c & 15];
        }
    }
    *w++ = '"';
    return w;
}

#define LINE_JSON ",\"line\",null,"
#define QUEUE_PUT_JSON ",\"queue.put\","
#define QUEUE_GET_JSON ",\"queue.get\","

/* The rest of a queue event after its ident: `,"queue.put",obj,{"id":..,"item":"..","size":..}]`. */
static char *
put_queue_event(char *w, Entry *e)
{
    if (e->kind == QUEUE_PUT) {
        memcpy(w, QUEUE_PUT_JSON, sizeof(QUEUE_PUT_JSON) - 1);
        w += sizeof(QUEUE_PUT_JSON) - 1;
    } else {
        memcpy(w, QUEUE_GET_JSON, sizeof(QUEUE_GET_JSON) - 1);
        w += sizeof(QUEUE_GET_JSON) - 1;
    }
    w = put_decimal(w, e->obj);
    memcpy(w, ",{\"id\":", 7);
    w += 7;
    if (e->q.id < 0) {
        memcpy(w, "null", 4);
        w += 4;
    } else {
        w = put_decimal(w, e->q.id);
    }
    memcpy(w, ",\"item\":", 8);
    w += 8;
    w = put_json_string(w, e->q.utf8, e->q.utf8_len);
    memcpy(w, ",\"size\":", 8);
    w += 8;
    w = put_decimal(w, e->q.size);
    memcpy(w, "}]", 2);
    return w + 2;
}

/* Compact entries [from, to) into out, with no Python object: runs without
 * the GIL. The writer must outpace a thread doing nothing but lock cycles
 * (over 10M events/s), so this is plain pointer work: digits two at a time,
 * the thread's ident formatted once per run of its events. */
static int
encode_compact(Out *out, Batch *batch, Py_ssize_t from, Py_ssize_t to, Py_ssize_t *in_line, Py_ssize_t per_line)
{
    Entry *items = batch->items;
    int tsc = batch->tsc;
    Cal cal0 = batch->from;
    double ratio = batch->ratio;
    size_t need = (size_t)(to - from) * 150 + 4;
    for (Py_ssize_t i = from; i < to; i++) {
        if (IS_QUEUE(items[i].kind)) need += 6 * (size_t)items[i].q.utf8_len;  /* \u00XX at worst */
        else if (items[i].kind == LINE) need += (size_t)items[i].q.utf8_len;
    }
    if (out_reserve(out, need) < 0) return -1;
    char *w = out->data + out->len;
    unsigned long ident = 0;
    char ident_text[32];  /* ",<ident>" */
    size_t ident_len = 0;
    for (Py_ssize_t i = from; i < to; i++) {
        Entry *e = &items[i];
        if (*in_line == per_line) {
            memcpy(w, "]\n[", 3);
            w += 3;
            *in_line = 0;
        }
        if (*in_line) *w++ = ',';
        (*in_line)++;
        *w++ = '[';
        long long t = tsc ? cal0.ns + (long long)((double)(e->t - cal0.tsc) * ratio) : e->t;
        if (t < 0) *w++ = '-';
        char tmp[24];
        char *start = decimal_before(tmp + sizeof(tmp), t < 0 ? 0ULL - (unsigned long long)t : (unsigned long long)t);
        memcpy(w, start, (size_t)(tmp + sizeof(tmp) - start));
        w += tmp + sizeof(tmp) - start;
        if (ident_len == 0 || e->ident != ident) {
            ident = e->ident;
            char *begin = decimal_before(ident_text + sizeof(ident_text), ident);
            *--begin = ',';
            ident_len = (size_t)(ident_text + sizeof(ident_text) - begin);
            memmove(ident_text, begin, ident_len);
        }
        memcpy(w, ident_text, ident_len);
        w += ident_len;
        if (IS_QUEUE(e->kind)) {
            w = put_queue_event(w, e);
            continue;
        }
        if (e->kind == LINE) {
            memcpy(w, LINE_JSON, sizeof(LINE_JSON) - 1);
            w += sizeof(LINE_JSON) - 1;
            memcpy(w, e->q.utf8, (size_t)e->q.utf8_len);
            w += e->q.utf8_len;
            *w++ = ']';
            continue;
        }
        if (e->kind == LOCK_ACQUIRE) {
            memcpy(w, ACQUIRE_JSON, sizeof(ACQUIRE_JSON) - 1);
            w += sizeof(ACQUIRE_JSON) - 1;
        } else {
            memcpy(w, RELEASE_JSON, sizeof(RELEASE_JSON) - 1);
            w += sizeof(RELEASE_JSON) - 1;
        }
        if (e->obj < 0) *w++ = '-';
        start = decimal_before(tmp + sizeof(tmp), e->obj < 0 ? 0ULL - (unsigned long long)e->obj
                                                             : (unsigned long long)e->obj);
        memcpy(w, start, (size_t)(tmp + sizeof(tmp) - start));
        w += tmp + sizeof(tmp) - start;
        memcpy(w, ARGS_JSON, sizeof(ARGS_JSON) - 1);
        w += sizeof(ARGS_JSON) - 1;
    }
    out->len = (size_t)(w - out->data);
    return 0;
}

/* The first `limit` events as JSON lines of at most per_line events each,
 * `[[t,ident,kind,obj,args],...]\n`, in two passes over the same runs: the
 * Python events' runs first, with the GIL (one encode_one call each: the
 * writer's msgspec encoder; the bytes kept in *parts), then everything into
 * out, which needs no Python object and runs without the GIL when
 * `without_gil`. So a flush takes the GIL back once, not once per run. */
typedef struct {
    PyObject **items;
    Py_ssize_t len, cap;
} Parts;

static void
parts_clear(Parts *parts)
{
    for (Py_ssize_t i = 0; i < parts->len; i++) Py_DECREF(parts->items[i]);
    PyMem_Free(parts->items);
    parts->items = NULL;
    parts->len = parts->cap = 0;
}

/* The end of the run of Python events from i, cut at the end of the line. */
static Py_ssize_t
python_run(Batch *self, Py_ssize_t i, Py_ssize_t limit, Py_ssize_t in_line, Py_ssize_t per_line)
{
    Py_ssize_t j = i;
    while (j < limit && j - i < per_line - in_line && self->items[j].kind == PY_EVENT) j++;
    return j;
}

static int
encode_python_runs(Batch *self, Parts *parts, PyObject *encode_one, Py_ssize_t per_line, Py_ssize_t limit)
{
    Py_ssize_t in_line = 0, i = 0;
    while (i < limit) {
        if (self->items[i].kind != PY_EVENT) {
            in_line = in_line == per_line ? 1 : in_line + 1;
            i++;
            continue;
        }
        if (in_line == per_line) in_line = 0;
        Py_ssize_t j = python_run(self, i, limit, in_line, per_line);
        PyObject *run = PyList_New(j - i);
        if (run == NULL) return -1;
        for (Py_ssize_t k = i; k < j; k++) PyList_SET_ITEM(run, k - i, Py_NewRef(self->items[k].event));
        PyObject *bytes = PyObject_CallOneArg(encode_one, run);
        Py_DECREF(run);
        if (bytes == NULL) return -1;
        if (!PyBytes_Check(bytes) || PyBytes_GET_SIZE(bytes) < 2) {
            Py_DECREF(bytes);
            PyErr_SetString(PyExc_TypeError, "encode_one must return a JSON array as bytes");
            return -1;
        }
        if (parts->len == parts->cap) {
            Py_ssize_t cap = parts->cap ? parts->cap * 2 : 16;
            PyObject **items = PyMem_Realloc(parts->items, (size_t)cap * sizeof(PyObject *));
            if (items == NULL) {
                Py_DECREF(bytes);
                PyErr_NoMemory();
                return -1;
            }
            parts->items = items;
            parts->cap = cap;
        }
        parts->items[parts->len++] = bytes;
        in_line += j - i;
        i = j;
    }
    return 0;
}

/* The second pass: -1 out of memory (no exception set: it may run without the GIL). */
static int
encode_lines(Batch *self, Out *out, Parts *parts, Py_ssize_t per_line, Py_ssize_t limit)
{
    Py_ssize_t in_line = 0, part = 0, i = 0;
    if (out_reserve(out, 1) < 0) return -1;
    out_put(out, "[", 1);
    while (i < limit) {
        if (self->items[i].kind == PY_EVENT) {
            if (in_line == per_line) {
                if (out_reserve(out, 3) < 0) return -1;
                out_put(out, "]\n[", 3);
                in_line = 0;
            }
            Py_ssize_t j = python_run(self, i, limit, in_line, per_line);
            PyObject *bytes = parts->items[part++];
            Py_ssize_t n = PyBytes_GET_SIZE(bytes);
            if (out_reserve(out, (size_t)n + 4) < 0) return -1;
            if (in_line) out_put(out, ",", 1);
            out_put(out, PyBytes_AS_STRING(bytes) + 1, (size_t)n - 2);  /* without its [ ] */
            in_line += j - i;
            i = j;
            continue;
        }
        Py_ssize_t j = i;
        while (j < limit && self->items[j].kind != PY_EVENT) j++;
        if (encode_compact(out, self, i, j, &in_line, per_line) < 0) return -1;
        i = j;
    }
    if (out_reserve(out, 2) < 0) return -1;
    out_put(out, "]\n", 2);
    return 0;
}

static int
encode_into(Batch *self, Out *out, PyObject *encode_one, Py_ssize_t per_line, Py_ssize_t limit, int without_gil)
{
    if (per_line < 1) {
        PyErr_Format(PyExc_ValueError, "expected per_line >= 1, got %zd", per_line);
        return -1;
    }
    if (limit > self->len) limit = self->len;
    if (limit <= 0) return 0;
    Parts parts = {NULL, 0, 0};
    if (encode_python_runs(self, &parts, encode_one, per_line, limit) < 0) {
        parts_clear(&parts);
        return -1;
    }
    int failed;
    if (without_gil) {
        Py_BEGIN_ALLOW_THREADS
        failed = encode_lines(self, out, &parts, per_line, limit);
        Py_END_ALLOW_THREADS
    } else {
        failed = encode_lines(self, out, &parts, per_line, limit);
    }
    parts_clear(&parts);
    if (failed) PyErr_NoMemory();
    return failed;
}

/* encode(encode_one, per_line, limit) -> the JSON lines of encode_into. */
static PyObject *
batch_encode(Batch *self, PyObject *args)
{
    PyObject *encode_one;
    Py_ssize_t per_line, limit;
    if (!PyArg_ParseTuple(args, "Onn", &encode_one, &per_line, &limit)) return NULL;
    Out out = {NULL, 0, 0};
    if (encode_into(self, &out, encode_one, per_line, limit, 1) < 0) {
        free(out.data);
        return NULL;
    }
    PyObject *result = PyBytes_FromStringAndSize(out.data, (Py_ssize_t)out.len);
    free(out.data);
    return result;
}

/* The writer's buffer, kept from one flush to the next: a flush's lines are
 * made and written with no Python object and no fresh memory. */
static Out g_written;
static int g_writing;

/* write(fd, encode_one, per_line, limit, tail): encode's lines and then tail,
 * written to fd whole, with the GIL released; an OSError as os.write's. */
static PyObject *
batch_write(Batch *self, PyObject *args)
{
    int fd;
    PyObject *encode_one;
    Py_ssize_t per_line, limit;
    Py_buffer tail;
    if (!PyArg_ParseTuple(args, "iOnny*", &fd, &encode_one, &per_line, &limit, &tail)) return NULL;
    Out local = {NULL, 0, 0};
    Out *out = g_writing ? &local : &g_written;  /* one flush at a time; another gets a buffer of its own */
    g_writing++;
    out->len = 0;
    /* With the GIL: the Python events' encoding. Without: the rest, and the write. */
    Parts parts = {NULL, 0, 0};
    Py_ssize_t n = limit > self->len ? self->len : limit;
    int failed = n > 0 && (per_line < 1 || encode_python_runs(self, &parts, encode_one, per_line, n) < 0);
    if (failed && per_line < 1) PyErr_Format(PyExc_ValueError, "expected per_line >= 1, got %zd", per_line);
    int error = 0, nomem = 0;
    if (!failed) {
        Py_BEGIN_ALLOW_THREADS
        nomem = (n > 0 && encode_lines(self, out, &parts, per_line, n) < 0)
            || out_reserve(out, (size_t)tail.len) < 0;
        if (!nomem) {
            out_put(out, tail.buf, (size_t)tail.len);
            size_t done = 0;
            while (done < out->len) {
                ssize_t w = write(fd, out->data + done, out->len - done);
                if (w < 0) {
                    if (errno == EINTR) continue;
                    error = errno;
                    break;
                }
                done += (size_t)w;
            }
        }
        Py_END_ALLOW_THREADS
    }
    parts_clear(&parts);
    PyBuffer_Release(&tail);
    if (nomem) {
        PyErr_NoMemory();
        failed = 1;
    }
    g_writing--;
    free(local.data);
    if (out == &g_written && g_written.cap > ((size_t)64 << 20)) {
        /* after an exceptional flush, do not keep that much */
        free(g_written.data);
        g_written = (Out){NULL, 0, 0};
    }
    if (failed) return NULL;
    if (error) {
        errno = error;
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    Py_RETURN_NONE;
}

/* where(i): (t, ident) of event i, for the limit event the writer adds. */
static PyObject *
batch_where(Batch *self, PyObject *arg)
{
    Py_ssize_t i = PyLong_AsSsize_t(arg);
    if (i == -1 && PyErr_Occurred()) return NULL;
    if (i < 0 || i >= self->len) {
        PyErr_Format(PyExc_IndexError, "expected an event index below %zd, got %zd", self->len, i);
        return NULL;
    }
    Entry *e = &self->items[i];
    if (e->kind != PY_EVENT) return Py_BuildValue("(Lk)", stamp_ns(e->t, self->tsc, self->from, self->ratio), e->ident);
    return PyTuple_GetSlice(e->event, 0, 2);
}

static Py_ssize_t
batch_length(Batch *self)
{
    return self->len;
}

static void
batch_dealloc(Batch *self)
{
    entries_free(self->items, self->len);
    Sink *sink = self->sink;
    if (sink->spare == NULL && sink->items != self->items && self->cap > 0) {
        sink->spare = self->items;
        sink->spare_cap = self->cap;
    } else {
        PyMem_Free(self->items);
    }
    Py_DECREF(sink);
    PyObject_Free(self);
}

static PyMethodDef batch_methods[] = {
    {"encode", (PyCFunction)batch_encode, METH_VARARGS, "encode(encode_one, per_line, limit) -> JSON lines."},
    {"write", (PyCFunction)batch_write, METH_VARARGS,
     "write(fd, encode_one, per_line, limit, tail): the JSON lines, then tail, written to fd (GIL released)."},
    {"where", (PyCFunction)batch_where, METH_O, "where(i) -> (t, ident) of event i."},
    {NULL},
};

static PySequenceMethods batch_sequence = {.sq_length = (lenfunc)batch_length};

static PyTypeObject BatchType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "concviz._record.Batch",
    .tp_doc = PyDoc_STR("Events taken from a Sink, for the writer."),
    .tp_basicsize = sizeof(Batch),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = (destructor)batch_dealloc,
    .tp_methods = batch_methods,
    .tp_as_sequence = &batch_sequence,
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

/* ---- source lines (sys.monitoring's LINE callback) ---------------------- */

static PyObject *g_line_args;   /* {filename: {line: args}} */
static PyObject *g_line_factory; /* (filename, line) -> args */

/* line(code, line): records ("line", {"file", "line"}) with no Python frame,
 * so that it adds no thread-switch point; never waits (see append_nowait). */
/* Records that the current thread is at line (an int) of filename: 0, or -1. */
static int
record_line(PyObject *filename, PyObject *line)
{
    if (g_sink == NULL || g_line_args == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "concviz._record: line() before configure_lines()");
        return -1;
    }
    PyObject *per_file = PyDict_GetItemWithError(g_line_args, filename);
    if (per_file == NULL) {
        if (PyErr_Occurred()) return -1;
        per_file = PyDict_New();
        if (per_file == NULL) return -1;
        int failed = PyDict_SetItem(g_line_args, filename, per_file);
        Py_DECREF(per_file);  /* the cache holds it */
        if (failed < 0) return -1;
    }
    PyObject *line_args = PyDict_GetItemWithError(per_file, line);
    if (line_args == NULL) {
        if (PyErr_Occurred()) return -1;
        line_args = PyObject_CallFunctionObjArgs(g_line_factory, filename, line, NULL);
        if (line_args == NULL) return -1;
        int failed = PyDict_SetItem(per_file, line, line_args);
        Py_DECREF(line_args);
        if (failed < 0) return -1;
    }
    /* A compact entry: the args' JSON is copied by the writer, without the GIL. */
    Py_buffer view;
    if (PyObject_GetBuffer(line_args, &view, PyBUF_SIMPLE) < 0) return -1;
    const char *json = view.buf;
    Py_ssize_t json_len = view.len;
    PyBuffer_Release(&view);  /* the args object keeps its bytes; the entry keeps the object */
    Entry *e = sink_slot(g_sink);
    if (e == NULL) return -1;
    e->t = stamp();
    e->ident = PyThread_get_thread_ident();
    e->obj = -1;
    e->event = Py_NewRef(line_args);
    e->kind = LINE;
    e->q.utf8 = json;
    e->q.utf8_len = json_len;
    sink_wait_hard(g_sink);
    return 0;
}

static PyObject *
line_event(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyCode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "expected line(code, line_number)");
        return NULL;
    }
    if (record_line(((PyCodeObject *)args[0])->co_filename, args[1]) < 0) return NULL;
    Py_RETURN_NONE;
}

/* ---- source lines through a C trace function (before sys.monitoring) -------
 *
 * trace_lines() sets, for the thread that calls it, a trace function that is
 * C: it records the lines of the program's own code objects (the files
 * is_user_file says are the program's, asked once per file) and turns line
 * events off in every other frame as it starts. A Python trace function would
 * be a Python call at every line and every frame's start, each a place where
 * the interpreter may switch threads, and ten times the cost. */
static PyObject *g_is_user_file;  /* concviz.instrument._support.is_user_file */
static PyObject *g_user_files;    /* filename → whether it is the program's */
static int g_tracing_lines;       /* 0: stop_tracing_lines() was called; threads still traced record nothing */
static PyObject *s_f_trace_lines;

/* Whether filename is the program's: 1, 0, or -1. */
static int
users_file(PyObject *filename)
{
    PyObject *known = PyDict_GetItemWithError(g_user_files, filename);
    if (known != NULL) return known == Py_True;
    if (PyErr_Occurred()) return -1;
    PyObject *answer = PyObject_CallOneArg(g_is_user_file, filename);
    if (answer == NULL) return -1;
    int user = PyObject_IsTrue(answer);
    Py_DECREF(answer);
    if (user < 0 || PyDict_SetItem(g_user_files, filename, user ? Py_True : Py_False) < 0) return -1;
    return user;
}

static int
trace_line_events(PyObject *unused, PyFrameObject *frame, int what, PyObject *arg)
{
    if ((what != PyTrace_CALL && what != PyTrace_LINE) || !g_tracing_lines) return 0;
    PyObject *exc_type, *exc_value, *exc_tb;  /* a frame may start while an exception is being handled */
    PyErr_Fetch(&exc_type, &exc_value, &exc_tb);
    PyCodeObject *code = PyFrame_GetCode(frame);
    int r = 0, user = users_file(code->co_filename);
    if (user == 0) {
        r = PyObject_SetAttr((PyObject *)frame, s_f_trace_lines, Py_False);
    } else if (user < 0) {
        r = -1;
    } else if (what == PyTrace_LINE) {
        PyObject *line = PyLong_FromLong(PyFrame_GetLineNumber(frame));
        r = line == NULL ? -1 : record_line(code->co_filename, line);
        Py_XDECREF(line);
    }
    Py_DECREF(code);
    if (r < 0) {
        /* Never the program's exception: say it once, and record no more lines. */
        g_tracing_lines = 0;
        PyErr_WriteUnraisable((PyObject *)frame);
    }
    PyErr_Restore(exc_type, exc_value, exc_tb);
    return 0;
}

/* trace_lines(is_user_file): record the program's source lines in this thread (and go on doing so). */
static PyObject *
trace_lines(PyObject *module, PyObject *is_user_file)
{
    if (!PyCallable_Check(is_user_file)) {
        PyErr_SetString(PyExc_TypeError, "expected trace_lines(is_user_file)");
        return NULL;
    }
    if (g_user_files == NULL && (g_user_files = PyDict_New()) == NULL) return NULL;
    Py_XSETREF(g_is_user_file, Py_NewRef(is_user_file));
    /* As with sys.settrace, the frames already running are not traced: only
     * those that start from now on (a C trace function would get their lines). */
    PyFrameObject *f = PyEval_GetFrame();
    Py_XINCREF(f);
    while (f != NULL) {
        int r = PyObject_SetAttr((PyObject *)f, s_f_trace_lines, Py_False);
        PyFrameObject *back = r < 0 ? NULL : PyFrame_GetBack(f);
        Py_DECREF(f);
        if (r < 0) return NULL;
        f = back;
    }
    g_tracing_lines = 1;
    PyEval_SetTrace(trace_line_events, NULL);
    Py_RETURN_NONE;
}

/* stop_tracing_lines(): this thread's trace function goes, and other threads' record nothing more. */
static PyObject *
stop_tracing_lines(PyObject *module, PyObject *unused)
{
    g_tracing_lines = 0;
    PyEval_SetTrace(NULL, NULL);
    Py_RETURN_NONE;
}

static PyObject *
configure_lines(PyObject *module, PyObject *factory)
{
    PyObject *cache = PyDict_New();
    if (cache == NULL) return NULL;
    Py_XSETREF(g_line_args, cache);
    Py_XSETREF(g_line_factory, Py_NewRef(factory));
    Py_RETURN_NONE;
}

/* ---- the standard library's lock, from C ---------------------------------- */

/* A LockBase whose real lock is the standard library's own (``_thread.lock``,
 * not controlled mode's) takes and releases it here, as its own methods do,
 * without a method lookup and argument parsing per call. The lock's layout is
 * CPython's (Modules/_threadmodule.c); ``raw_lock_check`` tries it against
 * the lock's own methods when the module loads, and without a match every
 * lock goes through its methods as before. */
#if PY_VERSION_HEX < 0x030E0000  /* 3.14 keeps a PyMutex there: not known here, so not used */
typedef struct {
    PyObject_HEAD
    PyThread_type_lock lock_lock;
    PyObject *in_weakreflist;
    char locked;
} RawLock;

static inline int
raw_locked(PyObject *lock)
{
    return ((RawLock *)lock)->locked;
}

static inline int
raw_try(PyObject *lock)
{
    RawLock *raw = (RawLock *)lock;
    if (PyThread_acquire_lock_timed(raw->lock_lock, 0, 0) != PY_LOCK_ACQUIRED) return 0;
    raw->locked = 1;
    return 1;
}

static inline void
raw_release(PyObject *lock)
{
    RawLock *raw = (RawLock *)lock;
    raw->locked = 0;
    PyThread_release_lock(raw->lock_lock);
}
#define RAW_LOCKS_KNOWN 1
#else
#define RAW_LOCKS_KNOWN 0
static inline int raw_locked(PyObject *lock) { return 0; }
static inline int raw_try(PyObject *lock) { return 0; }
static inline void raw_release(PyObject *lock) {}
#endif

static PyTypeObject *g_raw_type;  /* _thread.LockType when its layout checked out, else NULL */

static PyObject *
call_method0(PyObject *obj, PyObject *name)
{
    PyObject *stack[1] = {obj};
    return PyObject_VectorcallMethod(name, stack, 1 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
}

/* Whether the layout above is the running interpreter's: what it reads must
 * follow the lock's own methods before anything is written through it. */
static int
raw_lock_check(PyObject *lock)
{
    if (!RAW_LOCKS_KNOWN || raw_locked(lock)) return 0;
    PyObject *r = call_method0(lock, s_acquire);
    if (r == NULL) goto fail;
    Py_DECREF(r);
    int seen_locked = raw_locked(lock);
    if ((r = call_method0(lock, s_release)) == NULL) goto fail;
    Py_DECREF(r);
    if (!seen_locked || raw_locked(lock)) return 0;
    /* Reading agrees: now taking and releasing through it. */
    if (!raw_try(lock)) return 0;
    r = call_method0(lock, s_locked);
    int ok = r == Py_True && !raw_try(lock);
    Py_XDECREF(r);
    raw_release(lock);
    r = call_method0(lock, s_locked);
    ok = ok && r == Py_False;
    Py_XDECREF(r);
    PyErr_Clear();
    return ok;
fail:
    PyErr_Clear();
    return 0;
}

/* use_raw_lock(lock): take locks of type(lock) directly when its layout is
 * the expected one; returns whether it is. */
static PyObject *
use_raw_lock(PyObject *module, PyObject *lock)
{
    g_raw_type = NULL;
    if (raw_lock_check(lock)) g_raw_type = (PyTypeObject *)Py_NewRef(Py_TYPE(lock));
    return PyBool_FromLong(g_raw_type != NULL);
}

/* ---- LockBase --------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    PyObject *lock;   /* the real lock */
    PyObject *cv_id;  /* the recorded object's id */
} LockBase;

/* The object id as a C integer; -1 (no exception) if it is not one. */
static long long
object_id(LockBase *self)
{
    if (self->cv_id == NULL || !PyLong_CheckExact(self->cv_id)) return -1;
    int overflow;
    long long v = PyLong_AsLongLongAndOverflow(self->cv_id, &overflow);
    return overflow || v < 0 ? -1 : v;
}

/* acquire() with no arguments: 1 recorded, 0 not free (go slow), -1 error. */
static int
try_fast_acquire(LockBase *self)
{
    if (self->lock == NULL || g_sink == NULL || object_id(self) < 0) return 0;
    /* A full buffer is waited for here, before the lock is taken: a wait lets
     * the GIL go, and with the lock held that would be a thread switch the
     * program does not have, while it holds a lock (other threads would find
     * it taken and sleep in it). */
    sink_wait(g_sink);
    if (Py_TYPE(self->lock) == g_raw_type) {
        if (!raw_try(self->lock)) return 0;
        return record_nowait(LOCK_ACQUIRE, object_id(self)) < 0 ? -1 : 1;
    }
    PyObject *stack[2] = {self->lock, Py_False};
    PyObject *got = PyObject_VectorcallMethod(s_acquire, stack, 2 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
    if (got == NULL) return -1;
    int ok = PyObject_IsTrue(got);
    Py_DECREF(got);
    if (ok <= 0) return ok;
    return record_nowait(LOCK_ACQUIRE, object_id(self)) < 0 ? -1 : 1;
}

static PyObject *
slow(LockBase *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    Py_ssize_t n = PyVectorcall_NARGS(nargsf);
    PyObject *small[8];
    Py_ssize_t total = n + (kwnames ? PyTuple_GET_SIZE(kwnames) : 0);
    if (total + 1 > 8) {
        PyErr_SetString(PyExc_TypeError, "acquire() takes at most 2 arguments");
        return NULL;
    }
    small[0] = (PyObject *)self;
    for (Py_ssize_t i = 0; i < total; i++) small[i + 1] = args[i];
    return PyObject_VectorcallMethod(s_slow, small, (n + 1), kwnames);
}

static PyObject *
lockbase_acquire(LockBase *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    if (PyVectorcall_NARGS(nargsf) == 0 && kwnames == NULL) {
        int fast = try_fast_acquire(self);
        if (fast < 0) return NULL;
        if (fast) Py_RETURN_TRUE;
    }
    return slow(self, args, nargsf, kwnames);
}

static PyObject *
lockbase_enter(LockBase *self, PyObject *unused)
{
    int fast = try_fast_acquire(self);
    if (fast < 0) return NULL;
    if (fast) Py_RETURN_TRUE;
    return slow(self, NULL, 0, NULL);
}

static PyObject *
do_release(LockBase *self)
{
    if (self->lock == NULL || self->cv_id == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "release unlocked lock");
        return NULL;
    }
    if (g_sink == NULL || object_id(self) < 0) {
        /* not configured: the Python path records (and releases) */
        PyObject *stack[1] = {(PyObject *)self};
        return PyObject_VectorcallMethod(s_release_slow, stack, 1 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
    }
    if (Py_TYPE(self->lock) == g_raw_type && raw_locked(self->lock)) {
        /* Recorded before the real release: the next holder's acquire comes after it. */
        if (record_nowait(LOCK_RELEASE, object_id(self)) < 0) return NULL;
        raw_release(self->lock);
        sink_wait(g_sink);
        Py_RETURN_NONE;
    }
    {
        PyObject *held = call_method0(self->lock, s_locked);
        if (held == NULL) return NULL;
        int is = PyObject_IsTrue(held);
        Py_DECREF(held);
        if (is < 0) return NULL;
        /* Recorded before the real release: the next holder's acquire comes after it. */
        if (is && record_nowait(LOCK_RELEASE, object_id(self)) < 0) return NULL;
        PyObject *r = call_method0(self->lock, s_release);
        if (r != NULL && is) sink_wait(g_sink);
        return r;
    }
}

static PyObject *
lockbase_release(LockBase *self, PyObject *unused)
{
    PyObject *r = do_release(self);
    if (r == NULL) return NULL;
    Py_DECREF(r);
    Py_RETURN_NONE;
}

static PyObject *
lockbase_exit(LockBase *self, PyObject *const *args, Py_ssize_t nargs)
{
    return lockbase_release(self, NULL);
}

static int
lockbase_traverse(LockBase *self, visitproc visit, void *arg)
{
    Py_VISIT(self->lock);
    Py_VISIT(self->cv_id);
    return 0;
}

static int
lockbase_clear(LockBase *self)
{
    Py_CLEAR(self->lock);
    Py_CLEAR(self->cv_id);
    return 0;
}

static void
lockbase_dealloc(LockBase *self)
{
    /* Only heap subclasses are ever made; their subtype_dealloc owns the type's reference. */
    PyObject_GC_UnTrack(self);
    lockbase_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef lockbase_methods[] = {
    {"acquire", (PyCFunction)(void (*)(void))lockbase_acquire, METH_FASTCALL | METH_KEYWORDS,
     "Acquire the lock (recorded)."},
    {"__enter__", (PyCFunction)lockbase_enter, METH_NOARGS, "Acquire the lock (recorded)."},
    {"release", (PyCFunction)lockbase_release, METH_NOARGS, "Release the lock (recorded)."},
    {"__exit__", (PyCFunction)(void (*)(void))lockbase_exit, METH_FASTCALL, "Release the lock (recorded)."},
    {NULL},
};

static PyMemberDef lockbase_members[] = {
    {"_lock", T_OBJECT_EX, offsetof(LockBase, lock), 0, NULL},
    {"_cv_id", T_OBJECT_EX, offsetof(LockBase, cv_id), 0, NULL},
    {NULL},
};

static PyTypeObject LockBaseType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "concviz._record.LockBase",
    .tp_doc = PyDoc_STR("The native hot path of the recorded Lock (see the module)."),
    .tp_basicsize = sizeof(LockBase),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_new = PyType_GenericNew,
    .tp_dealloc = (destructor)lockbase_dealloc,
    .tp_traverse = (traverseproc)lockbase_traverse,
    .tp_clear = (inquiry)lockbase_clear,
    .tp_methods = lockbase_methods,
    .tp_members = lockbase_members,
};

/* ---- an item's text ------------------------------------------------------ */

static PyObject *g_short_repr;  /* concviz.instrument.queues.short_repr, for every other case */
static PyObject *s_ellipsis;    /* "…" */
#define MAX_REPR 60

/* short_repr(item): concviz.instrument.queues.short_repr, in C for the items
 * queues carry most (exact int, float, bool, None and short str); anything
 * else, and any failure, is the Python function's. */
static PyObject *
short_repr(PyObject *module, PyObject *item)
{
    if (g_short_repr == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "concviz._record: short_repr() before configure_repr()");
        return NULL;
    }
    int simple = PyLong_CheckExact(item) || PyFloat_CheckExact(item) || PyBool_Check(item) || item == Py_None
        || (PyUnicode_CheckExact(item) && PyUnicode_GET_LENGTH(item) <= MAX_REPR + 1);
    if (!simple) return PyObject_CallOneArg(g_short_repr, item);
    PyObject *text = PyObject_Repr(item);
    if (text == NULL) {
        PyErr_Clear();  /* an int too long for str(): the Python function says so */
        return PyObject_CallOneArg(g_short_repr, item);
    }
    if (PyUnicode_GET_LENGTH(text) <= MAX_REPR) return text;
    PyObject *head = PyUnicode_Substring(text, 0, MAX_REPR - 1);
    Py_DECREF(text);
    if (head == NULL) return NULL;
    PyObject *cut = PyUnicode_Concat(head, s_ellipsis);
    Py_DECREF(head);
    return cut;
}

static PyObject *
configure_repr(PyObject *module, PyObject *fallback)
{
    Py_XSETREF(g_short_repr, Py_NewRef(fallback));
    Py_RETURN_NONE;
}

/* after_fork(): in a forked child, no writer of the parent's is writing
 * (one may have been, without the GIL, when the fork happened). */
static PyObject *
after_fork(PyObject *module, PyObject *unused)
{
    g_writing = 0;
    g_written.len = 0;
    Py_RETURN_NONE;
}

/* queue_event(put, obj, id, text, size): a queue's put (put true) or get,
 * recorded as the Python event (t, ident, "queue.put"/"queue.get", obj,
 * {"id": id, "item": text, "size": size}) would be, with no Python object but
 * the text (see ``concviz.instrument.queues``). */
/* Records a queue's put or get: 0, or -1. The fields as C numbers (id -1:
 * None); the text a str. Under the queue's own mutex: no wait here but far
 * beyond the bound (as append_nowait); the thread's next lock acquire or
 * plain event waits. */
static int
record_queue_c(int put, long long obj, long long id, PyObject *text, long long size)
{
    if (g_sink == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "concviz._record: queue_event() before configure()");
        return -1;
    }
    Py_ssize_t len = 0;
    const char *utf8 = (obj < 0 || id < -1) ? NULL : PyUnicode_AsUTF8AndSize(text, &len);
    if (utf8 == NULL) {
        /* Out of the compact range (or a text with no UTF-8): the Python event itself. */
        PyErr_Clear();
        PyObject *event = Py_BuildValue("(LkOL{sNsOsL})", monotonic_ns(), PyThread_get_thread_ident(),
                                        put ? s_queue_put_kind : s_queue_get_kind, obj,
                                        "id", id == -1 ? Py_NewRef(Py_None) : PyLong_FromLongLong(id),
                                        "item", text, "size", size);
        if (event == NULL) return -1;
        PyObject *r = sink_append_nowait(g_sink, event);
        Py_DECREF(event);
        Py_XDECREF(r);
        return r == NULL ? -1 : 0;
    }
    Entry *e = sink_slot(g_sink);
    if (e == NULL) return -1;
    e->t = stamp();
    e->ident = PyThread_get_thread_ident();
    e->obj = obj;
    e->event = Py_NewRef(text);
    e->kind = put ? QUEUE_PUT : QUEUE_GET;
    e->q.id = id;
    e->q.size = size;
    e->q.utf8 = utf8;
    e->q.utf8_len = len;
    sink_wait_hard(g_sink);
    return 0;
}

/* The same from Python values (queue_event); a new reference to None, or NULL. */
static PyObject *
record_queue(int put, PyObject *obj_id, PyObject *item_id, PyObject *text, PyObject *size_obj)
{
    if (!PyLong_CheckExact(obj_id) || (item_id != Py_None && !PyLong_CheckExact(item_id))
            || !PyUnicode_CheckExact(text) || !PyLong_CheckExact(size_obj)) {
        PyErr_SetString(PyExc_TypeError, "expected queue_event(put: bool, obj: int, id: int | None, text: str, "
                                         "size: int)");
        return NULL;
    }
    long long obj = PyLong_AsLongLong(obj_id);
    long long id = item_id == Py_None ? -1 : PyLong_AsLongLong(item_id);
    long long size = PyLong_AsLongLong(size_obj);
    if (PyErr_Occurred()) {
        PyErr_Clear();
        obj = -1;  /* a number beyond 64 bits: the Python event (its fields kept as they are) */
    }
    if (obj < 0) {
        PyObject *event = Py_BuildValue("(LkOO{sOsOsO})", monotonic_ns(), PyThread_get_thread_ident(),
                                        put ? s_queue_put_kind : s_queue_get_kind, obj_id,
                                        "id", item_id, "item", text, "size", size_obj);
        if (event == NULL) return NULL;
        PyObject *r = sink_append_nowait(g_sink, event);
        Py_DECREF(event);
        return r;
    }
    if (record_queue_c(put, obj, id, text, size) < 0) return NULL;
    Py_RETURN_NONE;
}

static PyObject *
queue_event(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "expected queue_event(put, obj, id, text, size)");
        return NULL;
    }
    int put = PyObject_IsTrue(args[0]);
    if (put < 0) return NULL;
    return record_queue(put, args[1], args[2], args[3], args[4]);
}

/* The bookkeeping of a recorded queue (concviz.instrument.queues._Recorded),
 * done under its mutex: each put gets the queue's next item id, kept in the
 * queue's book under the item's identity (the book holds the item, so that
 * its identity cannot be reused meanwhile) until a get returns that object.
 *
 * The book is a small open-addressing table keyed by the item's address: a
 * put and its get cost no Python object but the item's text. An object in
 * the queue more than once has an entry per put; a get takes the first put's
 * (the last one's for a LIFO queue). */
static PyObject *s_qsize, *s_queue;
static PyObject *g_plain_qsize;  /* the standard library's own _qsize functions (a tuple) */

typedef struct {
    PyObject *item;  /* NULL: never used; GONE: used, then taken (the probe goes on past it) */
    PyObject *text;
    long long id;
} Put;

static PyObject gone_marker;
#define GONE (&gone_marker)

typedef struct {
    PyObject_HEAD
    long long obj;      /* the queue's object id */
    long long next;     /* the last item id given */
    Put *puts;
    Py_ssize_t size;    /* slots: a power of two, or 0 */
    Py_ssize_t len;     /* puts not yet got */
    Py_ssize_t used;    /* slots not NULL (puts and GONE) */
    int lifo;
} QueueBook;

static inline size_t
slot_of(PyObject *item, Py_ssize_t size)
{
    uintptr_t p = (uintptr_t)item >> 4;
    return (size_t)((p * 0x9E3779B97F4A7C15ULL) >> 20) & (size_t)(size - 1);
}

static void
book_forget_all(QueueBook *self)
{
    Put *puts = self->puts;
    Py_ssize_t size = self->size;
    self->puts = NULL;
    self->size = self->len = self->used = 0;
    for (Py_ssize_t i = 0; i < size; i++) {
        if (puts[i].item != NULL && puts[i].item != GONE) {
            Py_DECREF(puts[i].text);
            Py_DECREF(puts[i].item);  /* may run the program's finaliser: the book is consistent by now */
        }
    }
    PyMem_Free(puts);
}

/* Room for one more put: 0, or -1. Grows (or drops the GONE slots) at two thirds full. */
static int
book_reserve(QueueBook *self)
{
    if ((self->used + 1) * 3 < self->size * 2) return 0;
    Py_ssize_t size = 16;
    while (size * 2 <= (self->len + 1) * 3) size *= 2;
    Put *puts = PyMem_Calloc((size_t)size, sizeof(Put));
    if (puts == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Put *old = self->puts;
    Py_ssize_t old_size = self->size;
    for (Py_ssize_t i = 0; i < old_size; i++) {  /* in slot order: equal items keep their order along a probe */
        if (old[i].item == NULL || old[i].item == GONE) continue;
        size_t j = slot_of(old[i].item, size);
        while (puts[j].item != NULL) j = (j + 1) & (size_t)(size - 1);
        puts[j] = old[i];
    }
    PyMem_Free(old);
    self->puts = puts;
    self->size = size;
    self->used = self->len;
    return 0;
}

static int
book_add(QueueBook *self, PyObject *item, PyObject *text, long long id)
{
    if (book_reserve(self) < 0) return -1;
    size_t j = slot_of(item, self->size);
    while (self->puts[j].item != NULL) j = (j + 1) & (size_t)(self->size - 1);  /* after any equal item's */
    self->puts[j] = (Put){Py_NewRef(item), Py_NewRef(text), id};
    self->len++;
    self->used++;
    return 0;
}

/* The put of this very object a get takes (the first, or for a LIFO queue
 * the last, by item id), or NULL. */
static Put *
book_find(QueueBook *self, PyObject *item)
{
    if (self->size == 0) return NULL;
    Put *found = NULL;
    for (size_t j = slot_of(item, self->size); self->puts[j].item != NULL; j = (j + 1) & (size_t)(self->size - 1)) {
        Put *put = &self->puts[j];
        if (put->item == item && (found == NULL || (self->lifo ? put->id > found->id : put->id < found->id))) {
            found = put;
        }
    }
    return found;
}

static int
book_init(QueueBook *self, PyObject *args, PyObject *kwds)
{
    long long obj;
    int lifo;
    if (!PyArg_ParseTuple(args, "Lp", &obj, &lifo)) return -1;
    book_forget_all(self);
    self->obj = obj;
    self->next = 0;
    self->lifo = lifo;
    return 0;
}

static int
book_traverse(QueueBook *self, visitproc visit, void *arg)
{
    for (Py_ssize_t i = 0; i < self->size; i++) {
        if (self->puts[i].item != NULL && self->puts[i].item != GONE) Py_VISIT(self->puts[i].item);
    }
    return 0;
}

static int
book_clear(QueueBook *self)
{
    book_forget_all(self);
    return 0;
}

static void
book_dealloc(QueueBook *self)
{
    PyObject_GC_UnTrack(self);
    book_forget_all(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static Py_ssize_t
book_length(QueueBook *self)
{
    return self->len;
}

static PyObject *
book_forget(QueueBook *self, PyObject *unused)
{
    book_forget_all(self);
    Py_RETURN_NONE;
}

static PySequenceMethods book_as_sequence = {
    .sq_length = (lenfunc)book_length,
};

static PyMethodDef book_methods[] = {
    {"clear", (PyCFunction)book_forget, METH_NOARGS, "Forget every put not got yet."},
    {NULL},
};

static PyTypeObject QueueBookType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "concviz._record.QueueBook",
    .tp_doc = PyDoc_STR("QueueBook(obj_id, lifo): a recorded queue's puts not yet got (len(book)), for queue_put "
                        "and queue_got."),
    .tp_basicsize = sizeof(QueueBook),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)book_init,
    .tp_traverse = (traverseproc)book_traverse,
    .tp_clear = (inquiry)book_clear,
    .tp_dealloc = (destructor)book_dealloc,
    .tp_as_sequence = &book_as_sequence,
    .tp_methods = book_methods,
};

/* q._qsize(), the queue's size as its class counts it; for the standard
 * library's own _qsize (``len(self.queue)``) that very length, without the
 * call. -1 on error. */
static Py_ssize_t
queue_size(PyObject *q)
{
    PyObject *qsize = _PyType_Lookup(Py_TYPE(q), s_qsize);  /* borrowed */
    if (qsize != NULL && g_plain_qsize != NULL) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(g_plain_qsize); i++) {
            if (qsize != PyTuple_GET_ITEM(g_plain_qsize, i)) continue;
            PyObject *items = PyObject_GetAttr(q, s_queue);
            if (items == NULL) return -1;
            Py_ssize_t n = PyObject_Size(items);
            Py_DECREF(items);
            return n;
        }
    }
    PyObject *size = call_method0(q, s_qsize);
    if (size == NULL) return -1;
    Py_ssize_t n = PyNumber_AsSsize_t(size, PyExc_OverflowError);
    Py_DECREF(size);
    return n;
}

static QueueBook *
book_of(PyObject *const *args, Py_ssize_t nargs, Py_ssize_t expected, const char *usage)
{
    if (nargs != expected || !PyObject_TypeCheck(args[0], &QueueBookType)
            || (expected == 4 && !PyUnicode_CheckExact(args[3]))) {
        PyErr_Format(PyExc_TypeError, "expected %s", usage);
        return NULL;
    }
    return (QueueBook *)args[0];
}

/* queue_put(book, q, item, text): after q._put(item), under the mutex. */
static PyObject *
queue_put(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    QueueBook *book = book_of(args, nargs, 4, "queue_put(book, queue, item, text: str)");
    if (book == NULL) return NULL;
    PyObject *q = args[1], *item = args[2], *text = args[3];
    long long id = book->next + 1;
    if (book_add(book, item, text, id) < 0) return NULL;
    book->next = id;
    Py_ssize_t size = queue_size(q);
    if (size < 0 && PyErr_Occurred()) return NULL;
    if (record_queue_c(1, book->obj, id, text, size) < 0) return NULL;
    Py_RETURN_NONE;
}

/* queue_got(book, q, item): after q._get() returned item, under the mutex.
 * Records the get of a put's item and returns None; when no put of this very
 * object is known, records nothing and returns the queue's size (for the
 * caller to record the get with the item's own text, outside the mutex). */
static PyObject *
queue_got(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    QueueBook *book = book_of(args, nargs, 3, "queue_got(book, queue, item)");
    if (book == NULL) return NULL;
    PyObject *q = args[1], *item = args[2];
    Py_ssize_t size = queue_size(q);
    if (size < 0 && PyErr_Occurred()) return NULL;
    Put *put = book_find(book, item);
    if (put == NULL) return PyLong_FromSsize_t(size);
    PyObject *text = put->text, *its_item = put->item;
    long long id = put->id;
    put->item = GONE;
    put->text = NULL;
    book->len--;
    int r = record_queue_c(0, book->obj, id, text, size);
    Py_DECREF(text);
    Py_DECREF(its_item);  /* the caller holds the item too: no finaliser runs here */
    if (r < 0) return NULL;
    Py_RETURN_NONE;
}

static PyObject *
configure_queues(PyObject *module, PyObject *args)
{
    PyObject *plain_qsize;
    if (!PyArg_ParseTuple(args, "O!", &PyTuple_Type, &plain_qsize)) return NULL;
    Py_XSETREF(g_plain_qsize, Py_NewRef(plain_qsize));
    Py_RETURN_NONE;
}

/* use_tsc(on): compact events read the time-stamp counter (see "the clock of
 * compact events"); for the caller to decide, from the kernel's clocksource.
 * Returns whether they do. Takes effect from the sink's next take(). */
static PyObject *
use_tsc(PyObject *module, PyObject *on)
{
    int yes = PyObject_IsTrue(on);
    if (yes < 0) return NULL;
    g_tsc = yes && HAVE_TSC;
    if (g_sink != NULL && g_sink->len == 0) g_sink->tsc = g_sink_tsc = g_tsc;  /* nothing recorded yet: from now on */
    return PyBool_FromLong(g_tsc);
}

static PyMethodDef module_methods[] = {
    {"configure", configure, METH_VARARGS, "configure(sink, no_depth_args): where LockBase records."},
    {"configure_lines", configure_lines, METH_O, "configure_lines(factory): factory(file, line) makes line args."},
    {"line", (PyCFunction)(void (*)(void))line_event, METH_FASTCALL, "line(code, line): record a source line."},
    {"trace_lines", trace_lines, METH_O,
     "trace_lines(is_user_file): this thread records the program's source lines (a C trace function)."},
    {"stop_tracing_lines", stop_tracing_lines, METH_NOARGS,
     "stop_tracing_lines(): no thread records source lines any more; this one is traced no more."},
    {"short_repr", short_repr, METH_O, "short_repr(item): an item's text, at most about 60 characters."},
    {"configure_repr", configure_repr, METH_O, "configure_repr(short_repr): the Python short_repr, for the rest."},
    {"after_fork", after_fork, METH_NOARGS, "after_fork(): in a forked child, the parent's writer is not writing."},
    {"queue_put", (PyCFunction)(void (*)(void))queue_put, METH_FASTCALL,
     "queue_put(book, queue, item, text): a recorded queue's put, after _put(), under its mutex."},
    {"queue_got", (PyCFunction)(void (*)(void))queue_got, METH_FASTCALL,
     "queue_got(book, queue, item) -> None once the get of a put's item is recorded, else the queue's size."},
    {"configure_queues", configure_queues, METH_VARARGS,
     "configure_queues(plain_qsize): the standard library's own _qsize functions (a tuple)."},
    {"queue_event", (PyCFunction)(void (*)(void))queue_event, METH_FASTCALL,
     "queue_event(put, obj, id, text, size): record a queue's put or get."},
    {"use_tsc", use_tsc, METH_O, "use_tsc(on): compact events read the time-stamp counter; returns whether they do."},
    {"use_raw_lock", use_raw_lock, METH_O, "use_raw_lock(lock): take locks of its type directly if its layout checks out."},
    {NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "concviz._record",
    .m_doc = PyDoc_STR("The recorder's native hot path: a bounded append, the recorded Lock's acquire/release."),
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC
PyInit__record(void)
{
    if (PyType_Ready(&SinkType) < 0 || PyType_Ready(&BatchType) < 0 || PyType_Ready(&LockBaseType) < 0
            || PyType_Ready(&QueueBookType) < 0) return NULL;
    s_line_kind = PyUnicode_InternFromString("line");
    s_acquire_kind = PyUnicode_InternFromString("lock.acquire");
    s_f_trace_lines = PyUnicode_InternFromString("f_trace_lines");
    if (!s_f_trace_lines) return NULL;
    s_qsize = PyUnicode_InternFromString("_qsize");
    s_queue = PyUnicode_InternFromString("queue");
    if (!s_qsize || !s_queue) return NULL;
    s_ellipsis = PyUnicode_FromString("\xe2\x80\xa6");
    if (!s_ellipsis) return NULL;
    s_queue_put_kind = PyUnicode_InternFromString("queue.put");
    s_queue_get_kind = PyUnicode_InternFromString("queue.get");
    if (!s_queue_put_kind || !s_queue_get_kind) return NULL;
    s_release_kind = PyUnicode_InternFromString("lock.release");
    s_acquire = PyUnicode_InternFromString("acquire");
    s_release = PyUnicode_InternFromString("release");
    s_locked = PyUnicode_InternFromString("locked");
    s_slow = PyUnicode_InternFromString("_acquire_slow");
    s_release_slow = PyUnicode_InternFromString("_release_slow");
    if (!s_line_kind || !s_release_slow || !s_acquire_kind || !s_release_kind || !s_acquire || !s_release || !s_locked || !s_slow) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    if (PyModule_AddObjectRef(m, "Sink", (PyObject *)&SinkType) < 0
            || PyModule_AddObjectRef(m, "LockBase", (PyObject *)&LockBaseType) < 0
            || PyModule_AddObjectRef(m, "QueueBook", (PyObject *)&QueueBookType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
