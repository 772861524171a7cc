/* Part of concviz._record (included once, by _record.c): the clock of compact events. */

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
