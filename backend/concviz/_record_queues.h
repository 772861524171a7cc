/* Part of concviz._record (included once, by _record.c): the recorded queues' events and bookkeeping (QueueBook). */

/* A queue's put or get is a compact entry: recorded as the Python event (t,
 * ident, "queue.put"/"queue.get", obj, {"id": id, "item": text, "size":
 * size}) would be, with no Python object but the item's text (see
 * ``concviz.instrument.queues``).
 *
 * record_queue_c records one: 0, or -1. The fields as C numbers (id -1:
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
