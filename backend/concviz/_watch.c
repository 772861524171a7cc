/* Recording a watched variable without adding a thread-switch point.
 *
 * CPython (3.11-3.13) lets another thread run only where the interpreter
 * checks its "eval breaker": at function starts, backward jumps and after
 * calls. A read recorded by calling a function would add such a point between
 * the program's read and its write, and so create lost updates the program
 * does not have. So the rewritten program records through subscripts of the
 * objects made here, which run this C code with no call instruction and no
 * Python frame:
 *
 *     temp = __concviz_read__['num', 12, num]    # records, evaluates to num
 *     num = __concviz_write__['num', 13, value]  # records, evaluates to value
 *     __concviz_update__['num', 14, old] = num   # an augmented assignment
 *
 * Each access appends the recorder's usual event tuple
 * (ns, ident, kind, None, {"name", "value", "line"}) to its buffer, calling
 * the recorder's own clock and ident functions from C (a call made from C
 * checks no eval breaker). A value of a plain type is recorded as itself,
 * anything else by its repr.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    PyObject_HEAD
    PyObject *append;   /* the recorder's buffer.append */
    PyObject *clock;    /* time.perf_counter_ns */
    PyObject *ident;    /* _thread.get_ident */
    int mode;           /* READ, WRITE or UPDATE */
} Watch;

enum { READ, WRITE, UPDATE };

static PyObject *s_name, *s_value, *s_line, *s_read, *s_write;

static PyObject *
plain_value(PyObject *value)
{
    if (value == Py_None || PyLong_CheckExact(value) || PyFloat_CheckExact(value)
            || PyUnicode_CheckExact(value) || PyBool_Check(value)) {
        return Py_NewRef(value);
    }
    return PyObject_Repr(value);
}

/* Append one var.read or var.write event; 0 on success, -1 with an exception. */
static int
record(Watch *self, PyObject *kind, PyObject *name, PyObject *line, PyObject *value)
{
    PyObject *t = NULL, *who = NULL, *args = NULL, *event = NULL, *shown = NULL, *done = NULL;
    int result = -1;
    t = PyObject_CallNoArgs(self->clock);
    if (t == NULL) goto out;
    who = PyObject_CallNoArgs(self->ident);
    if (who == NULL) goto out;
    shown = plain_value(value);
    if (shown == NULL) goto out;
    args = PyDict_New();
    if (args == NULL || PyDict_SetItem(args, s_name, name) < 0 || PyDict_SetItem(args, s_value, shown) < 0
            || PyDict_SetItem(args, s_line, line) < 0) {
        goto out;
    }
    event = PyTuple_Pack(5, t, who, kind, Py_None, args);
    if (event == NULL) goto out;
    done = PyObject_CallOneArg(self->append, event);
    if (done == NULL) goto out;
    result = 0;
out:
    Py_XDECREF(t);
    Py_XDECREF(who);
    Py_XDECREF(shown);
    Py_XDECREF(args);
    Py_XDECREF(event);
    Py_XDECREF(done);
    return result;
}

static int
unpack(PyObject *key, PyObject **name, PyObject **line, PyObject **value)
{
    if (!PyTuple_CheckExact(key) || PyTuple_GET_SIZE(key) != 3) {
        PyErr_SetString(PyExc_TypeError, "concviz watch: expected (name, line, value)");
        return -1;
    }
    *name = PyTuple_GET_ITEM(key, 0);
    *line = PyTuple_GET_ITEM(key, 1);
    *value = PyTuple_GET_ITEM(key, 2);
    return 0;
}

/* watch[name, line, value]: record a read or a write of value, and give it back. */
static PyObject *
watch_subscript(Watch *self, PyObject *key)
{
    PyObject *name, *line, *value;
    if (self->mode == UPDATE) {
        PyErr_SetString(PyExc_TypeError, "concviz watch: an update is recorded by assignment");
        return NULL;
    }
    if (unpack(key, &name, &line, &value) < 0) return NULL;
    if (record(self, self->mode == READ ? s_read : s_write, name, line, value) < 0) return NULL;
    return Py_NewRef(value);
}

/* update[name, line, old] = new: an augmented assignment read old and wrote new. */
static int
watch_ass_subscript(Watch *self, PyObject *key, PyObject *new_value)
{
    PyObject *name, *line, *old;
    if (self->mode != UPDATE || new_value == NULL) {
        PyErr_SetString(PyExc_TypeError, "concviz watch: only an update is recorded by assignment");
        return -1;
    }
    if (unpack(key, &name, &line, &old) < 0) return -1;
    if (record(self, s_read, name, line, old) < 0) return -1;
    return record(self, s_write, name, line, new_value);
}

static PyObject *
watch_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"append", "clock", "ident", "mode", NULL};
    PyObject *append, *clock, *ident;
    int mode;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOi", names, &append, &clock, &ident, &mode)) return NULL;
    if (mode < READ || mode > UPDATE) {
        PyErr_SetString(PyExc_ValueError, "mode must be READ, WRITE or UPDATE");
        return NULL;
    }
    Watch *self = (Watch *)type->tp_alloc(type, 0);
    if (self == NULL) return NULL;
    self->append = Py_NewRef(append);
    self->clock = Py_NewRef(clock);
    self->ident = Py_NewRef(ident);
    self->mode = mode;
    return (PyObject *)self;
}

static void
watch_dealloc(Watch *self)
{
    Py_XDECREF(self->append);
    Py_XDECREF(self->clock);
    Py_XDECREF(self->ident);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMappingMethods watch_mapping = {
    .mp_subscript = (binaryfunc)watch_subscript,
    .mp_ass_subscript = (objobjargproc)watch_ass_subscript,
};

static PyTypeObject WatchType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "concviz._watch.Watch",
    .tp_doc = PyDoc_STR("Records reads and writes of a watched variable through subscripts (see the module)."),
    .tp_basicsize = sizeof(Watch),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = watch_new,
    .tp_dealloc = (destructor)watch_dealloc,
    .tp_as_mapping = &watch_mapping,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "concviz._watch",
    .m_doc = PyDoc_STR("Recording watched variables with no thread-switch point of its own."),
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__watch(void)
{
    if (PyType_Ready(&WatchType) < 0) return NULL;
    s_name = PyUnicode_InternFromString("name");
    s_value = PyUnicode_InternFromString("value");
    s_line = PyUnicode_InternFromString("line");
    s_read = PyUnicode_InternFromString("var.read");
    s_write = PyUnicode_InternFromString("var.write");
    if (!s_name || !s_value || !s_line || !s_read || !s_write) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    if (PyModule_AddObjectRef(m, "Watch", (PyObject *)&WatchType) < 0
            || PyModule_AddIntConstant(m, "READ", READ) < 0 || PyModule_AddIntConstant(m, "WRITE", WRITE) < 0
            || PyModule_AddIntConstant(m, "UPDATE", UPDATE) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
