/* The recorder's native hot path, one part a file:
 *
 *   _record_clock.h   the clock of compact events (the CPU's counter where the kernel uses it)
 *   _record_sink.h    Sink, the recorder's buffer: one array in recording order (every append
 *                     holds the GIL); Python event tuples and compact entries (time, ident,
 *                     kind, object id, a few fields) with no Python object; back-pressure
 *   _record_writer.h  Batch, what the writer takes at once (``take()``) and encodes to the
 *                     wire's JSON lines, the compact runs with the GIL released
 *   _record_lines.h   source lines: sys.monitoring's LINE callback and, before 3.12, a trace
 *                     function in C
 *   _record_lock.h    LockBase, the recorded Lock's native variant: acquire()/__enter__ with no
 *                     arguments and release()/__exit__ here, the standard library's lock
 *                     taken directly; anything else goes to the Python method
 *   _record_text.h    an item's short text (``short_repr``) for common types
 *   _record_queues.h  a queue's put and get as compact entries, and QueueBook, its puts not
 *                     yet got
 *
 * When a writer is running and the buffer holds more than ``high`` events,
 * the recording thread waits (GIL released) until the writer has taken them,
 * below ``low`` (``append_nowait`` never waits): a program that records
 * faster than the parent reads is slowed, never loses events, never grows
 * the buffer without bound.
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

/* The parts, one file each, in the order they build on each other: a
 * single translation unit, so that the hot paths stay static and inline. */
#include "_record_clock.h"
#include "_record_sink.h"
#include "_record_writer.h"
#include "_record_lines.h"
#include "_record_lock.h"
#include "_record_text.h"
#include "_record_queues.h"

/* ---- the module ------------------------------------------------------- */

/* after_fork(): in a forked child, no writer of the parent's is writing
 * (one may have been, without the GIL, when the fork happened). */
static PyObject *
after_fork(PyObject *module, PyObject *unused)
{
    g_writing = 0;
    g_written.len = 0;
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
