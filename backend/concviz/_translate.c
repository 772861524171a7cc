/* The parent's native hot path: one process's raw batch line → trace lines.
 *
 * ``concviz.translate.Translator.translate_line`` hands a batch line
 * (``[[t,ident,"kind",obj,{args}],...]``, as a child's writer sends it) to
 * ``translate(...)`` here, which does for each event what
 * ``Translator.translate`` does in Python — the time relative to the run's
 * start and monotonic along seq, the thread id for the OS ident, the
 * sequence number, the fold's update — and appends the trace line, byte for
 * byte the line msgspec makes of ``translate.Line``.
 *
 * It does so for the events of a busy run: kinds the fold does not fold (they
 * pass through), and ``lock.acquire``/``lock.release`` of objects that are
 * not RLocks (a plain Lock is folded here, but for the acquire that ends a
 * wait; anything else by the fold's own Python handler). Any other event (a thread's beginning or
 * end, an unknown thread, a kind with a handler, an RLock, an unusual
 * spelling) stops the loop: it returns where that event lies in the line, the
 * Python path translates it, and calls again after it. So the two paths
 * cannot disagree on anything but the fast cases, which
 * ``tests/trace/test_native_translate.py`` compares on whole runs.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* ---- what the module learns once (configure) ------------------------------ */

static PyObject *g_handlers;   /* kind → handler (concviz.analysis.fold.Fold.handlers) */
static PyObject *g_no_args;    /* fold.NO_ARGS */
static PyObject *s_objects, *s_rlocks, *s_waiters, *s_holders, *s_type, *s_acquisitions, *s_max_holders, *s_last_t;
static PyObject *g_one;

enum { KIND_PASS = 0, KIND_ACQUIRE = 1, KIND_RELEASE = 2, KIND_SLOW = 3 };

/* Kinds met so far, by their JSON token (quotes included). Kinds are few (the
 * schema's), so a short list searched in order is enough; beyond it every
 * new kind is slow. */
#define MAX_KINDS 128
typedef struct {
    char *token;
    Py_ssize_t len;
    PyObject *kind;     /* the kind as a str */
    PyObject *handler;  /* the fold's handler, or NULL */
    int code;
} Kind;

static Kind g_kinds[MAX_KINDS];
static int g_nkinds;

static Kind *
kind_of(const char *token, Py_ssize_t len)
{
    for (int i = 0; i < g_nkinds; i++) {
        if (g_kinds[i].len == len && memcmp(g_kinds[i].token, token, (size_t)len) == 0) return &g_kinds[i];
    }
    if (g_nkinds == MAX_KINDS) return NULL;
    for (Py_ssize_t i = 1; i < len - 1; i++) {
        if (token[i] == '\\' || (unsigned char)token[i] < 0x20 || (unsigned char)token[i] >= 0x80) return NULL;
    }
    PyObject *kind = PyUnicode_FromStringAndSize(token + 1, len - 2);
    if (kind == NULL) return NULL;
    PyObject *handler = PyDict_GetItemWithError(g_handlers, kind);
    if (handler == NULL && PyErr_Occurred()) {
        Py_DECREF(kind);
        return NULL;
    }
    char *copy = PyMem_Malloc((size_t)len);
    if (copy == NULL) {
        Py_DECREF(kind);
        PyErr_NoMemory();
        return NULL;
    }
    memcpy(copy, token, (size_t)len);
    Kind *k = &g_kinds[g_nkinds++];
    k->token = copy;
    k->len = len;
    k->kind = kind;
    k->handler = Py_XNewRef(handler);
    if (handler == NULL) k->code = KIND_PASS;
    else if (PyUnicode_CompareWithASCIIString(kind, "lock.acquire") == 0) k->code = KIND_ACQUIRE;
    else if (PyUnicode_CompareWithASCIIString(kind, "lock.release") == 0) k->code = KIND_RELEASE;
    else k->code = KIND_SLOW;
    return k;
}

static PyObject *
configure(PyObject *module, PyObject *args)
{
    PyObject *handlers, *no_args;
    if (!PyArg_ParseTuple(args, "O!O!", &PyDict_Type, &handlers, &PyDict_Type, &no_args)) return NULL;
    for (int i = 0; i < g_nkinds; i++) {
        PyMem_Free(g_kinds[i].token);
        Py_DECREF(g_kinds[i].kind);
        Py_XDECREF(g_kinds[i].handler);
    }
    g_nkinds = 0;
    Py_XSETREF(g_handlers, Py_NewRef(handlers));
    Py_XSETREF(g_no_args, Py_NewRef(no_args));
    Py_RETURN_NONE;
}

/* ---- reading the line ------------------------------------------------------ */

/* A strict JSON reader, for the shape check below: the end of the valid
 * value at p, or NULL. (Whitespace, which no writer sends, counts as invalid:
 * such a line is the Python path's.) */
#define MAX_DEPTH 64

static const char *json_value(const char *p, const char *end, int depth);

static const char *
json_string(const char *p, const char *end)
{
    if (p >= end || *p != '"') return NULL;
    p++;
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c == '"') return p + 1;
        if (c < 0x20) return NULL;
        if (c == '\\') {
            if (++p >= end) return NULL;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++) {
                    if (p + i >= end || !strchr("0123456789abcdefABCDEF", p[i]) || p[i] == '\0') return NULL;
                }
                p += 5;
                continue;
            }
            if (!strchr("\"\\/bfnrt", *p) || *p == '\0') return NULL;
        }
        p++;
    }
    return NULL;
}

static const char *
json_digits(const char *p, const char *end)
{
    const char *s = p;
    while (p < end && *p >= '0' && *p <= '9') p++;
    return p == s ? NULL : p;
}

static const char *
json_number(const char *p, const char *end)
{
    if (p < end && *p == '-') p++;
    if (p < end && *p == '0') p++;
    else if ((p = json_digits(p, end)) == NULL) return NULL;
    if (p < end && *p == '.' && (p = json_digits(p + 1, end)) == NULL) return NULL;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if ((p = json_digits(p, end)) == NULL) return NULL;
    }
    return p;
}

static const char *
json_literal(const char *p, const char *end, const char *word)
{
    size_t n = strlen(word);
    return (size_t)(end - p) >= n && memcmp(p, word, n) == 0 ? p + n : NULL;
}

static const char *
json_value(const char *p, const char *end, int depth)
{
    if (p >= end || depth > MAX_DEPTH) return NULL;
    switch (*p) {
    case '"':
        return json_string(p, end);
    case 't':
        return json_literal(p, end, "true");
    case 'f':
        return json_literal(p, end, "false");
    case 'n':
        return json_literal(p, end, "null");
    case '[':
        p++;
        if (p < end && *p == ']') return p + 1;
        for (;;) {
            if ((p = json_value(p, end, depth + 1)) == NULL || p >= end) return NULL;
            if (*p == ']') return p + 1;
            if (*p++ != ',') return NULL;
        }
    case '{':
        p++;
        if (p < end && *p == '}') return p + 1;
        for (;;) {
            if ((p = json_string(p, end)) == NULL || p >= end || *p++ != ':') return NULL;
            if ((p = json_value(p, end, depth + 1)) == NULL || p >= end) return NULL;
            if (*p == '}') return p + 1;
            if (*p++ != ',') return NULL;
        }
    default:
        return json_number(p, end);
    }
}

typedef struct {
    long long t, ident, obj;
    int has_obj;
    int simple;  /* 0: a number too long for a C integer, a kind with an escape: the Python path's */
    const char *kind;
    Py_ssize_t kind_len;
    const char *args;
    Py_ssize_t args_len;
} Event;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Eight bytes read as one word, the first in the lowest byte: all digits? */
static inline int
eight_are_digits(uint64_t x)
{
    /* '0'..'9' are 0x30..0x39: a high nibble of 3, and a low one that adding 6 keeps below 0x10. */
    return ((x & 0xF0F0F0F0F0F0F0F0ULL) | (((x + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4))
        == 0x3333333333333333ULL;
}

/* The value of eight digits read as one word: pairs, then fours, then eight. */
static inline uint64_t
eight_digits(uint64_t x)
{
    x -= 0x3030303030303030ULL;
    x = (x * 10 + (x >> 8)) & 0x00FF00FF00FF00FFULL;
    x = (x * 100 + (x >> 16)) & 0x0000FFFF0000FFFFULL;
    return (x * 10000 + (x >> 32)) & 0xFFFFFFFFULL;
}
#define EIGHT_AT_A_TIME 1
#else
#define EIGHT_AT_A_TIME 0
#endif

/* A JSON integer at *p, as the Python path's decoder takes it for an int
 * field: 0 if there is none, else 1 and *p past it, its value in *out if it
 * fits (else *simple = 0). A time or a thread ident has 13 to 19 digits:
 * eight at a time where there are eight. */
static inline int
read_int(const char **p, const char *end, long long *out, int *simple)
{
    const char *s = *p;
    int neg = s < end && *s == '-';
    s += neg;
    const char *digits = s;
    unsigned long long v = 0;
#if EIGHT_AT_A_TIME
    while (end - s >= 8) {
        uint64_t x;
        memcpy(&x, s, 8);
        if (!eight_are_digits(x)) break;
        v = v * 100000000ULL + eight_digits(x);
        s += 8;
    }
#endif
    while (s < end && *s >= '0' && *s <= '9') {
        v = v * 10 + (unsigned long long)(*s - '0');
        s++;
    }
    Py_ssize_t n = s - digits;
    if (n == 0 || (n > 1 && *digits == '0')) return 0;
    if (s < end && (*s == '.' || *s == 'e' || *s == 'E')) return 0;
    if (n > 18) *simple = 0;
    *out = neg ? -(long long)v : (long long)v;
    *p = s;
    return 1;
}

/* The end of the event at p, `[int,int,"kind",int|null,value]` (its fields
 * in *ev), or NULL if it is not one. */
static const char *
read_event(const char *p, const char *end, Event *ev)
{
    ev->simple = 1;
    if (p >= end || *p++ != '[') return NULL;
    if (!read_int(&p, end, &ev->t, &ev->simple) || p >= end || *p++ != ',') return NULL;
    if (!read_int(&p, end, &ev->ident, &ev->simple) || p >= end || *p++ != ',') return NULL;
    if (ev->ident < 0) ev->simple = 0;
    ev->kind = p;
    if (p >= end || *p != '"') return NULL;
    const char *q = p + 1;
    while (q < end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20) q++;
    if (q < end && *q == '"') {
        p = q + 1;
    } else {
        ev->simple = 0;
        if ((p = json_string(p, end)) == NULL) return NULL;
    }
    ev->kind_len = p - ev->kind;
    if (p >= end || *p++ != ',') return NULL;
    if (end - p >= 4 && memcmp(p, "null", 4) == 0) {
        ev->has_obj = 0;
        p += 4;
    } else {
        if (!read_int(&p, end, &ev->obj, &ev->simple)) return NULL;
        ev->has_obj = 1;
    }
    if (p >= end || *p++ != ',') return NULL;
    ev->args = p;
    if ((p = json_value(p, end, 1)) == NULL || p >= end || *p != ']') return NULL;
    ev->args_len = p - ev->args;
    return p + 1;
}

/* ---- writing lines --------------------------------------------------------- */

#include "_decimal.h"

/* v in decimal at w, two digits at a time; returns the end. (The digits are
 * counted first and written in place: a memcpy of a variable length is a
 * call, and a line has four numbers.) */
static inline char *
put_int(char *w, long long v)
{
    unsigned long long u = (unsigned long long)v;
    if (v < 0) {
        *w++ = '-';
        u = 0ULL - u;
    }
    int n = 1;
    for (unsigned long long x = u; x >= 10; x /= 10) n++;
    char *end = w + n;
    decimal_before(end, u);
    return end;
}

/* n bytes of s at w; returns the end. A kind's or a lock's args are 8 to 16
 * bytes: two overlapping 8-byte moves, not a call. */
static inline char *
put_bytes(char *w, const char *s, size_t n)
{
    if (n >= 8 && n <= 16) {
        uint64_t a, b;
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
        memcpy(w, &a, 8);
        memcpy(w + n - 8, &b, 8);
    } else {
        memcpy(w, s, n);
    }
    return w + n;
}

#define PUT(w, lit) (memcpy(w, lit, sizeof(lit) - 1), (w) + sizeof(lit) - 1)

/* The lines one call translates, each followed by a newline, as a trace file
 * holds them; handed to Python as one bytes object a call. (Each call has its
 * own: a fold handler the call makes runs Python code, during which another
 * thread's run may translate too.) */
typedef struct {
    char *data;
    size_t used, size;
} Out;

/* Room for n more bytes: 0, or -1 (out of memory). */
static int
out_reserve(Out *out, size_t n)
{
    if (out->used + n <= out->size) return 0;
    size_t size = out->size ? out->size : 1 << 16;
    while (size < out->used + n) size *= 2;
    char *data = PyMem_Realloc(out->data, size);
    if (data == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    out->data = data;
    out->size = size;
    return 0;
}

/* The most bytes trace_line writes for ev. */
#define LINE_MOST(ev) (200 + (size_t)(ev)->kind_len + (size_t)(ev)->args_len)

/* The trace line of one event and its newline at w, as msgspec encodes
 * translate.Line; returns the end. */
static char *
trace_line(char *w, long long seq, long long t, long long pid, long long tid, Event *ev)
{
    w = PUT(w, "{\"seq\":");
    w = put_int(w, seq);
    w = PUT(w, ",\"t\":");
    w = put_int(w, t);
    w = PUT(w, ",\"pid\":");
    w = put_int(w, pid);
    w = PUT(w, ",\"tid\":");
    w = put_int(w, tid);
    w = PUT(w, ",\"kind\":");
    w = put_bytes(w, ev->kind, (size_t)ev->kind_len);
    w = PUT(w, ",\"obj\":");
    w = ev->has_obj ? put_int(w, ev->obj) : PUT(w, "null");
    w = PUT(w, ",\"args\":");
    if (ev->args_len == 4 && ev->args[0] == 'n') {
        w = PUT(w, "{}");
    } else {
        w = put_bytes(w, ev->args, (size_t)ev->args_len);
    }
    *w++ = '}';
    *w++ = '\n';
    return w;
}

/* ---- the fold's lock handlers, for a plain Lock ---------------------------- */

/* What one call knows of an object of the fold. Only Python code changes the
 * fold between events, and it runs between calls (the slow events) or in a
 * handler this call makes, after which it reads again what the handler may
 * change; so a call can keep what it read. */
#define OBJS 16
typedef struct {
    long long id;
    PyObject *obj;          /* the fold's Obj, or NULL: an object the fold does not know */
    PyObject *holders, *waiters;
    int rlock;              /* in fold.rlocks: the Python path's (it reads the depth) */
    int plain;              /* a Lock (not a semaphore) */
    Py_ssize_t acquired;    /* acquisitions not yet added to obj.acquisitions */
    Py_ssize_t max_holders; /* obj.max_holders as last read */
} Known;

typedef struct {
    Known items[OBJS];
    int n, next;
} Objects;

static Py_ssize_t
attr_size(PyObject *obj, PyObject *name)
{
    PyObject *v = PyObject_GetAttr(obj, name);
    if (v == NULL) return -1;
    Py_ssize_t n = PyLong_AsSsize_t(v);
    Py_DECREF(v);
    return n;
}

static int
set_attr_size(PyObject *obj, PyObject *name, Py_ssize_t n)
{
    PyObject *v = PyLong_FromSsize_t(n);
    if (v == NULL) return -1;
    int r = PyObject_SetAttr(obj, name, v);
    Py_DECREF(v);
    return r;
}

/* Adds what the call counted to obj.acquisitions and forgets the object. */
static int
forget(Known *k)
{
    int r = 0;
    if (k->obj != NULL && k->acquired) {
        Py_ssize_t n = attr_size(k->obj, s_acquisitions);
        r = (n == -1 && PyErr_Occurred()) ? -1 : set_attr_size(k->obj, s_acquisitions, n + k->acquired);
    }
    k->acquired = 0;
    Py_CLEAR(k->obj);
    Py_CLEAR(k->holders);
    Py_CLEAR(k->waiters);
    return r;
}

static int
forget_all(Objects *objs)
{
    int r = 0;
    for (int i = 0; i < objs->n; i++) {
        if (forget(&objs->items[i]) < 0) r = -1;
    }
    objs->n = 0;
    return r;
}

static Known *
known(Objects *objs, PyObject *objects, PyObject *rlocks, long long id)
{
    for (int i = 0; i < objs->n; i++) {
        if (objs->items[i].id == id) return &objs->items[i];
    }
    Known *k;
    if (objs->n < OBJS) {
        k = &objs->items[objs->n++];
    } else {
        k = &objs->items[objs->next++ % OBJS];
        if (forget(k) < 0) return NULL;
    }
    memset(k, 0, sizeof(*k));
    k->id = -1;  /* not filled in yet */
    PyObject *key = PyLong_FromLongLong(id);
    if (key == NULL) return NULL;
    k->rlock = PySet_Contains(rlocks, key);
    PyObject *obj = k->rlock < 0 ? NULL : PyDict_GetItemWithError(objects, key);
    Py_DECREF(key);
    if (k->rlock < 0 || (obj == NULL && PyErr_Occurred())) return NULL;
    if (obj != NULL) {
        k->obj = Py_NewRef(obj);
        PyObject *type = PyObject_GetAttr(obj, s_type);
        if (type == NULL) return NULL;
        k->plain = PyUnicode_Check(type) && PyUnicode_CompareWithASCIIString(type, "Lock") == 0;
        Py_DECREF(type);
        k->holders = PyObject_GetAttr(obj, s_holders);
        k->waiters = k->holders ? PyObject_GetAttr(obj, s_waiters) : NULL;
        if (k->waiters == NULL) return NULL;
        if (!PyDict_Check(k->holders) || !PyDict_Check(k->waiters)) {
            PyErr_SetString(PyExc_TypeError, "Obj.holders and Obj.waiters must be dicts");
            return NULL;
        }
        k->max_holders = attr_size(obj, s_max_holders);
        if (k->max_holders == -1 && PyErr_Occurred()) return NULL;
    }
    k->id = id;
    return k;
}

/* Fold._lock_acquire for a plain Lock, by a thread that was not waiting for it. */
static int
fold_acquire(Known *k, PyObject *tid)
{
    PyObject *count = PyDict_GetItemWithError(k->holders, tid);
    if (count == NULL && PyErr_Occurred()) return -1;
    PyObject *now = count == NULL ? Py_NewRef(g_one) : PyNumber_Add(count, g_one);
    if (now == NULL) return -1;
    int r = PyDict_SetItem(k->holders, tid, now);
    Py_DECREF(now);
    if (r < 0) return -1;
    k->acquired++;
    Py_ssize_t holding = PyDict_GET_SIZE(k->holders);
    if (holding > k->max_holders) {
        k->max_holders = holding;
        return set_attr_size(k->obj, s_max_holders, holding);
    }
    return 0;
}

/* Fold._lock_release for a plain Lock. */
static int
fold_release(Known *k, PyObject *tid)
{
    PyObject *holders = k->holders;
    PyObject *holder = tid, *count = PyDict_GetItemWithError(holders, tid);
    if (count == NULL) {
        if (PyErr_Occurred()) return -1;
        Py_ssize_t pos = 0;
        if (!PyDict_Next(holders, &pos, &holder, &count)) return 0;  /* nobody holds it */
    }
    long n = PyLong_AsLong(count);
    if (n == -1 && PyErr_Occurred()) return -1;
    Py_INCREF(holder);
    int r;
    if (n <= 1) {
        r = PyDict_DelItem(holders, holder);
    } else {
        PyObject *less = PyLong_FromLong(n - 1);
        r = less == NULL ? -1 : PyDict_SetItem(holders, holder, less);
        Py_XDECREF(less);
    }
    Py_DECREF(holder);
    return r;
}

/* ---- translate -------------------------------------------------------------- */

/* Threads met in this call: ident → tid, so that most events need no dict lookup. */
#define SEEN 8
typedef struct {
    long long ident[SEEN];
    long long tid[SEEN];
    int n, next;
} Seen;

/* The thread id of ident (from tids, a dict of int → int); 0 and *found = 0
 * when the stream does not know it. */
static long long
tid_of(Seen *seen, PyObject *tids, long long ident, int *found)
{
    for (int i = 0; i < seen->n; i++) {
        if (seen->ident[i] == ident) {
            *found = 1;
            return seen->tid[i];
        }
    }
    *found = 0;
    PyObject *key = PyLong_FromLongLong(ident);
    if (key == NULL) return -1;
    PyObject *value = PyDict_GetItemWithError(tids, key);
    Py_DECREF(key);
    if (value == NULL) return PyErr_Occurred() ? -1 : 0;
    long long tid = PyLong_AsLongLong(value);
    if (tid == -1 && PyErr_Occurred()) return -1;
    *found = 1;
    int slot = seen->n < SEEN ? seen->n++ : (seen->next++ % SEEN);
    seen->ident[slot] = ident;
    seen->tid[slot] = tid;
    return tid;
}

/* Fold one lock event the fast way: 1 done, 0 the Python path must (an RLock, no object), -1 error. */
static int
fold_lock(PyObject *fold, Objects *objs, PyObject *objects, PyObject *rlocks, Kind *kind, long long seq, long long t,
          long long tid, Event *ev)
{
    if (!ev->has_obj) return 0;
    Known *k = known(objs, objects, rlocks, ev->obj);
    if (k == NULL) return -1;
    if (k->rlock) return 0;
    if (k->obj == NULL) return 1;  /* an object the fold does not know: its handler does nothing */
    PyObject *tid_obj = PyLong_FromLongLong(tid);
    if (tid_obj == NULL) return -1;
    /* A plain Lock's release never looks at its waiters; its acquire only
     * when the acquirer is one of them (it stops waiting). */
    int r = k->plain && kind->code == KIND_ACQUIRE && PyDict_GET_SIZE(k->waiters)
        ? PyDict_Contains(k->waiters, tid_obj) : 0;
    if (r < 0) {
        Py_DECREF(tid_obj);
        return -1;
    }
    if (k->plain && !r) {
        r = kind->code == KIND_ACQUIRE ? fold_acquire(k, tid_obj) : fold_release(k, tid_obj);
    } else {
        /* A semaphore, a waiter's acquire: the fold's own handler, as the Python path calls it. */
        r = -1;
        PyObject *now = PyLong_FromLongLong(t);
        PyObject *seq_obj = PyLong_FromLongLong(seq);
        PyObject *obj_id = PyLong_FromLongLong(ev->obj);
        if (now != NULL && seq_obj != NULL && obj_id != NULL && PyObject_SetAttr(fold, s_last_t, now) == 0) {
            PyObject *call[5] = {fold, seq_obj, tid_obj, obj_id, g_no_args};
            PyObject *res = PyObject_Vectorcall(kind->handler, call, 5, NULL);
            Py_XDECREF(res);
            if (res != NULL) {
                k->max_holders = attr_size(k->obj, s_max_holders);  /* the handler may have moved it */
                r = k->max_holders == -1 && PyErr_Occurred() ? -1 : 0;
            }
        }
        Py_XDECREF(now);
        Py_XDECREF(seq_obj);
        Py_XDECREF(obj_id);
    }
    Py_DECREF(tid_obj);
    return r < 0 ? -1 : 1;
}

/* The end of the run of events from p on that are the Python path's too
 * (kinds with a handler, unknown threads), stopping before the first that
 * may be this module's: whether it is depends on what the run does. */
static const char *
slow_run(const char *p, const char *end, PyObject *tids, Seen *seen)
{
    for (;;) {
        if (p >= end || *p != ',') return p;
        Event ev;
        const char *ev_end = read_event(p + 1, end, &ev);
        if (ev_end == NULL) return p;  /* the next call says the line is broken */
        if (!ev.simple) {
            p = ev_end;
            continue;
        }
        Kind *k = kind_of(ev.kind, ev.kind_len);
        if (k == NULL) {
            PyErr_Clear();  /* a kind this module cannot keep: the Python path's, on the next call */
            return p;
        }
        if (k->code != KIND_SLOW) {
            int found = 0;
            if (tid_of(seen, tids, ev.ident, &found) == -1 && PyErr_Occurred()) {
                PyErr_Clear();
                return p;
            }
            if (found) return p;
        }
        p = ev_end;
    }
}

/* translate(line, pos, out, tids, pid, t0, seq, last_t, fold)
 *   -> (pos, seq, last_t, slow, done)
 *
 * Translates the events of the batch line (bytes, or any buffer: a slice of
 * what was read) from byte pos on (0, or just past an event), until the line
 * ends (slow -1) or events the Python path must translate: slow is where the
 * first starts and pos just past the last of them (a run of such events,
 * ``slow_run``). The trace lines of the done events it translated go to the
 * list out as one bytes object (each line followed by a newline), if there
 * are any. Where the line is not spelled exactly as a writer spells it, the
 * rest of it is the Python path's (which says what is wrong): slow -2. */
static PyObject *
translate(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 9 || !PyObject_CheckBuffer(args[0]) || !PyList_Check(args[2]) || !PyDict_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError, "expected translate(line: bytes, pos, out: list, tids: dict, pid, t0, seq, "
                                         "last_t, fold)");
        return NULL;
    }
    if (g_handlers == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "concviz._translate: translate() before configure()");
        return NULL;
    }
    PyObject *out = args[2], *tids = args[3], *fold = args[8];
    Py_ssize_t pos = PyLong_AsSsize_t(args[1]);
    long long pid = PyLong_AsLongLong(args[4]), t0 = PyLong_AsLongLong(args[5]);
    long long seq = PyLong_AsLongLong(args[6]), last_t = PyLong_AsLongLong(args[7]);
    if (PyErr_Occurred()) return NULL;
    Py_buffer view;
    if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) < 0) return NULL;
    const char *line = view.buf;
    const char *end = line + view.len;
    if (pos < 0 || pos > end - line) {
        PyErr_Format(PyExc_ValueError, "expected a position in the line, got %zd", pos);
        PyBuffer_Release(&view);
        return NULL;
    }
    PyObject *objects = PyObject_GetAttr(fold, s_objects);
    PyObject *rlocks = objects == NULL ? NULL : PyObject_GetAttr(fold, s_rlocks);
    if (rlocks == NULL || !PyDict_Check(objects) || !PyAnySet_Check(rlocks)) {
        if (rlocks != NULL) PyErr_SetString(PyExc_TypeError, "fold.objects must be a dict and fold.rlocks a set");
        Py_XDECREF(objects);
        Py_XDECREF(rlocks);
        PyBuffer_Release(&view);
        return NULL;
    }
    Out lines = {NULL, 0, 0};
    Seen seen = {.n = 0, .next = 0};
    Objects objs = {.n = 0, .next = 0};
    const char *p = line + pos;
    Py_ssize_t slow = -1, done = 0;
    int failed = 0;
    if (pos == 0) {
        if (p < end && *p == '[') p++;
        else slow = -2;
        if (slow == -1 && p < end && *p == ']') goto closing;
    } else {
        goto separator;
    }
    while (slow == -1) {
        /* p: the start of an event */
        const char *start = p;
        Event ev;
        const char *ev_end = read_event(p, end, &ev);
        if (ev_end == NULL) {
            slow = -2;
            break;
        }
        Kind *k = NULL;
        long long tid = 0;
        int found = 0;
        if (ev.simple) {
            k = kind_of(ev.kind, ev.kind_len);
            if (k == NULL && PyErr_Occurred()) {
                failed = 1;
                break;
            }
            if (k != NULL && k->code != KIND_SLOW) {
                tid = tid_of(&seen, tids, ev.ident, &found);
                if (tid == -1 && PyErr_Occurred()) {
                    failed = 1;
                    break;
                }
            }
        }
        if (k == NULL || k->code == KIND_SLOW || !found) {
            slow = start - line;
            p = slow_run(ev_end, end, tids, &seen);
            break;
        }
        long long t = ev.t - t0;
        if (t < last_t) t = last_t;
        if (k->code != KIND_PASS) {
            int done = fold_lock(fold, &objs, objects, rlocks, k, seq, t, tid, &ev);
            if (done < 0) {
                failed = 1;
                break;
            }
            if (done == 0) {
                slow = start - line;
                p = ev_end;
                break;
            }
        }
        last_t = t;
        if (out_reserve(&lines, LINE_MOST(&ev)) < 0) {
            failed = 1;
            break;
        }
        lines.used = (size_t)(trace_line(lines.data + lines.used, seq, t, pid, tid, &ev) - lines.data);
        seq++;
        done++;
        p = ev_end;
separator:
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        if (p < end && *p == ']') {
closing:
            if (p + 1 != end) slow = -2;  /* something after the batch */
            else p = end;
            break;
        }
        slow = -2;
    }
    if (forget_all(&objs) < 0) failed = 1;
    Py_DECREF(objects);
    Py_DECREF(rlocks);
    PyBuffer_Release(&view);
    if (!failed && lines.used) {
        PyObject *text = PyBytes_FromStringAndSize(lines.data, (Py_ssize_t)lines.used);
        if (text == NULL || PyList_Append(out, text) < 0) failed = 1;
        Py_XDECREF(text);
    }
    PyMem_Free(lines.data);
    if (failed) return NULL;
    return Py_BuildValue("(nLLnn)", (Py_ssize_t)(p - line), seq, last_t, slow, done);
}
static PyMethodDef module_methods[] = {
    {"configure", configure, METH_VARARGS, "configure(handlers, no_args): the fold's handlers by kind, NO_ARGS."},
    {"translate", (PyCFunction)(void (*)(void))translate, METH_FASTCALL,
     "translate(line, pos, out, tids, pid, t0, seq, last_t, fold) -> (pos, seq, last_t, slow, done)."},
    {NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "concviz._translate",
    .m_doc = PyDoc_STR("The parent's native hot path: a process's raw batch line to trace lines."),
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC
PyInit__translate(void)
{
    s_objects = PyUnicode_InternFromString("objects");
    s_rlocks = PyUnicode_InternFromString("rlocks");
    s_waiters = PyUnicode_InternFromString("waiters");
    s_holders = PyUnicode_InternFromString("holders");
    s_type = PyUnicode_InternFromString("type");
    s_acquisitions = PyUnicode_InternFromString("acquisitions");
    s_max_holders = PyUnicode_InternFromString("max_holders");
    s_last_t = PyUnicode_InternFromString("last_t");
    g_one = PyLong_FromLong(1);
    if (!s_objects || !s_rlocks || !s_waiters || !s_holders || !s_type || !s_acquisitions || !s_max_holders
            || !s_last_t || !g_one) return NULL;
    return PyModule_Create(&module);
}
