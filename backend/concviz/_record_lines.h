/* Part of concviz._record (included once, by _record.c): source lines. */

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
