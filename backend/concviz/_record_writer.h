/* Part of concviz._record (included once, by _record.c): the writer's encoding of a batch. */

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

#include "_decimal.h"

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
