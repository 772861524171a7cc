/* Part of concviz._record (included once, by _record.c): the recorded Lock (LockBase) and the standard library's lock from C. */

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
