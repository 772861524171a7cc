/* Part of concviz._record (included once, by _record.c): an item's text (short_repr). */

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
